// The check pipeline's alerting rules, in-process: an incident opens once and resolves once,
// tolerance never delays a missed run, reminders count time, a partial check keeps the other jobs' incidents, a dry
// run and --no-notify change nothing, and a check that finds the lock taken only reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { MIN, SEC, T, config, events, fakeEffects, outbox, runCheck, stateDir, tick, webhook } from './check-harness.ts';

/** A pid no process has. */
const DEAD = 999_999_999;
const bodies = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>);
const sent = (requests: Recorded[]) => bodies(requests).map((b) => `${b.type} ${b.job}`);

/** Every file under `dir`, recursively, with its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

test('an incident opens with one alert when the job goes stale, stays quiet while stale, and resolves once', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);

  const late = await runCheck(dir, cfg, fakeEffects(T + 90 * SEC));
  assert.equal(late.code, 0);
  assert.equal(rec.requests.length, 0, 'late is not a problem: nothing sent');

  const stale = await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC));
  assert.equal(stale.code, 1);
  assert.deepEqual(stale.finished.warnings, []);
  const [alert] = bodies(rec.requests);
  assert.equal(rec.requests.length, 1);
  assert.equal(rec.requests[0]!.path, '/hook');
  assert.deepEqual(
    [alert!.type, alert!.job, alert!.status, alert!.problem, alert!.title, alert!.host],
    ['alert', 'j', 'stale', true, '[hb] j stale', 'testhost'],
  );
  assert.match(alert!.message, /deadline passed/);
  assert.deepEqual([alert!.incident.status, alert!.incident.reminders], ['stale', 0]);

  for (const ms of [T + 3 * MIN, T + 4 * MIN]) assert.equal((await runCheck(dir, cfg, fakeEffects(ms))).code, 1);
  assert.equal(rec.requests.length, 1, 'still stale: quiet');

  tick(dir, 'j', T + 4 * MIN + 10 * SEC);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 4 * MIN + 20 * SEC))).code, 0);
  const resolve = bodies(rec.requests)[1]!;
  assert.deepEqual([resolve.type, resolve.job, resolve.title], ['resolve', 'j', '[hb] j recovered']);
  assert.equal(resolve.incident.id, alert!.incident.id);
  assert.notEqual(resolve.id, alert!.id);

  await runCheck(dir, cfg, fakeEffects(T + 4 * MIN + 30 * SEC));
  assert.equal(rec.requests.length, 2, 'healthy again: quiet');
  assert.equal(events(dir, 'alert_opened').length, 1);
  assert.equal(events(dir, 'alert_resolved').length, 1);
  assert.equal(events(dir, 'notify_failed').length, 0);
  assert.deepEqual(outbox(dir), []);
  const state = JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8'));
  assert.deepEqual(state.jobs, {}, 'nothing left to remember once resolved');
});

test('tolerance never delays a missed run: tolerate and alert_after alert on the first stale check; remind 10m reminds once after ten minutes', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  // Each check: seconds after the tick, what it sends, and the reminders the open incident then counts.
  const cases = [
    {
      name: 'tolerate: {failed_runs: 3}',
      extra: '    tolerate: {failed_runs: 3}\n',
      checks: [
        [125, ['alert'], 0],
        [140, [], 0],
        [155, [], 0],
      ],
      logged: { alert_opened: 1 },
    },
    {
      name: 'alert_after: 3',
      extra: '    alert_after: 3\n',
      checks: [
        [125, ['alert'], 0],
        [140, [], 0],
      ],
      logged: { alert_opened: 1 },
    },
    {
      name: 'remind: 10m',
      extra: '    remind: 10m\n',
      checks: [
        [125, ['alert'], 0],
        [180, [], 0],
        [420, [], 0],
        [720, [], 0],
        [730, ['remind'], 1],
        [900, [], 1],
      ],
      logged: { alert_opened: 1, alert_reminded: 1 },
    },
  ] as const;
  for (const c of cases) {
    const dir = stateDir(t);
    const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n${c.extra}`);
    tick(dir, 'j', T);
    for (const [offset, expected, reminders] of c.checks) {
      const before = rec.requests.length;
      assert.equal((await runCheck(dir, cfg, fakeEffects(T + offset * SEC))).code, 1);
      assert.deepEqual(
        bodies(rec.requests.slice(before)).map((b) => b.type),
        expected,
        `${c.name}: the check at +${offset}s`,
      );
      assert.equal(
        JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8')).jobs.j.incident.reminders,
        reminders,
        `${c.name}: the reminders at +${offset}s`,
      );
    }
    for (const [type, n] of Object.entries(c.logged)) assert.equal(events(dir, type).length, n, `${c.name}: ${type} events`);
  }
  const [alert, remind] = bodies(rec.requests).slice(-2);
  assert.deepEqual([remind!.title, remind!.incident.id, remind!.incident.reminders], ['[hb] j still stale', alert!.incident.id, 1]);
});

test("a check of some jobs acts on those only and keeps the other jobs' incidents; a full check closes the incident of a job it no longer sees", async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}`);
  tick(dir, 'a', T);
  tick(dir, 'b', T);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 3 * MIN), { jobs: ['a'] })).code, 1);
  assert.deepEqual(sent(rec.requests), ['alert a'], 'b was not checked');
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 3 * MIN + 10 * SEC))).code, 1);
  assert.deepEqual(sent(rec.requests), ['alert a', 'alert b']);
  tick(dir, 'a', T + 3 * MIN + 20 * SEC);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 3 * MIN + 30 * SEC), { jobs: ['a'] })).code, 0);
  assert.deepEqual(sent(rec.requests), ['alert a', 'alert b', 'resolve a']);
  assert.equal((await runCheck(dir, cfg, fakeEffects(T + 3 * MIN + 40 * SEC))).code, 1);
  assert.deepEqual(sent(rec.requests), ['alert a', 'alert b', 'resolve a'], "b's incident was kept: no second alert");
  const state = JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8'));
  assert.deepEqual(Object.keys(state.jobs), ['b']);
  assert.equal(state.jobs.b.incident.id, bodies(rec.requests)[1]!.incident.id);

  // b's heartbeat goes away: a full check no longer sees it and closes its incident.
  unlinkSync(join(dir, 'b.last'));
  await runCheck(dir, cfg, fakeEffects(T + 4 * MIN));
  assert.deepEqual(sent(rec.requests), ['alert a', 'alert b', 'resolve a', 'resolve b']);
  assert.deepEqual(
    events(dir, 'alert_resolved')
      .filter((e) => e.job === 'b')
      .map((e) => e.reason),
    ['no longer watched'],
  );
});

test('a dry run plans and changes nothing; with notify off nothing is queued or sent', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  const before = snapshot(dir);
  const dry = await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 5 * SEC), { dryRun: true });
  assert.deepEqual(dry.finished.planned, ['would send alert for j (stale) to notify[0] (webhook)']);
  assert.equal(rec.requests.length, 0);
  assert.deepEqual(snapshot(dir), before, 'a dry run leaves no state');

  const quiet = await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 10 * SEC), { notify: false });
  assert.deepEqual(quiet.finished.planned, []);
  assert.equal(rec.requests.length, 0);
  assert.ok(!existsSync(join(dir, 'outbox')), 'no outbox');
  assert.ok(!existsSync(join(dir, 'alerts', 'state.json')), 'no alert state');

  await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 15 * SEC));
  assert.deepEqual(sent(rec.requests), ['alert j'], 'the real check still alerts');
});

test('a check that finds the check lock held by a live process only reports: no alert, no alert state; the lock is left to its holder', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  const lock = join(dir, 'locks', 'hb-check.lock');
  mkdirSync(join(dir, 'locks'));
  // This test process is alive (and started before now): its lock is held.
  const held =
    JSON.stringify({ pid: process.pid, started_at: new Date().toISOString(), pid_started_ms: null, boot_id: null, host: 'testhost', token: 'held' }) + '\n';
  writeFileSync(lock, held);
  const fx = fakeEffects(T + 2 * MIN + 5 * SEC, { pid: DEAD });
  const blocked = await runCheck(dir, cfg, fx);
  assert.equal(blocked.code, 1, 'it still judges and reports');
  assert.equal(blocked.evaluation.actor, null);
  assert.deepEqual([blocked.finished.warnings, blocked.finished.planned, fx.warnings], [[], [], []], 'a check that does not act says nothing about it');
  assert.equal(rec.requests.length, 0);
  assert.ok(!existsSync(join(dir, 'alerts', 'state.json')));
  assert.deepEqual(outbox(dir), []);
  assert.equal(readFileSync(lock, 'utf8'), held, 'the holder keeps its lock');
  assert.ok(existsSync(join(dir, 'hb-check.last')), 'the check records its own heartbeat');
});

test('a lock whose holder died is taken over and released; a delivery a dead check claimed goes back to the outbox and is delivered', async (t) => {
  const rec = await startRecorder({ 'POST /hook': [{ status: 503 }, { status: 200 }] });
  t.after(() => rec.close());
  const dir = stateDir(t);
  const cfg = await config(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  tick(dir, 'j', T);
  const lock = join(dir, 'locks', 'hb-check.lock');
  mkdirSync(join(dir, 'locks'));
  // A killed check's lock: its pid is gone.
  writeFileSync(
    lock,
    JSON.stringify({ pid: DEAD, started_at: new Date().toISOString(), pid_started_ms: null, boot_id: null, host: 'testhost', token: 'dead' }) + '\n',
  );
  await runCheck(dir, cfg, fakeEffects(T + 2 * MIN + 10 * SEC));
  assert.equal(rec.requests.length, 1, 'it acted: the 503');
  assert.ok(!existsSync(lock), 'released');
  const [item] = outbox(dir);
  assert.ok(item, 'kept for a retry');

  // The next check to deliver it was killed holding the claim.
  renameSync(join(dir, 'outbox', item.name), join(dir, 'outbox', `${item.name}.claimed-${DEAD}`));
  await runCheck(dir, cfg, fakeEffects(T + 4 * MIN + 10 * SEC));
  assert.deepEqual(
    bodies(rec.requests).map((b) => [b.type, b.id]),
    [
      ['alert', item.notification.id],
      ['alert', item.notification.id],
    ],
  );
  assert.deepEqual(outbox(dir), []);
});
