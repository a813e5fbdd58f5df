// The incident state machine, as a table over sequences of checks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUIET, step, type AlertPolicy, type JobAlertState } from '../../lib/rules/alerts/incident.ts';
import type { JobStatus } from '../../lib/rules/health/types.ts';
import { PROBLEM_STATUSES } from '../../lib/rules/health/types.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;

/** Runs statuses one check a minute apart; returns the notification types per check. */
function run(statuses: JobStatus[], policy: Partial<AlertPolicy> = {}): { sent: string[]; state: JobAlertState } {
  let state = QUIET;
  let n = 0;
  const sent: string[] = [];
  statuses.forEach((status, i) => {
    const r = step(state, { status, problem: PROBLEM_STATUSES.has(status) }, { remindMs: null, ...policy }, T0 + i * MIN, () => `inc-${++n}`);
    state = r.state;
    sent.push(r.drafts.map((d) => `${d.type}:${d.incident.id}:${d.status}`).join(',') || '-');
  });
  return { sent, state };
}

test('quiet by default: one alert when a problem starts, one resolve when it ends, nothing in between', () => {
  assert.deepEqual(run(['ok', 'ok', 'stale', 'stale', 'stale', 'ok', 'ok']).sent, ['-', '-', 'alert:inc-1:stale', '-', '-', 'resolve:inc-1:ok', '-']);
});

test('a second incident gets a new id; a change of problem keeps the incident', () => {
  assert.deepEqual(run(['failed', 'stale', 'crashed', 'ok', 'failed', 'ok']).sent, [
    'alert:inc-1:failed',
    '-',
    '-',
    'resolve:inc-1:ok',
    'alert:inc-2:failed',
    'resolve:inc-2:ok',
  ]);
});

test('the machine counts no checks: a problem opens at once, and a tolerated failure (problem false) opens nothing and resolves nothing', () => {
  assert.deepEqual(run(['stale', 'stale', 'ok', 'stale']).sent, ['alert:inc-1:stale', '-', 'resolve:inc-1:ok', 'alert:inc-2:stale']);
  let state = QUIET;
  const sent: string[] = [];
  for (const [status, problem] of [
    ['failed', false],
    ['failed', false],
    ['failed', true],
    ['ok', false],
  ] as const) {
    const r = step(state, { status, problem }, { remindMs: null }, T0, () => 'inc-1');
    state = r.state;
    sent.push(r.drafts.map((d) => d.type).join(',') || '-');
  }
  assert.deepEqual(sent, ['-', '-', 'alert', 'resolve']);
});

test('reminders every remind interval while open, counted on the incident', () => {
  const { sent, state } = run(['stale', 'stale', 'stale', 'stale', 'stale', 'stale'], { remindMs: 2 * MIN });
  assert.deepEqual(sent, ['alert:inc-1:stale', '-', 'remind:inc-1:stale', '-', 'remind:inc-1:stale', '-']);
  assert.equal(state.incident!.reminders, 2);
});

test('running and paused hold: they neither open nor resolve', () => {
  assert.deepEqual(run(['stale', 'running', 'paused', 'stale', 'ok']).sent, ['alert:inc-1:stale', '-', '-', '-', 'resolve:inc-1:ok']);
  assert.deepEqual(run(['running', 'paused', 'running']).sent, ['-', '-', '-']);
});

test('late and unscheduled are healthy: they resolve', () => {
  assert.deepEqual(run(['never', 'late']).sent, ['alert:inc-1:never', 'resolve:inc-1:late']);
  assert.deepEqual(run(['corrupt', 'unscheduled']).sent, ['alert:inc-1:corrupt', 'resolve:inc-1:unscheduled']);
});

test('every problem status opens an incident', () => {
  for (const status of PROBLEM_STATUSES) assert.deepEqual(run([status]).sent, [`alert:inc-1:${status}`], status);
});
