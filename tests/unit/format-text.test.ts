// renderCheckText: the lines hb check prints by default and the summary that counts them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTextParts, renderCheckText, renderStatusTable, statusTableParts } from '../../lib/rules/format/text.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { CRON_DOWN, DUMP_FAILED, DUMP_ROOT, HOST_UP, HOSTILE, LINE_GONE, NO_LOCK } from '../fixtures/evidence.ts';

const plain = { color: false };

function job(name: string, status: JobStatus, reason: string, problem = false): JobHealth {
  return {
    job: name,
    status,
    problem,
    reason,
    age_s: null,
    period_s: null,
    grace_s: null,
    ratio: null,
    due: null,
    deadline: null,
    schedule: null,
    schedule_source: null,
    last_success_at: null,
    last: null,
    running: null,
    file: null,
    evidence: [],
    root_cause: null,
  };
}

test('all healthy: the summary alone', () => {
  assert.equal(renderCheckText([], { total: 3, problems: 0, unscheduled: 0 }, plain), 'all 3 jobs healthy\n');
  assert.equal(renderCheckText([], { total: 3, problems: 0, unscheduled: 0, warnings: 1 }, plain), 'all 3 jobs healthy; 1 with a warning\n');
  assert.equal(renderCheckText([], { total: 3, problems: 1, unscheduled: 1, warnings: 1 }, plain).split('; ')[1], '1 with a warning');
  assert.equal(renderCheckText([], { total: 0, problems: 0, unscheduled: 0 }, plain), 'no jobs: no heartbeats in the state directory and none configured\n');
});

test('a job without a schedule is listed, one aligned line like a problem, and counted beside "healthy"', () => {
  const out = renderCheckText(
    [job('nightly', 'unscheduled', 'no schedule, so hb cannot tell when it is late: fix it')],
    { total: 3, problems: 0, unscheduled: 1 },
    plain,
  );
  assert.equal(
    out,
    [
      'nightly  UNSCHEDULED  no schedule, so hb cannot tell when it is late: fix it',
      'all 3 jobs healthy; 1 job has no schedule: hb cannot tell when it is late',
      '',
    ].join('\n'),
  );
});

test('problems and jobs without a schedule together: both counted in one summary', () => {
  const shown = [job('a', 'unscheduled', 'no schedule'), job('backup', 'stale', 'last heartbeat 3h ago', true), job('b', 'unscheduled', 'no schedule')];
  const out = renderCheckText(shown, { total: 5, problems: 1, unscheduled: 2 }, plain);
  assert.equal(
    out,
    [
      'a       UNSCHEDULED  no schedule',
      'backup  STALE        last heartbeat 3h ago',
      'b       UNSCHEDULED  no schedule',
      '1 of 5 jobs unhealthy; 2 jobs have no schedule: hb cannot tell when they are late',
      '',
    ].join('\n'),
  );
});

