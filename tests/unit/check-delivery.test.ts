// Delivery inside the check pipeline, in-process: a sink that fails keeps the notification in the
// outbox, later checks retry it after the backoff under the same id, and per sink and job a
// resolve waits behind its undelivered alert.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { MIN, SEC, T, config, events, fakeEffects, outbox, runCheck, stateDir, tick, webhook } from './check-harness.ts';

const bodies = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>);

test('a 503 keeps the alert in the outbox, the one-minute backoff holds it, a later check delivers it once under the same id', async (t) => {
  const rec = await startRecorder({ 'POST /hook': [{ status: 503, body: 'down for maintenance' }, { status: 200 }] });
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  const first = await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC));
  assert.deepEqual(first.finished.warnings, [], 'a failure that will be retried is not said');
  assert.equal(rec.requests.length, 1);
  const [item, ...others] = outbox(dir) as Array<Record<string, any>>;
  assert.equal(others.length, 0);
  assert.deepEqual([item!.attempts, item!.notification.type], [1, 'alert']);
  assert.match(item!.last_error, /503/);
  assert.deepEqual(
    events(dir, 'notify_failed').map((e) => [e.will_retry, e.attempts, e.notification]),
    [[true, 1, 'alert']],
  );

  await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 35 * SEC));
  assert.equal(rec.requests.length, 1, 'not retried before the 1 min backoff');
  assert.equal(JSON.parse(readFileSync(join(dir, 'outbox', item!.name), 'utf8')).attempts, 1);

  const later = await runCheck(dir, cfg, fakeEffects(T + 4 * MIN + 5 * SEC));
  assert.deepEqual(later.finished.warnings, []);
  assert.equal(rec.requests.length, 2);
  const [sent, delivered] = bodies(rec.requests);
  assert.deepEqual([delivered!.type, delivered!.id], ['alert', sent!.id], 'the same notification, so a receiver can dedupe');
  assert.deepEqual(outbox(dir), []);
  await runCheck(dir, cfg, fakeEffects(T + 5 * MIN));
  assert.equal(rec.requests.length, 2);
  assert.equal(events(dir, 'alert_opened').length, 1);
});

test('per sink and job, a resolve waits behind its undelivered alert, then both go out in order', async (t) => {
  const rec = await startRecorder({ 'POST /hook': [{ status: 502 }, { status: 200 }] });
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC))).code, 1);
  tick(dir, 'j', T + 2 * MIN + 10 * SEC);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 20 * SEC))).code, 0);
  assert.equal(rec.requests.length, 1, 'the resolve is not sent before its alert');
  assert.deepEqual(
    outbox(dir).map((i) => i.notification.type),
    ['alert', 'resolve'],
  );
  await runCheck(dir, cfg, fakeEffects(T + 3 * MIN + 30 * SEC));
  assert.deepEqual(
    bodies(rec.requests).map((b) => b.type),
    ['alert', 'alert', 'resolve'],
  );
  assert.deepEqual(outbox(dir), []);
  assert.equal(events(dir, 'notify_failed').length, 1);
});
