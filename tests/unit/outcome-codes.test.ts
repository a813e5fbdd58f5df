// Exit codes and output rules: the exit and output stages of a run's outcome, how the worst
// verdict keeps the most telling reason, and the config keys ok_codes, warn_codes, output,
// tolerate and alert_after with every error at its line and column.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { problemsOf } from './config-refusals.ts';
import { exitVerdict, type ExitFacts } from '../../lib/rules/outcome/exit.ts';
import { compileOutputRules, outputVerdict } from '../../lib/rules/outcome/output.ts';
import type { OutcomeRules } from '../../lib/rules/outcome/rules.ts';
import { worst } from '../../lib/rules/outcome/types.ts';
import { settleOutcome } from '../../lib/run/outcome.ts';

const exit = (code: number, over: Partial<ExitFacts> = {}): ExitFacts => ({ code, signal: null, timedOut: false, spawnFailed: false, ...over });
const output = (tail: string, rules: OutcomeRules, exitFailed = false) => outputVerdict(tail, compileOutputRules(rules), exitFailed);

test('exit stage: warn_codes is a warning with its reason, ok_codes a success, anything else a failure', () => {
  const rules: OutcomeRules = { okCodes: [0, 1], warnCodes: [24] };
  assert.deepEqual(exitVerdict(exit(24), rules), { outcome: 'warning', reason: 'exit 24 is listed in warn_codes' });
  assert.deepEqual(exitVerdict(exit(1), rules), { outcome: 'ok', reason: null });
  assert.deepEqual(exitVerdict(exit(0), rules), { outcome: 'ok', reason: null });
  assert.deepEqual(exitVerdict(exit(2), rules), { outcome: 'failed', reason: null });
  // Without lists: 0 alone succeeds.
  assert.equal(exitVerdict(exit(0), undefined).outcome, 'ok');
  assert.equal(exitVerdict(exit(1), undefined).outcome, 'failed');
  // ok_codes replaces the default: 0 is then a failure unless listed.
  assert.equal(exitVerdict(exit(0), { okCodes: [3] }).outcome, 'failed');
});

test('exit stage: a signal, a timeout or a command that never started fails whatever the lists say', () => {
  const rules: OutcomeRules = { okCodes: [0, 143, 137, 127], warnCodes: [130] };
  assert.equal(exitVerdict(exit(143, { signal: 'SIGTERM' }), rules).outcome, 'failed');
  assert.equal(exitVerdict(exit(130, { signal: 'SIGINT' }), rules).outcome, 'failed');
  assert.equal(exitVerdict(exit(137, { signal: 'SIGKILL', timedOut: true }), rules).outcome, 'failed');
  assert.equal(exitVerdict(exit(127, { spawnFailed: true }), rules).outcome, 'failed');
});

test('output stage: a fail_on match fails the run with the matching line, printable and cut', () => {
  const tail = 'starting\nERROR: db unreachable\nERROR: second\n';
  assert.deepEqual(output(tail, { failOn: ['ERROR'] }), { outcome: 'failed', reason: 'output matched fail_on /ERROR/: "ERROR: db unreachable"' });
  // The first line in output order, whichever pattern matches it.
  assert.match(output('a denied\nERROR x', { failOn: ['ERROR', 'denied'] }).reason!, /fail_on \/denied\/: "a denied"/);
  const hostile = output('ERROR \u001b[2J\u202etxt.exe\r\n', { failOn: ['ERROR'] }).reason!;
  assert.equal(hostile, 'output matched fail_on /ERROR/: "ERROR \\u001b[2J\\u202etxt.exe"');
  const long = output(`ERROR ${'x'.repeat(500)}`, { failOn: ['^ERROR'] }).reason!;
  assert.match(long, /^output matched fail_on \/\^ERROR\/: "ERROR x+…"$/);
  assert.equal(long.length, 'output matched fail_on /^ERROR/: ""'.length + 120);
  assert.deepEqual(output('all fine\n', { failOn: ['ERROR'] }), { outcome: 'ok', reason: null });
});

