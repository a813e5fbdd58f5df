// Exit codes, output rules and tolerance through the built hb: what a run records, what it says on
// stderr, what hb check makes of it, config errors at their place, and hb doctor's migration note.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, readJson, sandbox } from '../helpers.ts';

/** A sandbox with this config (YAML) as hb.yaml; returns hb bound to it. */
function withConfig(t: { after(fn: () => void): void }, yaml: string) {
  const s = sandbox();
  t.after(s.cleanup);
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, yaml);
  return { s, cfg, run: (args: string[]) => hb(['--config', cfg, ...args], { env: s.env }) };
}

test('warn_codes: exit 24 is recorded as a warning with its reason; the exit code passes through and hb check exits 0 saying warning', (t) => {
  const { s, run } = withConfig(t, 'jobs:\n  mirror:\n    every: 1h\n    command: "echo vanished >&2; exit 24"\n    warn_codes: [24]\n');
  const r = run(['tick', 'mirror']);
  assert.equal(r.code, 24);
  assert.equal(r.stderr, 'vanished\n', 'a warning adds nothing to what cron mails');
  const rec = readJson(join(s.state, 'mirror.last'));
  assert.deepEqual([rec.status, rec.outcome, rec.reason, rec.failed_streak], ['ok', 'warning', 'exit 24 is listed in warn_codes', 0]);
  const check = run(['check', '--json']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const job = JSON.parse(check.stdout).jobs.find((j: { job: string }) => j.job === 'mirror');
  assert.equal(job.status, 'warning');
  assert.match(job.reason, /succeeded with a warning: exit 24 is listed in warn_codes/);
});

test('ok_codes: exit 1 is a success; an unlisted code fails', (t) => {
  const { s, run } = withConfig(t, 'jobs:\n  grep:\n    every: 1h\n    command: "exit $CODE"\n    ok_codes: [0, 1]\n');
  const as = (code: number) => hb(['--config', join(s.root, 'hb.yaml'), 'tick', 'grep'], { env: { ...s.env, CODE: String(code) } });
  assert.equal(as(1).code, 1);
  assert.deepEqual([readJson(join(s.state, 'grep.last')).status, readJson(join(s.state, 'grep.last')).outcome], ['ok', 'ok']);
  assert.equal(run(['check']).code, 0);
  assert.equal(as(2).code, 2);
  assert.deepEqual([readJson(join(s.state, 'grep.last')).status, readJson(join(s.state, 'grep.last')).outcome], ['error', 'failed']);
  assert.equal(run(['check']).code, 1);
});

test('fail_on: a job that prints ERROR and exits 0 fails with the line; hb says so on stderr and keeps the exit code', (t) => {
  const { s, run } = withConfig(t, 'jobs:\n  dump:\n    every: 1h\n    command: "echo ERROR: db unreachable; exit 0"\n    output: {fail_on: [ERROR]}\n');
  const r = run(['tick', 'dump']);
  assert.equal(r.code, 0, "the exit code stays the child's");
  assert.equal(r.stdout, 'ERROR: db unreachable\n');
  assert.equal(r.stderr, 'hb: dump: failed: output matched fail_on /ERROR/: "ERROR: db unreachable"\n');
  const rec = readJson(join(s.state, 'dump.last'));
  assert.deepEqual([rec.status, rec.outcome, rec.failed_streak], ['error', 'failed', 1]);
  const check = run(['check']);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /dump\s+FAILED\s+last run failed, .*: output matched fail_on \/ERROR\/: "ERROR: db unreachable"/);
});

test('require: a run whose output lacks the line fails; tolerate 2 lets the first failure pass unalerted and counts the runs', (t) => {
  const { s, run } = withConfig(
    t,
    'jobs:\n  backup:\n    every: 1h\n    command: "echo $SAY"\n    output: {require: ["backup complete"]}\n    tolerate: {failed_runs: 2}\n',
  );
  const as = (say: string) => hb(['--config', join(s.root, 'hb.yaml'), 'tick', 'backup'], { env: { ...s.env, SAY: say } });
  assert.match(as('dumping').stderr, /^hb: backup: failed: output lacks \/backup complete\/ \(require\)$/m);
  let check = run(['check', '--json']);
  assert.equal(check.code, 0, 'one failed run of two tolerated');
  assert.match(JSON.parse(check.stdout).jobs[0].reason, /\(1 of 2 failed runs in a row tolerated\)/);
  as('dumping');
  assert.equal(readJson(join(s.state, 'backup.last')).failed_streak, 2);
  check = run(['check', '--json']);
  assert.equal(check.code, 1, 'the second failed run in a row is a problem');
  as('backup complete');
  assert.equal(readJson(join(s.state, 'backup.last')).failed_streak, 0);
  as('dumping');
  assert.equal(run(['check']).code, 0, 'a success in between restarts the count');
});

