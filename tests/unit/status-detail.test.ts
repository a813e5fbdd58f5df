// `hb status JOB` below the panel: the verdict's reason, how the last run ended and why, and the
// end of its output, every control character written out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobHealth } from '../../lib/rules/health/types.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { statusDetailParts, STATUS_TAIL_LINES } from '../../lib/rules/format/status-detail.ts';
import { CRON_DOWN, DUMP_FAILED, DUMP_ROOT, HOSTILE, LINE_GONE, NO_LOCK } from '../fixtures/evidence.ts';

function health(last: Partial<HeartbeatRecord> | null, over: Partial<JobHealth> = {}): JobHealth {
  return {
    job: 'backup',
    status: 'failed',
    problem: true,
    reason: 'last run failed with exit 3, 2m ago',
    age_s: 120,
    period_s: 3600,
    grace_s: null,
    ratio: 0.03,
    due: null,
    deadline: null,
    schedule: null,
    schedule_source: null,
    last_success_at: null,
    last:
      last === null
        ? null
        : {
            v: 1,
            job: 'backup',
            host: 'h',
            status: 'error',
            exit_code: 3,
            signal: null,
            started_at: '2026-12-03T02:00:00.120Z',
            finished_at: '2026-12-03T02:00:04.310Z',
            duration_ms: 4190,
            cycle: 41,
            action: null,
            message: null,
            schedule: null,
            grace_s: null,
            output_tail: 'dumping\nERROR: db unreachable\n',
            pid: 7,
            hb_version: '1',
            ...last,
          },
    running: null,
    file: null,
    evidence: [],
    root_cause: null,
    ...over,
  };
}

const text = (h: JobHealth) => [...statusDetailParts(h)].join('');

test('a failed run: the verdict, the last run with its exit, and its output indented', () => {
  assert.equal(
    text(health({ outcome: 'failed', reason: null })),
    '\nbackup: failed: last run failed with exit 3, 2m ago\n' +
      '  last run: 2026-12-03T02:00:00.120Z  cycle 41  exit 3  failed\n' +
      '  output:\n    dumping\n    ERROR: db unreachable\n',
  );
});

test("the record's reason follows its outcome; a record from before outcomes reads as failed or ok by its status", () => {
  const suspicious = text(
    health(
      { status: 'ok', exit_code: 0, outcome: 'suspicious', reason: 'took 10ms, under min_duration 1m\u001b[2J', output_tail: '' },
      { status: 'suspicious' },
    ),
  );
  assert.match(
    suspicious,
    /\n {2}last run: \S+ {2}cycle 41 {2}exit 0 {2}suspicious: took 10ms, under min_duration 1m\\u001b\[2J\n {2}output:\n {4}\(no output\)\n$/,
  );
  assert.match(text(health({ signal: 'SIGKILL', exit_code: null })), / {2}signal SIGKILL {2}failed\n/);
  assert.match(text(health({ status: 'ok', exit_code: 0 }, { status: 'ok', reason: 'fine' })), / {2}exit 0 {2}ok\n/);
});

test('no run yet, or a run that kept no output, says so in words', () => {
  assert.equal(
    text(health(null, { status: 'never', reason: 'no heartbeat 3h after it was first seen' })),
    '\nbackup: never: no heartbeat 3h after it was first seen\n  no run recorded yet\n',
  );
  assert.match(text(health({ output_tail: null })), /\n {2}output: none kept \(a ping, or the job keeps no tail\)\n$/);
});

test(`only the last ${STATUS_TAIL_LINES} lines of a long tail, and no raw control character at all`, () => {
  const tail = Array.from({ length: 45 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\u009b31m\u202eevil\r\n';
  const out = text(health({ output_tail: tail }));
  assert.match(out, /\n {2}output \(last 20 of 46 lines kept\):\n {4}line 27\n/);
  assert.doesNotMatch(out, /line 26\n/);
  assert.match(out, / {4}\\u009b31m\\u202eevil\n$/);
  assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
});

test('the evidence, most likely first, one per line with its weight, ruled-out causes included; the root cause above it', () => {
  const out = text(
    health(null, { status: 'stale', reason: 'last heartbeat 3h ago', evidence: [NO_LOCK, LINE_GONE, CRON_DOWN, DUMP_FAILED], root_cause: DUMP_ROOT }),
  );
  assert.equal(
    out,
    '\nbackup: stale: last heartbeat 3h ago\n' +
      "  root   because dump failed 2h ago (needs job:dump): alerted as dump's incident\n" +
      `  cause  ${DUMP_FAILED.text}\n` +
      `  cause  ${CRON_DOWN.text}\n` +
      `  clue   ${LINE_GONE.text}\n` +
      `  clear  ${NO_LOCK.text}\n` +
      '  no run recorded yet\n',
  );
});

test('an evidence text from outside is shown, never obeyed', () => {
  const out = text(health(null, { status: 'stale', evidence: [HOSTILE] }));
  assert.match(out, /\n {2}cause {2}cron said \\u001b\[2J<b>\*boom\*<\/b> \| @ops invoice\\u202etxt\.exe\\nnext line\n/);
  assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u202e]/);
});
