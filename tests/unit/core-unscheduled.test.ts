// lib/health/unscheduled.ts: which verdicts count as "no schedule", and the words for them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsSchedule, unscheduledIsProblem, unscheduledSummary, warnsUnscheduled } from '../../lib/health/unscheduled.ts';

test('warnsUnscheduled and unscheduledIsProblem: hb-check and hb-report aside, a warning unless the config says problem', () => {
  assert.equal(warnsUnscheduled('nightly', { status: 'unscheduled', problem: false }), true);
  assert.equal(warnsUnscheduled('nightly', { status: 'unscheduled', problem: true }), false, 'a problem is counted as one');
  assert.equal(warnsUnscheduled('nightly', { status: 'late', problem: false }), false);
  assert.deepEqual([undefined, 'warn', 'problem'].map((s) => unscheduledIsProblem('nightly', s as 'warn' | 'problem' | undefined)), [false, false, true]);
  for (const own of ['hb-check', 'hb-report']) {
    assert.equal(needsSchedule(own), false, own);
    assert.equal(warnsUnscheduled(own, { status: 'unscheduled', problem: false }), false, own);
    assert.equal(unscheduledIsProblem(own, 'problem'), false, own);
  }
  assert.equal(needsSchedule('hb-checks'), true, 'only the exact names');
});

test('the summary clause, in the singular and the plural', () => {
  assert.equal(unscheduledSummary(1), '1 job has no schedule: hb cannot tell when it is late');
  assert.equal(unscheduledSummary(2), '2 jobs have no schedule: hb cannot tell when they are late');
});
