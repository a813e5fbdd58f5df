// `tolerate: {failed_runs: N}` through the check pipeline, in-process: failures are counted over the
// job's own runs (the heartbeat's failed_streak), never over checks, and never delay a missed run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { MIN, SEC, T, config, fakeEffects, runCheck, stateDir, tick, webhook } from './check-harness.ts';

const types = (requests: Recorded[]) => requests.map((r) => (r.body as { type: string }).type);

/** Writes the heartbeat of a run at `ms` as hb wrap would: failed ones carry their count in a row. */
function ran(dir: string, ms: number, failedStreak: number): void {
  const failed = failedStreak > 0;
  tick(dir, 'j', ms, failed ? 'error' : 'ok', '1m', {
    exit_code: failed ? 3 : 0,
    outcome: failed ? 'failed' : 'ok',
    reason: null,
    failed_streak: failedStreak,
  });
}

test('failed_runs 2: the first failed run alerts nobody however often hb check runs, the second alerts once, a success in between restarts the count', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n    tolerate: {failed_runs: 2}\n`);
  // Each step: a run (its failed_streak; null: none), then a check a few seconds later, and what it sends.
  const steps: Array<[number | null, string[], number]> = [
    [1, [], 0],
    [null, [], 0],
    [null, [], 0],
    [2, ['alert'], 1],
    [3, [], 1],
    [0, ['resolve'], 0],
    [1, [], 0],
    [0, [], 0],
    [1, [], 0],
    [2, ['alert'], 1],
  ];
  let at = T;
  for (const [i, [streak, expected, code]] of steps.entries()) {
    if (streak !== null) {
      at += MIN;
      ran(dir, at, streak);
    }
    const before = rec.requests.length;
    const checked = await runCheck(dir, cfg, fakeEffects(at + 5 * SEC + i));
    assert.deepEqual(types(rec.requests.slice(before)), expected, `step ${i}: run with failed_streak ${streak}`);
    assert.equal(checked.code, code, `step ${i}: exit code`);
  }
});

test('a tolerated failure never delays a missed run: past the next deadline the job is stale and alerts', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n    grace: 30s\n    tolerate: {failed_runs: 5}\n`);
  ran(dir, T, 1);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 10 * SEC))).code, 0);
  assert.deepEqual(types(rec.requests), []);
  const missed = await runCheck(dir, cfg, fakeEffects(T + 91 * SEC));
  assert.equal(missed.code, 1);
  assert.equal(missed.evaluation.kept.find((h) => h.job === 'j')?.status, 'stale');
  assert.deepEqual(types(rec.requests), ['alert']);
});

test('an alert state written when checks were counted is read: its open incident stays open, a bare count is dropped', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n  k:\n    every: 1m\n`);
  ran(dir, T, 1);
  const incident = { id: 'inc-old', opened_at: new Date(T).toISOString(), status: 'failed', reminders: 0, last_sent_at: new Date(T).toISOString() };
  mkdirSync(join(dir, 'alerts'), { recursive: true });
  writeFileSync(
    join(dir, 'alerts', 'state.json'),
    JSON.stringify({ v: 1, jobs: { j: { streak: 4, incident }, k: { streak: 2, incident: null } }, journal: [] }),
  );
  await runCheck(dir, cfg, fakeEffects(T + 10 * SEC), { jobs: ['j'] });
  assert.deepEqual(types(rec.requests), [], 'the incident was already open: no second alert');
  ran(dir, T + MIN, 0);
  await runCheck(dir, cfg, fakeEffects(T + MIN + 10 * SEC), { jobs: ['j'] });
  assert.deepEqual(types(rec.requests), ['resolve']);
  assert.equal((rec.requests[0]!.body as { incident: { id: string } }).incident.id, 'inc-old');
  const state = JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8'));
  assert.deepEqual(state.jobs, {}, 'nothing open is remembered, and no count of checks');
});

test('tolerance never delays a job that never ran: it is never and alerts as soon as it would without tolerate', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n    tolerate: {failed_runs: 1000}\n`);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T))).code, 0, 'first seen now');
  const missed = await runCheck(dir, cfg, fakeEffects(T + 3 * MIN));
  assert.equal(missed.evaluation.kept.find((h) => h.job === 'j')?.status, 'never');
  assert.equal(missed.code, 1);
  assert.deepEqual(types(rec.requests), ['alert']);
});