test('colour only when asked: a job without a schedule in yellow like a late one, a problem in bold red', () => {
  const shown = [job('a', 'unscheduled', 'x'), job('b', 'failed', 'y', true)];
  const out = renderCheckText(shown, { total: 2, problems: 1, unscheduled: 1 }, { color: true });
  assert.match(out, /^a {2}\u001b\[33mUNSCHEDULED\u001b\[0m {2}x$/m);
  assert.match(out, /^b {2}\u001b\[31;1mFAILED {5}\u001b\[0m {2}y$/m);
  assert.doesNotMatch(renderCheckText(shown, { total: 2, problems: 1, unscheduled: 1 }, plain), /\u001b/);
});

test('outcome colours: a warning and a failure within tolerance in yellow, suspicious and slow runs in bold red', () => {
  const shown = [job('w', 'warning', 'r1'), job('t', 'failed', 'r2'), job('s', 'suspicious', 'r3', true), job('l', 'slow', 'r4', true)];
  const out = renderCheckText(shown, { total: 4, problems: 2, unscheduled: 0 }, { color: true });
  assert.match(out, /^w {2}\u001b\[33mWARNING {3}\u001b\[0m {2}r1$/m);
  assert.match(out, /^t {2}\u001b\[33mFAILED {4}\u001b\[0m {2}r2$/m);
  assert.match(out, /^s {2}\u001b\[31;1mSUSPICIOUS\u001b\[0m {2}r3$/m);
  assert.match(out, /^l {2}\u001b\[31;1mSLOW {6}\u001b\[0m {2}r4$/m);
});

test('200,000 jobs to show (a host-wide outage): every line aligned, no stack overflow measuring the columns', () => {
  const count = 200_000;
  const jobs = Array.from({ length: count }, (_, i) => job(`job-${i}`, 'stale', 'last heartbeat 2h ago', true));
  jobs[count - 1] = job('the-longest-name-of-all', 'overrunning', 'running for 3h', true);
  const lines = renderCheckText(jobs, { total: count, problems: count, unscheduled: 0 }, plain).split('\n');
  assert.equal(lines.length, count + 2);
  assert.equal(lines[0], `job-0${' '.repeat('the-longest-name-of-all'.length - 'job-0'.length)}  STALE        last heartbeat 2h ago`);
  assert.equal(lines[count - 1], 'the-longest-name-of-all  OVERRUNNING  running for 3h');
  const table = renderStatusTable(jobs, plain).split('\n');
  assert.equal(table.length, count + 2);
  assert.match(table[0]!, /^JOB {22}STATUS {7}AGE/);
  assert.match(table[count]!, /^the-longest-name-of-all {2}overrunning {2}-/);
});

test('checkTextParts is the check text a line at a time: untrusted directories, jobs, recovery actions, then the summary', () => {
  const shown = [job('a', 'stale', 'late\nreally', true), job('bb', 'unscheduled', 'no schedule')];
  const untrusted = [{ dir: '/tmp/x', why: 'other users can write it', fix: 'chmod o-w /tmp/x' }];
  const actions = ['agent: restarted'];
  const counts = { total: 5, problems: 1, unscheduled: 1 };
  const parts = [...checkTextParts(shown, counts, plain, actions, untrusted)];
  assert.deepEqual(parts, [
    '/tmp/x  UNTRUSTED  not read by root: other users can write it; fix: chmod o-w /tmp/x\n',
    'a   STALE        late\\nreally\n',
    'bb  UNSCHEDULED  no schedule\n',
    'recovery: agent: restarted\n',
    `${renderCheckText([], counts, plain, [], untrusted).split('\n').at(-2)}\n`,
  ]);
  assert.equal(parts.join(''), renderCheckText(shown, counts, plain, actions, untrusted));
  assert.match(parts.at(-1)!, /^1 of 5 jobs unhealthy; .*1 untrusted state directory not read\n$/);
});

test('statusTableParts is the status panel a line at a time: the header, then one aligned line per job', () => {
  const jobs = [
    job('short', 'ok', 'fine'),
    job('a-much-longer-name', 'overrunning', 'slow', true),
    { ...job('c', 'paused', 'paused'), age_s: 3725, ratio: 1.5 },
  ];
  const parts = [...statusTableParts(jobs, plain)];
  assert.equal(parts.length, jobs.length + 1);
  assert.equal(parts.join(''), renderStatusTable(jobs, plain));
  assert.deepEqual(parts, [
    'JOB                 STATUS       AGE   INTERVAL  RATIO  EXIT  DURATION  CYCLE  ACTION\n',
    'short               ok           -     -         -      -     -         -      -\n',
    'a-much-longer-name  overrunning  -     -         -      -     -         -      -\n',
    'c                   paused       1h2m  -         1.50   -     -         -      -\n',
  ]);
  assert.deepEqual([...statusTableParts([], plain)], ['no jobs yet: run `hb tick JOB --every 15m` or configure jobs in hb.yaml\n']);
});

test('a job with evidence gets a second line under its reason: the likely cause, then the rest in rank order', () => {
  const backup = { ...job('backup', 'stale', 'last heartbeat 3h ago, due every 1h', true), evidence: [LINE_GONE, NO_LOCK, CRON_DOWN] };
  const shown = [backup, job('nightly-report', 'never', 'no heartbeat since it was configured 2h ago', true)];
  assert.equal(
    renderCheckText(shown, { total: 4, problems: 2, unscheduled: 0 }, plain),
    [
      'backup          STALE  last heartbeat 3h ago, due every 1h',
      `                       likely: ${CRON_DOWN.text}; also: ${LINE_GONE.text}`,
      'nightly-report  NEVER  no heartbeat since it was configured 2h ago',
      '2 of 4 jobs unhealthy',
      '',
    ].join('\n'),
  );
});

test('ruled-out causes show with --verbose only; a job with nothing else to say gets no second line without it', () => {
  const cleared = { ...job('backup', 'stale', 'late', true), evidence: [NO_LOCK, HOST_UP] };
  const counts = { total: 1, problems: 1, unscheduled: 0 };
  assert.equal(renderCheckText([cleared], counts, plain), 'backup  STALE  late\n1 of 1 job unhealthy\n');
  assert.equal(
    renderCheckText([cleared], counts, { color: false, verbose: true }),
    `backup  STALE  late\n               ruled out: ${HOST_UP.text}; ${NO_LOCK.text}\n1 of 1 job unhealthy\n`,
  );
});

test('a root cause is the second line, before any other evidence', () => {
  const backup = { ...job('backup', 'stale', 'late', true), evidence: [CRON_DOWN, DUMP_FAILED], root_cause: DUMP_ROOT };
  const lines = renderCheckText([backup], { total: 2, problems: 1, unscheduled: 0 }, plain).split('\n');
  assert.equal(lines[1], `               because dump failed 2h ago (needs job:dump): alerted as dump's incident; also: ${CRON_DOWN.text}`);
});

test('evidence text from outside is written out on the second line, which stays one line without colour codes', () => {
  const backup = { ...job('backup', 'stale', 'late', true), evidence: [HOSTILE] };
  const out = renderCheckText([backup], { total: 1, problems: 1, unscheduled: 0 }, plain);
  const lines = out.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[1], '               likely: cron said \\u001b[2J<b>*boom*</b> | @ops invoice\\u202etxt.exe next line');
  assert.doesNotMatch(out, /[\u001b\u202e]/);
  // Colour paints the status only: the cause line has no escape codes even on a terminal.
  const painted = renderCheckText([{ ...backup, evidence: [CRON_DOWN] }], { total: 1, problems: 1, unscheduled: 0 }, { color: true }).split('\n');
  assert.equal(painted[1], `               likely: ${CRON_DOWN.text}`);
});
