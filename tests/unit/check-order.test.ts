// The check pipeline's crash-safety order, in-process: notifications reach the outbox before the
// alert state is written, and a check that dies at any step — an injected effect that throws, or
// a state file that cannot be written — leaves files from which the next check alerts exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { MIN, SEC, T, config, events, fakeEffects, outbox, runCheck, stateDir, tick, webhook, type FakeEffects } from './check-harness.ts';

const alerts = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>).filter((b) => b.type === 'alert');
/** A pid no process has: the check that claimed it is dead. */
const DEAD = 999_999_999;

/** `fx` whose `k`-th effect call (counting from 1, any effect) throws; `calls` names each call made. */
function failingAt(fx: FakeEffects, k: number): { fx: FakeEffects; calls: string[] } {
  const calls: string[] = [];
  const out: Record<string, unknown> = { ...fx };
  for (const [key, value] of Object.entries(fx)) {
    if (typeof value !== 'function') continue;
    out[key] = (...args: unknown[]) => {
      calls.push(key);
      if (calls.length === k) throw new Error(`injected failure at ${key} (effect call ${k})`);
      return (value as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { fx: out as unknown as FakeEffects, calls };
}

test('the alert is in the outbox before the alert state is written: a check that cannot write its state dies with it queued, and the next check sends it once', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  // A directory where alerts/state.json goes: the state write fails after whatever came before it.
  const state = join(dir, 'alerts', 'state.json');
  mkdirSync(state, { recursive: true });
  await assert.rejects(runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC, { pid: DEAD })));
  const queued = outbox(dir);
  assert.deepEqual(
    queued.map((i) => [i.notification.type, i.notification.job]),
    [['alert', 'j']],
    'queued before the state',
  );
  assert.ok(statSync(state).isDirectory(), 'no state written');
  assert.equal(rec.requests.length, 0, 'nothing delivered before the state');

  rmdirSync(state);
  await runCheck(dir, cfg, fakeEffects(T + 3 * MIN));
  await runCheck(dir, cfg, fakeEffects(T + 4 * MIN));
  assert.deepEqual(
    alerts(rec.requests).map((b) => b.id),
    [queued[0]!.notification.id],
    'the queued alert, once',
  );
  assert.equal(events(dir, 'alert_opened').length, 1);
  const written = JSON.parse(readFileSync(state, 'utf8'));
  assert.equal(written.jobs.j.incident.id, alerts(rec.requests)[0]!.incident.id, 'the state took over the queued incident');
  assert.deepEqual(outbox(dir), []);
});

test('a check that dies at any effect call alerts exactly once with the next check: not zero times, not twice', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  const first = T + 2 * MIN + 5 * SEC;

  // A clean check, counted: every effect call it makes is a step a failing one can die at.
  const counted = failingAt(fakeEffects(first, { pid: DEAD }), 0);
  const clean = stateDir(t);
  tick(clean, 'j', T);
  await runCheck(clean, cfg, counted.fx);
  const steps = counted.calls;
  // The clock when judging, locking and alerting start, an incident id, the own heartbeat, delivery.
  assert.deepEqual(steps, ['now', 'now', 'now', 'newId', 'now', 'now']);

  for (let k = 1; k <= steps.length; k++) {
    const dir = stateDir(t);
    tick(dir, 'j', T);
    const from = rec.requests.length;
    const dying = failingAt(fakeEffects(first, { pid: DEAD }), k);
    const died = await runCheck(dir, cfg, dying.fx).then(
      () => null,
      (e: Error) => e.message,
    );
    // Whatever step it died at, the dying check let go of the check lock on its way out.
    assert.ok(!existsSync(join(dir, 'locks', 'hb-check.lock')), `the check lock released by a check that died at ${died ?? 'survived'}`);
    for (const ms of [T + 3 * MIN, T + 4 * MIN]) await runCheck(dir, cfg, fakeEffects(ms));
    const sent = alerts(rec.requests.slice(from));
    const at = `${died ?? 'survived'} (calls: ${dying.calls.join(', ')})`;
    assert.equal(sent.length, 1, `one alert sent after a check that died at ${at}`);
    assert.equal(new Set(sent.map((b) => b.incident.id)).size, 1, at);
    assert.equal(events(dir, 'alert_opened').length, 1, `one alert_opened logged: ${at}`);
    assert.deepEqual(outbox(dir), [], at);
    // The healthy checks release theirs.
    assert.ok(!existsSync(join(dir, 'locks', 'hb-check.lock')), at);
  }
});
