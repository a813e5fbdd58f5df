// Whole-file verdicts: one line Debian cron refuses (or an unknown user in a system file, or a
// last job or setting line without its newline) and cron ignores the whole file. hb doctor says
// so, naming the jobs that never run; adopt leaves such a file as it is; hb check takes no
// schedule from it. What cron does was seen under a real cron -f (tests/system/cron-verdicts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adoptCrontab, type AdoptContext } from '../../lib/rules/crontab/adopt.ts';
import { parseCrontab, type CrontabKind } from '../../lib/rules/crontab/parse.ts';
import { crontabSchedules } from '../../lib/rules/crontab/schedules.ts';
import { fileRefusals, missingNewline } from '../../lib/rules/crontab/verdict.ts';
import { doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import type { DoctorFacts, Finding } from '../../lib/rules/doctor/types.ts';

const HB = '/usr/bin/node /opt/hb/dist/hb.js';
const EXEC = new Set(['/usr/bin/node', '/opt/hb/dist/hb.js', '/bin/sh', '/usr/local/bin/backup.sh', '/usr/local/bin/report']);
const parse = (text: string, kind: CrontabKind = 'user') => parseCrontab(text, { kind, file: 'f' });
const users = (name: string) => name === 'root';

function doctor(text: string, path = '/etc/cron.d/jobs', jobs: string[] = []): Finding[] {
  // With configured jobs, the host's facts too (a cron daemon runs): the rules about lines hb needs.
  const cronD = path.startsWith('/etc/cron.d/');
  const facts: DoctorFacts = {
    crontabs: [{ path, kind: cronD ? 'system' : 'user', cronD, text, mode: 0o644, uid: 0, owner: cronD ? null : 'root' }],
    config: {
      file: jobs.length ? '/etc/hb/hb.yaml' : null,
      problems: [],
      jobs: new Map(jobs.map((name) => [name, { name, schedule: { cron: '30 2 * * *' } }])),
    },
    stateDir: null,
    probe: (p) => (EXEC.has(p) ? 'executable' : 'missing'),
    users: new Map([['root', '/root']]),
    userPath: ['/usr/bin', '/bin'],
    self: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' },
    hostTz: 'UTC',
    host: jobs.length ? { cronDaemon: 'cron', hbDaemon: false, mta: true, checkAgeMs: null, unscheduled: [], unreadable: [] } : null,
  };
  return doctorFindings(facts);
}

test('verdict: a refused line, an unknown user (system files, users known) or a last job/setting line without newline', () => {
  assert.deepEqual(
    fileRefusals(parse('0 1 * * * /bin/a\n60 * * * * /bin/b\n'), null).map((r) => [r.line, r.kind]),
    [[2, 'invalid']],
  );
  assert.deepEqual(
    fileRefusals(parse('0 1 * * * root /bin/a\n0 2 * * * curl -X POST http://x/\n', 'system'), users).map((r) => [r.line, r.kind]),
    [[2, 'unknown-user']],
  );
  assert.deepEqual(fileRefusals(parse('0 2 * * * curl -X POST http://x/\n', 'system'), null), [], 'users unknown: not judged');
  assert.deepEqual(fileRefusals(parse('0 1 * * * /bin/a\n# last'), null), [], 'a last comment needs no newline');
  assert.deepEqual(fileRefusals(parse('0 1 * * * /bin/a\n   '), null), [], 'nor a last blank line');
  assert.equal(missingNewline(parse('0 1 * * * /bin/a\nA=b')), true, 'a last setting does');
  assert.equal(missingNewline(parse('0 1 * * * /bin/a')), true);
  assert.deepEqual(fileRefusals(parse('0 1 * * * /bin/a\n'), null), []);
});

test('doctor: a refused line makes cron ignore the whole file, and the finding names the jobs that never run', () => {
  const text = `30 2 * * * root /usr/local/bin/backup.sh --full\n0 0 L * * root /usr/local/bin/report --monthly\n15 6 * * 1-5 root /usr/local/bin/report --daily\n`;
  const f = doctor(text);
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.line]),
    [['invalid-line', 'error', 2]],
  );
  assert.match(f[0]!.message, /ignores the whole file \("Syntax error, this crontab file will be ignored"\)/);
  assert.match(f[0]!.message, /bad day-of-month/);
  assert.match(
    f[0]!.message,
    /none of its 2 other job lines runs: line 1 \(\/usr\/local\/bin\/backup\.sh --full\), line 3 \(\/usr\/local\/bin\/report --daily\)/,
  );
  assert.doesNotMatch(f[0]!.message, /skips the line/);
});

