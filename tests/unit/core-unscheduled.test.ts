// lib/rules/health/unscheduled.ts: which verdicts count as "no schedule", and when a run hints once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeartbeatRecord, ReadHeartbeat } from '../../lib/rules/heartbeat/record.ts';
import {
  becameUnscheduled,
  needsSchedule,
  scheduleFix,
  unscheduledHint,
  unscheduledIsProblem,
  unscheduledSummary,
  warnsUnscheduled,
} from '../../lib/rules/health/unscheduled.ts';

function beat(schedule: HeartbeatRecord['schedule']): ReadHeartbeat {
  const record: HeartbeatRecord = {
    v: 1,
    job: 'j',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: '2026-11-20T09:00:00.000Z',
    finished_at: '2026-11-20T09:00:01.000Z',
    duration_ms: 1000,
    cycle: 1,
    action: null,
    message: null,
    schedule,
    grace_s: null,
    output_tail: null,
    pid: 1,
    hb_version: '0.1.0',
  };
  return { kind: 'record', record, mtimeMs: 0 };
}

test('becameUnscheduled: a run without a schedule hints after no heartbeat or a scheduled one, never twice', () => {
  const rows: Array<[string, HeartbeatRecord['schedule'], ReadHeartbeat | null, boolean]> = [
    ['first heartbeat, no schedule', null, null, true],
    ['the one before had a schedule: it was just dropped', null, beat({ every: '15m' }), true],
    ['the one before had none either: said already', null, beat(null), false],
    ['the one before was a touched file: nothing to compare, not said', null, { kind: 'touch', mtimeMs: 0 }, false],
    ['the one before was corrupt: not said', null, { kind: 'corrupt', reason: 'x', mtimeMs: 0 }, false],
    ['a schedule from flags or the config', { every: '15m' }, null, false],
    ['a cron schedule', { cron: '0 2 * * *', tz: 'UTC' }, beat(null), false],
  ];
  for (const [name, schedule, previous, want] of rows) assert.equal(becameUnscheduled('j', schedule, previous), want, name);
  assert.equal(becameUnscheduled('hb-check', null, null), false, 'the meta-heartbeat never needs one');
  assert.equal(becameUnscheduled('hb-report', null, null), false, 'nor the entry that routes the report');
});

test('warnsUnscheduled and unscheduledIsProblem: hb-check and hb-report aside, a warning unless the config says problem', () => {
  assert.equal(warnsUnscheduled('nightly', { status: 'unscheduled', problem: false }), true);
  assert.equal(warnsUnscheduled('nightly', { status: 'unscheduled', problem: true }), false, 'a problem is counted as one');
  assert.equal(warnsUnscheduled('nightly', { status: 'late', problem: false }), false);
  assert.deepEqual(
    [undefined, 'warn', 'problem'].map((s) => unscheduledIsProblem('nightly', s as 'warn' | 'problem' | undefined)),
    [false, false, true],
  );
  for (const own of ['hb-check', 'hb-report']) {
    assert.equal(needsSchedule(own), false, own);
    assert.equal(warnsUnscheduled(own, { status: 'unscheduled', problem: false }), false, own);
    assert.equal(unscheduledIsProblem(own, 'problem'), false, own);
  }
  assert.equal(needsSchedule('hb-checks'), true, 'only the exact names');
});

test('the words: one summary clause, one fix, one hint line naming the job and what to do', () => {
  assert.equal(unscheduledSummary(1), '1 job has no schedule: hb cannot tell when it is late');
  assert.equal(unscheduledSummary(2), '2 jobs have no schedule: hb cannot tell when they are late');
  const hint = unscheduledHint('nightly');
  assert.doesNotMatch(hint, /\n/);
  assert.match(hint, /^hb: hint: job nightly has no schedule/);
  assert.ok(hint.includes(scheduleFix('nightly')));
  for (const what of ['--every 15m', "--cron '30 2 * * *'", 'jobs.nightly']) assert.ok(hint.includes(what), what);
});
