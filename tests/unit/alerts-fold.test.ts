// Folding a dependant's incident into its root cause, step by step, and the alert state that
// remembers a fold or a hold across checks (old files, without either, still read).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepDependant, withReleased } from '../../lib/rules/alerts/fold.ts';
import { QUIET, type JobAlertState } from '../../lib/rules/alerts/incident.ts';
import { readAlertState, writeAlertState } from '../../lib/adapters/alerts/state.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const H = 3_600_000;
const stale = (lastMs: number | null) => ({ status: 'stale' as const, problem: true, lastMs });
const policy = { remindMs: H };
const id = () => 'inc-1';
const open: JobAlertState = {
  incident: { id: 'old', opened_at: '2026-11-20T08:00:00.000Z', status: 'stale', reminders: 0, last_sent_at: '2026-11-20T08:00:00.000Z' },
};

test('a problem job whose root is a problem opens nothing; one already alerted keeps its incident without reminders', () => {
  const folded = stepDependant(QUIET, stale(T0 - 3 * H), policy, T0, id, 'dump', () => T0 + H);
  assert.deepEqual(folded, { state: { incident: null, folded_into: 'dump' }, drafts: [], released: null });
  // Two hours after its last alert a reminder would be due: folded, none goes out.
  const kept = stepDependant(open, stale(T0 - 3 * H), policy, T0 + H, id, 'dump', () => null);
  assert.deepEqual(kept, { state: { incident: open.incident, folded_into: 'dump' }, drafts: [], released: null });
});

test('when the root recovers the job is released and held until its next deadline; a miss past it alerts, a failure after the recovery at once', () => {
  const folded: JobAlertState = { incident: null, folded_into: 'dump' };
  const released = stepDependant(folded, stale(T0 - 3 * H), policy, T0, id, null, () => T0 + 2 * H);
  assert.deepEqual(released, {
    state: { incident: null, held: { since: '2026-11-20T09:00:00.000Z', until: '2026-11-20T11:00:00.000Z' } },
    drafts: [],
    released: 'dump',
  });
  const held = released.state;
  assert.deepEqual(stepDependant(held, stale(T0 - 3 * H), policy, T0 + 2 * H, id, null, () => null).drafts, [], 'quiet up to its deadline');
  assert.deepEqual(
    stepDependant(held, stale(T0 - 3 * H), policy, T0 + 2 * H + 1, id, null, () => null).drafts.map((d) => d.type),
    ['alert'],
    'a miss past it alerts on its own',
  );
  const failedAfter = { status: 'failed' as const, problem: true, lastMs: T0 + H };
  assert.deepEqual(
    stepDependant(held, failedAfter, policy, T0 + H + 1, id, null, () => null).drafts.map((d) => d.type),
    ['alert'],
    'a run after the recovery that fails is its own',
  );
  // No schedule: nothing to wait for, it is judged at once.
  const unscheduled = stepDependant(folded, stale(null), policy, T0, id, null, () => null);
  assert.deepEqual([unscheduled.drafts.map((d) => d.type), unscheduled.released], [['alert'], 'dump']);
});

test("the root's resolve names the jobs released with it, sorted", () => {
  assert.equal(withReleased('last heartbeat 5m ago', ['upload', 'backup']), 'last heartbeat 5m ago; also back: backup, upload');
  assert.equal(withReleased('last heartbeat 5m ago', []), 'last heartbeat 5m ago');
});

test('the alert state keeps folds and holds across checks, and a file from before them still reads', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-fold-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const states = new Map<string, JobAlertState>([
    ['backup', { incident: null, folded_into: 'dump' }],
    ['upload', { incident: null, held: { since: '2026-11-20T09:00:00.000Z', until: '2026-11-20T11:00:00.000Z' } }],
    ['dump', open],
    ['quiet', QUIET],
  ]);
  writeAlertState(dir, states, new Set(), { jobs: new Map(), journal: new Set() });
  const back = readAlertState(dir);
  assert.deepEqual([...back.jobs].sort(), [...states].filter(([job]) => job !== 'quiet').sort());
  mkdirSync(join(dir, 'alerts'), { recursive: true });
  writeFileSync(
    join(dir, 'alerts', 'state.json'),
    JSON.stringify({ v: 1, jobs: { dump: { incident: open.incident, streak: 3 }, gone: { streak: 2 } }, journal: [] }),
  );
  assert.deepEqual([...readAlertState(dir).jobs], [['dump', { incident: open.incident }]]);
});
