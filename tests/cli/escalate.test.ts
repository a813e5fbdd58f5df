// Escalation and the early warning end to end through the built CLI, against two real webhook
// servers on 127.0.0.1 (the first line and the escalation) with time moved by faketime: the
// alert goes to the first line only, one escalation after its step's time, nothing more while it
// stays open, the resolve to both; a late notice only to the sink that asks, once per due time;
// and an escalation queued by a check that could not write its state is sent once, not twice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, readEventsFile, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder, type Recorded, type Recorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
/** faketime's prefix for an instant (the sandbox's TZ is UTC). */
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];
const hook = (url: string, extra = '') => `{url: ${url}/hook, timeout: 1s, retries: 0${extra}}`;
const bodies = (rec: Recorder) => rec.requests.map((r: Recorded) => r.body as Record<string, any>);
const types = (rec: Recorder) => bodies(rec).map((b) => `${b.type} ${b.job}`);

/** A sandbox whose hb.yaml is `yaml`. */
function configured(yaml: string): Sandbox {
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, yaml);
  s.env.HB_CONFIG = config;
  return s;
}

async function checkAt(s: Sandbox, ms: number, expected: number): Promise<Run> {
  const r = await hbRun(['check'], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, expected, `hb check at +${(ms - T) / MIN}m: stdout ${r.stdout} stderr ${r.stderr}`);
  assert.equal(r.stderr, '', `hb check at +${(ms - T) / MIN}m`);
  return r;
}

function tickAt(s: Sandbox, job: string, ms: number): void {
  const r = hb(['tick', job], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, 0, r.stderr);
}

const outbox = (s: Sandbox) => (existsSync(join(s.state, 'outbox')) ? readdirSync(join(s.state, 'outbox')).filter((n) => n.includes('.json')) : []);

test('a stale job alerts the first line; 30 minutes on, one escalation reaches the second server; then nothing until the resolve reaches both', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const first = await startRecorder();
  const second = await startRecorder();
  const s = configured(
    `notify:\n  - webhook: ${hook(first.url)}\nescalate:\n  - after: 30m\n    notify:\n      - webhook: ${hook(second.url)}\njobs:\n  backup:\n    every: 10m\n    grace: 5m\n`,
  );
  try {
    tickAt(s, 'backup', T);
    await checkAt(s, T + 16 * MIN, 1);
    assert.deepEqual(types(first), ['alert backup']);
    assert.deepEqual(types(second), [], 'the escalation server hears nothing of the alert');

    await checkAt(s, T + 30 * MIN, 1);
    assert.equal(second.requests.length, 0, 'open for 14 minutes: not yet');
    // A minute to spare past the 30: each faketime'd process starts its clock a few ms after the instant given.
    await checkAt(s, T + 47 * MIN, 1);
    assert.deepEqual(types(second), ['escalate backup']);
    assert.deepEqual(types(first), ['alert backup'], 'the first line is not told again');
    const escalation = bodies(second)[0]!;
    const alert = bodies(first)[0]!;
    assert.match(escalation.title, /^\[hb\] backup stale for (31m|30m59s): escalated$/);
    assert.deepEqual(escalation.escalation, { step: 1, after_s: 1800 });
    assert.equal(escalation.incident.id, alert.incident.id);
    assert.equal(escalation.incident.escalated, 1);
    assert.equal(escalation.status, 'stale');
    assert.match(escalation.message, /deadline passed/);

    for (const ms of [T + 50 * MIN, T + 80 * MIN, T + 200 * MIN]) await checkAt(s, ms, 1);
    assert.equal(second.requests.length, 1, 'one step: one escalation');
    assert.equal(first.requests.length, 1);

    tickAt(s, 'backup', T + 201 * MIN);
    await checkAt(s, T + 202 * MIN, 0);
    assert.deepEqual(types(first), ['alert backup', 'resolve backup']);
    assert.deepEqual(types(second), ['escalate backup', 'resolve backup'], 'the escalated sink hears the recovery too');
    assert.equal(bodies(second)[1]!.incident.id, alert.incident.id);

    const escalated = readEventsFile(s.state).filter((e) => e.type === 'alert_escalated');
    assert.deepEqual(
      escalated.map((e) => [e.job, e.incident, e.status, e.step]),
      [['backup', alert.incident.id, 'stale', 1]],
    );
    const log = hb(['log', 'backup'], { env: s.env });
    assert.match(log.stdout, /escalated \(step 1\): still stale — /);
    assert.deepEqual(outbox(s), []);
  } finally {
    await first.close();
    await second.close();
    s.cleanup();
  }
});

