// `hb pause`, `hb resume`, `hb forget` through the built CLI: a paused job never alerts, the end
// of a pause restarts the job's clock, a forgotten job is gone. Time moves with faketime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { hb, hbRun, readEventsFile, readJson, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder, type Recorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T09:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
/** faketime's prefix for an instant (the sandbox's TZ is UTC). */
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

/** A sandbox with job `j` (`every`) in its hb.yaml and, when given, a webhook to `rec`. */
function withJob(every: string, rec?: Recorder): Sandbox {
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  const notify = rec ? `notify:\n  - webhook: {url: ${rec.url}/hook, timeout: 1s, retries: 0}\n` : '';
  writeFileSync(config, `${notify}jobs:\n  j:\n    every: ${every}\n`);
  s.env.HB_CONFIG = config;
  return s;
}

/** Runs `hb ARGS` at an instant without blocking this process (the recorder lives here). */
const hbAt = (s: Sandbox, ms: number, args: string[]): Promise<Run> => hbRun(args, { env: s.env, prefix: at(ms) });

/** `hb check --json` at an instant: the exit code is asserted, job `j`'s verdict returned. */
async function checkJ(s: Sandbox, ms: number, expected: number): Promise<Record<string, any>> {
  const r = await hbAt(s, ms, ['check', '--json']);
  assert.equal(r.code, expected, `hb check at +${(ms - T) / MIN}m: ${r.stdout} ${r.stderr}`);
  assert.equal(r.stderr, '');
  const j = JSON.parse(r.stdout).jobs.find((x: { job: string }) => x.job === 'j');
  assert.ok(j, `job j in ${r.stdout}`);
  return j;
}

