// Folding through the check pipeline, in-process: a check that dies after queueing its root's
// resolve leaves files from which the next check sends it once and alerts no dependant, and a
// check of some jobs leaves a fold it cannot judge as it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { MIN, SEC, T, config, fakeEffects, outbox, runCheck, stateDir, tick, webhook } from './check-harness.ts';

const sent = (requests: Recorded[]) => requests.map((r) => r.body as { type: string; job: string }).map((b) => `${b.type} ${b.job}`);
const stateOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8')) as { jobs: Record<string, unknown> };
const yaml = (url: string, every: string) => `notify:\n${webhook(url)}jobs:\n  db: {every: ${every}}\n  backup: {every: ${every}, needs: [job:db]}\n`;

test("a check that dies with the root's resolve queued: the next sends it once, and the dependant is released, not alerted", async (t) => {
  // The resolve's first delivery fails, so it is still queued when the check's state is put back
  // as it was: the files a check leaves when it dies between its outbox and its state.
  const rec = await startRecorder({ 'POST /hook': [{ status: 200 }, { status: 503 }, { status: 200 }] });
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(yaml(rec.url, '5m'));
  tick(dir, 'db', T, 'ok', '5m');
  tick(dir, 'backup', T, 'ok', '5m');
  tick(dir, 'db', T + 5 * MIN, 'error', '5m');
  await runCheck(dir, cfg, fakeEffects(T + 5 * MIN + 5 * SEC));
  await runCheck(dir, cfg, fakeEffects(T + 10 * MIN + 30 * SEC));
  assert.deepEqual(sent(rec.requests), ['alert db']);
  assert.deepEqual(stateOf(dir).jobs.backup, { incident: null, folded_into: 'db' });

  tick(dir, 'db', T + 11 * MIN, 'ok', '5m');
  const state = join(dir, 'alerts', 'state.json');
  const before = readFileSync(state, 'utf8');
  await runCheck(dir, cfg, fakeEffects(T + 11 * MIN + 5 * SEC));
  writeFileSync(state, before);
  assert.deepEqual(
    outbox(dir).map((i) => `${i.notification.type} ${i.notification.job}`),
    ['resolve db'],
  );

  // Past the retry's backoff: the queued resolve goes out, no second one is decided, backup is released.
  const next = T + 12 * MIN + 10 * SEC;
  await runCheck(dir, cfg, fakeEffects(next));
  const bodies = rec.requests.map((r) => r.body as { id: string; message: string });
  assert.deepEqual(sent(rec.requests), ['alert db', 'resolve db', 'resolve db'], 'the failed attempt, then the queued resolve again');
  assert.equal(bodies[1]!.id, bodies[2]!.id, 'one resolve, sent twice because the first attempt failed');
  assert.match(bodies[2]!.message, /; also back: backup$/);
  assert.deepEqual(stateOf(dir).jobs.backup, {
    incident: null,
    held: { since: new Date(next).toISOString(), until: new Date(next + 10 * MIN).toISOString() },
  });
  tick(dir, 'db', next + 5 * MIN, 'ok', '5m');
  await runCheck(dir, cfg, fakeEffects(next + 10 * MIN));
  assert.equal(rec.requests.length, 3, 'held until its next deadline after the recovery');
  await runCheck(dir, cfg, fakeEffects(next + 10 * MIN + 20 * SEC));
  assert.deepEqual(sent(rec.requests).slice(3), ['alert backup'], 'then it alerts on its own');
});

test('a check of the dependant alone keeps its fold as it was; the next full check decides', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(yaml(rec.url, '1m'));
  tick(dir, 'db', T);
  tick(dir, 'backup', T);
  tick(dir, 'db', T + MIN, 'error');
  await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC));
  assert.deepEqual(sent(rec.requests), ['alert db']);
  assert.deepEqual(stateOf(dir).jobs.backup, { incident: null, folded_into: 'db' });
  await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 10 * SEC), { jobs: ['backup'] });
  assert.deepEqual(sent(rec.requests), ['alert db'], 'db was not judged: backup stays folded');
  assert.deepEqual(stateOf(dir).jobs.backup, { incident: null, folded_into: 'db' });
});