test('doctor: an unknown user in /etc/cron.d ignores the whole file, not the line', () => {
  const f = doctor(`*/30 * * * * curl -X POST http://127.0.0.1:9/ping\n0 4 * * * root /usr/local/bin/backup.sh\n`);
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.line]),
    [['unknown-user', 'error', 1]],
  );
  assert.match(f[0]!.message, /user "curl" does not exist: cron refuses the line \("bad username"\) and ignores the whole file/);
  assert.match(f[0]!.message, /its other job line never runs: line 2 \(\/usr\/local\/bin\/backup\.sh\)/);
});

test('doctor: "# hb: ignore" quiets what a line does, not a user that makes cron drop the file', () => {
  const f = doctor(`# hb: ignore\n0 2 * * * nosuchuser /usr/local/bin/report\n0 4 * * * root /usr/local/bin/backup.sh\n`);
  assert.deepEqual(
    f.map((x) => [x.code, x.line]),
    [['unknown-user', 2]],
  );
});

test('doctor: a six-field line is an error, not "no problems found"', () => {
  const f = doctor('0 1 * * * /usr/local/bin/backup.sh\n*/6 * * * * * echo hi\n', '/home/alice/crontab');
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.line]),
    [['invalid-line', 'error', 2]],
  );
  assert.match(f[0]!.message, /bad command: "\*" after the 5 time fields/);
  assert.match(f[0]!.message, /line 1 \(\/usr\/local\/bin\/backup\.sh\)/);
});

test('doctor: a missing final newline names every job; after a last comment it is no finding', () => {
  const f = doctor('0 1 * * * /usr/local/bin/backup.sh\nA=b', '/home/alice/crontab');
  assert.deepEqual(
    f.map((x) => [x.code, x.line]),
    [['missing-newline', 2]],
  );
  assert.match(f[0]!.message, /its job line never runs: line 1 \(\/usr\/local\/bin\/backup\.sh\)/);
  assert.deepEqual(doctor('0 1 * * * /usr/local/bin/backup.sh\n# end', '/home/alice/crontab'), []);
});

test('doctor: a check or a job line in a file cron ignores counts as no line at all', () => {
  const f = doctor(`* * * * * root ${HB} check\n30 2 * * * root ${HB} tick backup\n0 0 L * * root /usr/local/bin/report\n`, '/etc/cron.d/jobs', ['backup']);
  assert.deepEqual(f.map((x) => x.code).sort(), ['invalid-line', 'job-without-line', 'no-check']);
  assert.match(f.find((x) => x.code === 'no-check')!.message, /jobs:1 is in a file cron skips/);
});

test('hb check takes no schedule from a file cron ignores; a final comment without newline does not stop it', () => {
  assert.deepEqual([...crontabSchedules([parse(`0 1 * * * ${HB} tick a\n0 0 L * * /bin/x\n`)]).keys()], []);
  assert.deepEqual([...crontabSchedules([parse(`0 1 * * * ${HB} tick a\n# end`)]).keys()], ['a']);
});

const ctx = (): AdoptContext => ({ exec: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' }, hostTz: 'UTC', taken: new Set(), userExists: users });

test('adopt: a file cron ignores is adopted not at all, and says why', () => {
  for (const [text, kind, why] of [
    ['0 1 * * * /bin/a\n*/6 * * * * * echo hi\n', 'user', /line 2: bad command/],
    ['0 1 * * * root /bin/a\n*/30 * * * * curl -X POST http://127.0.0.1:9/x\n', 'system', /line 2: bad username: user "curl" does not exist/],
    ['0 1 * * * /bin/a\n0 0 L * * /bin/b\n', 'user', /line 2: bad day-of-month/],
    ['0 1 * * * /bin/a\nA=b', 'user', /line 2: missing newline/],
  ] as const) {
    const r = adoptCrontab(parse(text, kind), ctx());
    assert.equal(r.text, text, 'left byte for byte');
    assert.deepEqual(r.adopted, []);
    assert.match(r.refused ?? '', /^cron ignores this whole file/);
    assert.match(r.refused ?? '', why);
  }
});

test('adopt: a final comment without newline is no reason to leave a file alone', () => {
  const r = adoptCrontab(parse('0 1 * * * /bin/a\n# end'), ctx());
  assert.deepEqual(
    r.adopted.map((a) => a.line),
    [1],
  );
  assert.equal(r.refused, null);
  assert.ok(r.text.endsWith('\n# end'), 'the ending is kept as it was');
});