test('a late notice reaches only the sink whose on: lists late, once per due time; a paused job gets none', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const first = await startRecorder();
  const early = await startRecorder();
  const s = configured(
    `notify:\n  - webhook: ${hook(first.url)}\n  - webhook: ${hook(early.url, ', on: [late]')}\njobs:\n  backup:\n    every: 10m\n    grace: 20m\n  quiet:\n    every: 10m\n    grace: 20m\n`,
  );
  try {
    tickAt(s, 'backup', T);
    tickAt(s, 'quiet', T);
    assert.equal(hb(['pause', 'quiet'], { env: s.env, prefix: at(T + MIN) }).code, 0);
    await checkAt(s, T + 5 * MIN, 0);
    assert.equal(early.requests.length, 0, 'not due yet');

    await checkAt(s, T + 11 * MIN, 0);
    assert.deepEqual(types(early), ['late backup'], 'the paused job is not warned about');
    assert.deepEqual(types(first), [], 'no sink gets late unless it asks');
    const notice = bodies(early)[0]!;
    assert.equal(notice.title, '[hb] backup late');
    assert.equal(notice.message, 'backup is late: due 09:10 UTC, stale at 09:30 UTC unless it runs');
    // The heartbeat's own milliseconds (faketime's clock runs on from the instant given) carry into the due time.
    assert.match(notice.late.due, /^2026-11-20T09:10:00\.\d{3}Z$/);
    assert.match(notice.late.stale_at, /^2026-11-20T09:30:00\.\d{3}Z$/);
    assert.equal(notice.incident, null);
    assert.equal(notice.problem, false);

    for (const ms of [T + 12 * MIN, T + 20 * MIN]) await checkAt(s, ms, 0);
    assert.equal(early.requests.length, 1, 'once per due time');

    // It runs late; its next due time passes too: a new notice.
    tickAt(s, 'backup', T + 21 * MIN);
    await checkAt(s, T + 25 * MIN, 0);
    await checkAt(s, T + 32 * MIN, 0);
    assert.deepEqual(types(early), ['late backup', 'late backup']);
    assert.match(bodies(early)[1]!.late.due, /^2026-11-20T09:31:00\.\d{3}Z$/);

    // Stale is an alert for the first line; the late-only sink is not asked about it.
    await checkAt(s, T + 52 * MIN, 1);
    assert.deepEqual(types(first), ['alert backup']);
    assert.equal(early.requests.length, 2);
  } finally {
    await first.close();
    await early.close();
    s.cleanup();
  }
});

test('an escalation queued by a check that could not write its alert state is sent by the next check once, and not decided again', async (t) => {
  if (!requireTool(t, 'faketime') || !requireTool(t, 'chattr')) return;
  const first = await startRecorder();
  const second = await startRecorder();
  const s = configured(
    `notify:\n  - webhook: ${hook(first.url)}\nescalate:\n  - after: 30m\n    notify:\n      - webhook: ${hook(second.url)}\njobs:\n  backup:\n    every: 10m\n    grace: 5m\n`,
  );
  const alerts = join(s.state, 'alerts');
  try {
    tickAt(s, 'backup', T);
    await checkAt(s, T + 16 * MIN, 1);
    // The alert state cannot be replaced (as on a full disk): the check queues, then dies on the state.
    execFileSync('chattr', ['+i', alerts]);
    const dead = await hbRun(['check'], { env: s.env, prefix: at(T + 50 * MIN) });
    execFileSync('chattr', ['-i', alerts]);
    assert.notEqual(dead.code, 0, 'the check fails on its state');
    assert.match(dead.stderr, /alerts/);
    assert.equal(second.requests.length, 0, 'nothing delivered before the state');
    assert.equal(outbox(s).length, 1, 'the escalation is queued');

    await checkAt(s, T + 51 * MIN, 1);
    await checkAt(s, T + 52 * MIN, 1);
    assert.deepEqual(types(second), ['escalate backup'], 'sent once, under the dead check’s decision');
    assert.equal(first.requests.length, 1, 'the first line heard the alert only');
    assert.equal(readEventsFile(s.state).filter((e) => e.type === 'alert_escalated').length, 1);
    assert.deepEqual(outbox(s), []);
  } finally {
    if (existsSync(alerts)) execFileSync('chattr', ['-i', alerts]);
    await first.close();
    await second.close();
    s.cleanup();
  }
});