test('config errors: a pattern that does not compile and overlapping code lists are refused at file:line:col (exit 2)', (t) => {
  const { cfg, run } = withConfig(t, 'jobs:\n  a:\n    every: 1h\n    warn_codes: [0]\n    output: {fail_on: ["[unclosed"]}\n');
  const r = run(['check']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${cfg}:4:17: jobs\\.a\\.warn_codes: exit 0 is in both ok_codes \\(default \\[0\\]\\) and warn_codes`));
  assert.match(
    r.stderr,
    new RegExp(
      `${cfg}:5:24: jobs\\.a\\.output\\.fail_on\\[0\\]: not a usable regular expression: Invalid regular expression: /\\[unclosed/: Unterminated character class`,
    ),
  );
});

test('alert_after: read as tolerate, hb doctor warns with the migration; both keys are a config error naming both', (t) => {
  const { s, cfg, run } = withConfig(t, 'jobs:\n  nightly:\n    cron: "30 2 * * *"\n    alert_after: 2\n');
  const crontab = join(s.root, 'crontab');
  writeFileSync(crontab, `30 2 * * * hb --config ${cfg} tick nightly\n`);
  const doctor = run(['doctor', '--json', '--crontab', crontab]);
  const found = JSON.parse(doctor.stdout).findings.filter((f: { code: string }) => f.code === 'alert-after');
  assert.equal(found.length, 1, doctor.stdout);
  assert.equal(found[0].severity, 'warning');
  assert.match(found[0].message, /job "nightly": alert_after: 2 is deprecated; hb reads it as tolerate: \{failed_runs: 2\}/);
  assert.equal(found[0].fix, 'replace alert_after: 2 with tolerate: {failed_runs: 2} under jobs.nightly');
  writeFileSync(cfg, 'jobs:\n  nightly:\n    cron: "30 2 * * *"\n    alert_after: 2\n    tolerate: {failed_runs: 2}\n');
  const both = run(['check']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /:4:5: jobs\.nightly\.alert_after: alert_after and tolerate are both set/);
});

test("wrap's flags: --warn-codes, --fail-on and --require judge the run, each replacing the same rule of the job's config and keeping the others", (t) => {
  const { s, run } = withConfig(t, 'jobs:\n  dump:\n    every: 1h\n    output: {fail_on: [XYZ], require: ["backup complete"]}\n');
  const last = () => readJson(join(s.state, 'dump.last'));
  let r = run(['wrap', '--job', 'dump', '--fail-on', 'ERROR', '--fail-on', 'denied', '--', 'sh', '-c', 'echo XYZ; echo backup complete']);
  assert.equal(r.code, 0);
  assert.deepEqual([last().outcome, last().reason], ['ok', null], "the flag's fail_on replaced the config's");
  r = run(['wrap', '--job', 'dump', '--fail-on', 'ERROR', '--fail-on', 'denied', '--', 'sh', '-c', 'echo permission denied; echo backup complete']);
  assert.deepEqual([last().status, last().reason], ['error', 'output matched fail_on /denied/: "permission denied"']);
  assert.match(r.stderr, /^hb: dump: failed: output matched fail_on \/denied\/: "permission denied"$/m);
  run(['wrap', '--job', 'dump', '--fail-on', 'ERROR', '--', 'sh', '-c', 'echo half done']);
  assert.equal(last().reason, 'output lacks /backup complete/ (require)', "the config's require still applies");
  r = run(['wrap', '--job', 'dump', '--warn-codes', '24', '--require', 'sent', '--', 'sh', '-c', 'echo sent; exit 24']);
  assert.equal(r.code, 24);
  assert.deepEqual([last().status, last().outcome, last().reason], ['ok', 'warning', 'exit 24 is listed in warn_codes']);
  r = run(['wrap', '--job', 'dump', '--ok-codes', '0,1', '--require', 'sent', '--', 'sh', '-c', 'echo sent; exit 1']);
  assert.deepEqual([r.code, last().status, last().outcome], [1, 'ok', 'ok']);
  const check = run(['check', '--json']);
  assert.equal(check.code, 0, check.stdout);
});

test("wrap's flags: a pattern that does not compile, a bad code list, a code in both lists and output rules without a tail are usage errors before the command runs", (t) => {
  const { s, run } = withConfig(t, 'jobs:\n  tiny:\n    tail: 0\n');
  const marker = join(s.root, 'ran');
  const cases: Array<[string[], RegExp]> = [
    [['--fail-on', '(x'], /^hb: --fail-on: "\(x" is not a usable regular expression: Invalid regular expression: \/\(x\/: Unterminated group\n/],
    [['--require', ''], /^hb: --require: "" is not a usable regular expression: an empty pattern matches every line\n/],
    [['--ok-codes', '0,256'], /^hb: --ok-codes: expected exit codes from 0 to 255 separated by commas \(e\.g\. 0,24\), found "0,256"\n/],
    [['--warn-codes', '24,x'], /^hb: --warn-codes: expected exit codes from 0 to 255/],
    [['--ok-codes', '0,24', '--warn-codes', '24'], /^hb: --warn-codes: exit 24 is also in --ok-codes; a code means success or a warning, not both\n/],
    [['--tail', '0', '--warn-on', 'x'], /^hb: --tail: output rules .* read the output tail, but a tail of 0 bytes keeps none\n/],
    [['--job', 'tiny', '--fail-on', 'x'], /^hb: --tail: output rules .* a tail of 0 bytes keeps none\n/],
  ];
  for (const [flags, said] of cases) {
    const r = run(['wrap', ...flags, '--', 'touch', marker]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, said, flags.join(' '));
    assert.ok(!existsSync(marker), `${flags.join(' ')}: the command did not run`);
  }
  const help = run(['wrap', '--help']);
  assert.match(help.stdout, /--fail-on <re>\s+fail the run when an output line matches RE\s+\(repeatable\)/);
  assert.match(help.stdout, /hb wrap --job mirror --warn-codes 24 -- rsync -a src\/ dst\//);
});