/** Runs a maintenance command at an instant and expects exit 0. */
async function ok(s: Sandbox, ms: number, args: string[]): Promise<Run> {
  const r = await hbAt(s, ms, args);
  assert.equal(r.code, 0, `hb ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const eventsOf = (s: Sandbox, type: string) => readEventsFile(s.state).filter((e) => e.type === type);
const near = (iso: string, ms: number) => assert.ok(Math.abs(Date.parse(iso) - ms) < 5 * SEC, `${iso} is not ${new Date(ms).toISOString()}`);

test('a stale job that is paused: check exits 0, shows paused, alerts nothing', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1m', rec);
  try {
    await ok(s, T, ['tick', 'j']);
    const paused = await ok(s, T + 2 * MIN + 30 * SEC, ['pause', 'j']);
    assert.equal(paused.stdout, 'j paused until `hb resume j`\n');
    const j = await checkJ(s, T + 5 * MIN, 0);
    assert.equal(j.status, 'paused');
    assert.equal(j.problem, false);
    assert.equal(j.reason, 'paused until resumed');
    await checkJ(s, T + 20 * MIN, 0);
    assert.equal(rec.requests.length, 0);
    const [event, ...more] = eventsOf(s, 'paused');
    assert.equal(more.length, 0);
    assert.equal(event!.job, 'j');
    assert.equal(event!.until, null);
    assert.equal(eventsOf(s, 'alert_opened').length, 0);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('pause --for 1h ends by itself and the clock restarts at its end', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1h', rec);
  try {
    await ok(s, T, ['tick', 'j']);
    const paused = await ok(s, T + 10 * MIN, ['pause', 'j', '--for', '1h']);
    assert.match(paused.stdout, /^j paused for 1h, until 2026-11-20T10:10:00\.\d{3}Z\n$/);
    assert.equal(eventsOf(s, 'paused')[0]!.until.slice(0, 19), '2026-11-20T10:10:00');
    assert.equal((await checkJ(s, T + 30 * MIN, 0)).status, 'paused');

    // Without the pause the job would be stale from 11:00 on (due 10:00 + one period of grace).
    const after = await checkJ(s, T + 2 * HOUR + 30 * MIN, 0);
    assert.equal(after.status, 'late');
    near(after.due, T + 2 * HOUR + 10 * MIN);
    near(after.deadline, T + 3 * HOUR + 10 * MIN);
    assert.equal((await checkJ(s, T + 3 * HOUR + 5 * MIN, 0)).status, 'late');
    assert.equal(rec.requests.length, 0);
    assert.equal((await checkJ(s, T + 3 * HOUR + 15 * MIN, 1)).status, 'stale');
    assert.deepEqual(
      rec.requests.map((r) => (r.body as { type: string }).type),
      ['alert'],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('hb resume after the job went stale during the pause: judged from the resume, no alert before its deadline', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1h', rec);
  try {
    await ok(s, T, ['tick', 'j']);
    await ok(s, T + 10 * MIN, ['pause', 'j']);
    assert.equal((await checkJ(s, T + 3 * HOUR, 0)).status, 'paused');
    const resumed = await ok(s, T + 3 * HOUR, ['resume', 'j']);
    assert.equal(resumed.stdout, 'j resumed: its next run is judged from now\n');

    const fresh = await checkJ(s, T + 3 * HOUR + 1 * MIN, 0);
    assert.equal(fresh.status, 'ok');
    near(fresh.due, T + 4 * HOUR);
    assert.equal((await checkJ(s, T + 4 * HOUR + 30 * MIN, 0)).status, 'late');
    assert.equal(rec.requests.length, 0, 'nothing from before the resume alerts');
    assert.equal((await checkJ(s, T + 5 * HOUR + 1 * MIN, 1)).status, 'stale');
    assert.deepEqual(
      rec.requests.map((r) => (r.body as { type: string }).type),
      ['alert'],
    );
    assert.equal(eventsOf(s, 'resumed').length, 1);

    const again = await ok(s, T + 5 * HOUR + 2 * MIN, ['resume', 'j']);
    assert.equal(again.stdout, 'j was not paused\n');
    assert.equal(eventsOf(s, 'resumed').length, 1);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a failed job paused then resumed stays failed: the end of a pause mends nothing (no resolve), a good run does', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1h', rec);
  try {
    await ok(s, T, ['tick', 'j', '--status', 'error', '--message', 'disk full']);
    assert.equal((await checkJ(s, T + 1 * MIN, 1)).status, 'failed');
    await ok(s, T + 2 * MIN, ['pause', 'j']);
    assert.equal((await checkJ(s, T + 3 * MIN, 0)).status, 'paused');
    assert.equal(rec.requests.length, 1, 'a pause neither resolves nor reminds');
    await ok(s, T + 4 * MIN, ['resume', 'j']);
    assert.equal((await checkJ(s, T + 5 * MIN, 1)).status, 'failed');
    assert.equal(rec.requests.length, 1, 'the open incident is neither resolved nor alerted again');
    await ok(s, T + 10 * MIN, ['tick', 'j']);
    assert.equal((await checkJ(s, T + 11 * MIN, 0)).status, 'ok');
    const [alert, resolve, ...more] = rec.requests.map((r) => r.body as Record<string, any>);
    assert.equal(more.length, 0);
    assert.equal(alert!.type, 'alert');
    assert.equal(alert!.status, 'failed');
    assert.equal(resolve!.type, 'resolve');
    assert.equal(resolve!.incident.id, alert!.incident.id);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a pause that runs out (--for) does not resolve a failure nobody fixed', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1h', rec);
  try {
    await ok(s, T, ['tick', 'j', '--status', 'error']);
    assert.equal((await checkJ(s, T + 1 * MIN, 1)).status, 'failed');
    await ok(s, T + 2 * MIN, ['pause', 'j', '--for', '2m']);
    assert.equal((await checkJ(s, T + 3 * MIN, 0)).status, 'paused');
    const after = await checkJ(s, T + 5 * MIN, 1);
    assert.equal(after.status, 'failed');
    assert.deepEqual(
      rec.requests.map((r) => (r.body as Record<string, any>).type),
      ['alert'],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a run that crashed during the pause is crashed after hb resume, and alerted then', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = withJob('1h', rec);
  try {
    await ok(s, T, ['tick', 'j']);
    await ok(s, T + 10 * MIN, ['pause', 'j']);
    // A run started during the pause and died without a heartbeat: its marker names a gone pid.
    const dead = spawnSync('true').pid;
    const marker = { job: 'j', pid: dead, started_at: new Date(T + 30 * MIN).toISOString(), host: hostname(), cycle: 2, boot_id: null, pid_started_ms: null };
    writeFileSync(join(s.state, 'j.run'), JSON.stringify(marker) + '\n');
    assert.equal((await checkJ(s, T + 40 * MIN, 0)).status, 'paused');
    assert.equal(rec.requests.length, 0, 'nothing while paused');
    await ok(s, T + 50 * MIN, ['resume', 'j']);
    const j = await checkJ(s, T + 51 * MIN, 1);
    assert.equal(j.status, 'crashed');
    assert.deepEqual(
      rec.requests.map((r) => [(r.body as Record<string, any>).type, (r.body as Record<string, any>).status]),
      [['alert', 'crashed']],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('hb forget removes the heartbeat and the pause; the job leaves hb check --json', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    await ok(s, T, ['tick', 'j', '--every', '1h']);
    await ok(s, T + 1 * MIN, ['pause', 'j']);
    const last = join(s.state, 'j.last');
    const pause = join(s.state, 'paused', 'j.json');
    assert.ok(existsSync(last) && existsSync(pause));
    assert.equal((await checkJ(s, T + 2 * MIN, 0)).status, 'paused');
    const forgot = await ok(s, T + 3 * MIN, ['forget', 'j']);
    assert.equal(forgot.stdout, `j forgotten: removed ${last}, ${pause}\n`);
    assert.equal(forgot.stderr, '');
    assert.ok(!existsSync(last) && !existsSync(pause));
    const r = await hbAt(s, T + 4 * MIN, ['check', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).jobs.filter((x: { job: string }) => x.job === 'j'),
      [],
    );
    const [event, ...more] = eventsOf(s, 'forgotten');
    assert.equal(more.length, 0);
    assert.deepEqual(event!.removed, [last, pause]);
    assert.equal(eventsOf(s, 'paused').length, 1);
    const gone = await hbAt(s, T + 5 * MIN, ['check', 'j']);
    assert.equal(gone.code, 2, 'a forgotten job is unknown');
  } finally {
    s.cleanup();
  }
});

test('forgetting a job with an open incident ends the incident with one resolve', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, `notify:\n  - webhook: {url: ${rec.url}/hook, timeout: 1s, retries: 0}\n`);
  s.env.HB_CONFIG = config;
  try {
    await ok(s, T, ['tick', 'j', '--every', '1m']);
    assert.equal((await hbAt(s, T + 3 * MIN, ['check'])).code, 1);
    await ok(s, T + 4 * MIN, ['forget', 'j']);
    assert.equal((await hbAt(s, T + 5 * MIN, ['check'])).code, 0);
    const types = rec.requests.map((r) => (r.body as { type: string }).type);
    assert.deepEqual(types, ['alert', 'resolve']);
    assert.equal(eventsOf(s, 'alert_resolved').length, 1);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('pause, resume and forget of an unknown job: exit 2 naming it, nothing written', () => {
  const s = sandbox();
  try {
    for (const cmd of ['pause', 'resume', 'forget']) {
      const r = hb([cmd, 'nope'], { env: s.env });
      assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^hb: no job named nope: /);
    }
    const bad = hb(['pause', 'nope', '--for', '10x'], { env: s.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--for: "10x" is not a duration/);
    assert.ok(!existsSync(join(s.state, 'paused')));
    assert.ok(!existsSync(join(s.state, 'events.jsonl')));
  } finally {
    s.cleanup();
  }
});

test('a configured job without a heartbeat can be paused; forgetting it warns that the config keeps it', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = withJob('1h');
  try {
    await ok(s, T, ['pause', 'j', '--for', '30m']);
    assert.equal(readJson(join(s.state, 'paused', 'j.json')).until.slice(0, 19), '2026-11-20T09:30:00');
    assert.equal((await checkJ(s, T + 10 * MIN, 0)).status, 'paused');
    const r = await ok(s, T + 11 * MIN, ['forget', 'j']);
    assert.match(r.stderr, /^hb: j is still in .*hb\.yaml: it stays a job until it is removed there\n$/);
    assert.equal((await checkJ(s, T + 12 * MIN, 0)).status, 'ok');
  } finally {
    s.cleanup();
  }
});