test('output stage: a require pattern no line matches fails the run; warn_on makes it a warning; failure outranks warning', () => {
  assert.deepEqual(output('dumping\n', { require: ['backup complete'] }), { outcome: 'failed', reason: 'output lacks /backup complete/ (require)' });
  assert.equal(output('dumping\nbackup complete\n', { require: ['backup complete'] }).outcome, 'ok');
  assert.deepEqual(output('WARN: disk 91%\n', { warnOn: ['^WARN'] }), { outcome: 'warning', reason: 'output matched warn_on /^WARN/: "WARN: disk 91%"' });
  assert.equal(output('WARN: disk 91%\n', { warnOn: ['^WARN'], require: ['done'] }).reason, 'output lacks /done/ (require)');
  // Patterns are matched line by line: ^ and $ anchor each line.
  assert.equal(output('a\nb$\n', { failOn: ['^b'] }).outcome, 'failed');
});

test('output stage after a failed exit: only fail_on is asked, so its line becomes the reason', () => {
  const rules: OutcomeRules = { failOn: ['ERROR'], require: ['done'], warnOn: ['WARN'] };
  assert.deepEqual(output('WARN x\n', rules, true), { outcome: 'ok', reason: null });
  assert.equal(output('ERROR: db unreachable\n', rules, true).reason, 'output matched fail_on /ERROR/: "ERROR: db unreachable"');
  // A pattern that does not compile (a hand-edited compiled config) fails the run, saying which.
  assert.match(output('x', { failOn: ['('] }).reason!, /^fail_on pattern \/\(\/ does not compile: /);
});

test('worst: the reason is the first non-null one among the worst verdicts', () => {
  const failedExit = { outcome: 'failed' as const, reason: null };
  const matched = { outcome: 'failed' as const, reason: 'output matched fail_on /ERROR/: "ERROR: db unreachable"' };
  assert.equal(worst([failedExit, matched]), matched);
  assert.equal(worst([failedExit, { outcome: 'warning', reason: 'w' }]), failedExit);
  assert.deepEqual(
    worst([
      { outcome: 'warning', reason: 'a' },
      { outcome: 'warning', reason: 'b' },
    ]),
    { outcome: 'warning', reason: 'a' },
  );
});

test('settleOutcome: exit 3 with a fail_on match records the line; exit 24 in warn_codes with a fail_on match fails', async () => {
  const run = (code: number, tail: string, rules: OutcomeRules) =>
    settleOutcome({ job: 'j', dir: '/nonexistent', exit: exit(code), startedMs: 0, durationMs: 5, tail, rules, minDurationMs: undefined, previous: null });
  assert.deepEqual(await run(3, 'ERROR: db unreachable\n', { failOn: ['ERROR'] }), {
    outcome: 'failed',
    reason: 'output matched fail_on /ERROR/: "ERROR: db unreachable"',
    expect: null,
    baseline: null,
  });
  assert.equal((await run(24, 'vanished\n', { warnCodes: [24] })).reason, 'exit 24 is listed in warn_codes');
  assert.equal((await run(24, 'ERROR x\n', { warnCodes: [24], failOn: ['ERROR'] })).outcome, 'failed');
  assert.equal((await run(0, 'ok\n', { require: ['backup complete'] })).reason, 'output lacks /backup complete/ (require)');
});

test('config: ok_codes, warn_codes, output and tolerate become the job outcome rules; alert_after is read as tolerate', async () => {
  const cfg = await parseConfigText(
    [
      'jobs:',
      '  sync:',
      '    ok_codes: [0, 1]',
      '    warn_codes: [24]',
      '    output: {fail_on: [ERROR, "denied$"], warn_on: WARN, require: ["backup complete"]}',
      '    tolerate: {failed_runs: 2}',
      '  old:',
      '    alert_after: 3',
      '',
    ].join('\n'),
    'hb.yaml',
    'UTC',
  );
  const sync = cfg.jobs.get('sync')!;
  assert.deepEqual(sync.outcome, { okCodes: [0, 1], warnCodes: [24], failOn: ['ERROR', 'denied$'], warnOn: ['WARN'], require: ['backup complete'] });
  assert.equal(sync.failedRuns, 2);
  assert.equal(sync.alertAfter, undefined);
  const old = cfg.jobs.get('old')!;
  assert.deepEqual([old.failedRuns, old.alertAfter, old.outcome], [3, 3, undefined]);
});

test('config: every outcome-key error at once, at its line and column, saying what was expected and found', async () => {
  const text = [
    /* 1 */ 'jobs:',
    /* 2 */ '  a:',
    /* 3 */ '    ok_codes: [0, 24]',
    /* 4 */ '    warn_codes: [24, 256]',
    /* 5 */ '  b:',
    /* 6 */ '    warn_codes: [0]',
    /* 7 */ '    output: {fail_on: ["(unclosed"], warn: [x]}',
    /* 8 */ '    tail: 0',
    /* 9 */ '  c:',
    /* 10 */ '    tolerate: {failed_runs: 0, after: 2}',
    /* 11 */ '    alert_after: 2',
    /* 12 */ '  d:',
    /* 13 */ '    ok_codes: []',
    /* 14 */ '    output: [ERROR]',
    /* 15 */ '    tolerate: 2',
    /* 16 */ '  e:',
    /* 17 */ '    ok_codes: [0, 24]',
    /* 18 */ '    warn_codes: [24]',
    '',
  ].join('\n');
  const ps = await problemsOf(text);
  const got = [...ps].sort((x, y) => x.line! - y.line! || x.col! - y.col!).map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  const expected: Array<[string, RegExp]> = [
    ['4:22 jobs.a.warn_codes[1]', /expected an exit code, a whole number from 0 to 255, found number 256/],
    ['6:17 jobs.b.warn_codes', /exit 0 is in both ok_codes \(default \[0\]\) and warn_codes/],
    ['7:5 jobs.b.output', /output rules read the output tail, but tail: 0 keeps none/],
    ['7:24 jobs.b.output.fail_on[0]', /not a usable regular expression: Invalid regular expression: \/\(unclosed\/: Unterminated group/],
    ['7:38 jobs.b.output.warn', /unknown key "warn" in output \(expected one of fail_on, warn_on, require\)/],
    ['10:29 jobs.c.tolerate.failed_runs', /expected a whole number of failed runs in a row from 1 to 1000, found number 0/],
    ['10:32 jobs.c.tolerate.after', /unknown key "after" in tolerate \(expected one of failed_runs\)/],
    ['11:5 jobs.c.alert_after', /alert_after and tolerate are both set: tolerate: \{failed_runs: N\} replaces alert_after/],
    ['13:15 jobs.d.ok_codes', /expected at least one exit code that means success, found an empty list/],
    ['14:13 jobs.d.output', /expected a map with keys fail_on, warn_on, require, found a list/],
    ['15:15 jobs.d.tolerate', /expected a map such as \{failed_runs: 2\}, found number 2/],
    ['18:17 jobs.e.warn_codes', /exit 24 is in both ok_codes and warn_codes; a code means success or a warning, not both/],
  ];
  assert.equal(got.length, expected.length, got.join('\n'));
  for (const [i, [at, message]] of expected.entries()) {
    assert.ok(got[i]!.startsWith(`${at}: `), `problem ${i}: expected at ${at}, found ${got[i]}`);
    assert.match(got[i]!, message);
  }
  // a's overlap is not reported twice, and 256 is not an overlap.
  assert.ok(!ps.some((p) => p.path === 'jobs.a.warn_codes' && /both/.test(p.message)));
});
