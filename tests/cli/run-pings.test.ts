// Healthchecks-style run pings around tick/wrap, `tick --notify`, and the check's own mirror,
// through the built CLI against a real HTTP server on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { fixture, hb, hbRun, readEventsFile, sandbox } from '../helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Which pings a run sends, their run ids and bodies, a ping's success only: tests/unit/run-pipeline.test.ts.
test('wrap loads the run pings and sends /start then /<code> with one run id', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: ${rec.url}/ping/abc\n`);
    const bad = await hbRun(['wrap', '--job', 'backup', '--', fixture('exit-with.js'), '3'], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.deepEqual([bad.code, bad.stderr], [3, '']);
    assert.deepEqual(
      rec.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /ping/abc/start', 'POST /ping/abc/3'],
    );
    const [start, end] = rec.requests;
    assert.match(start!.query.rid!, UUID);
    assert.equal(end!.query.rid, start!.query.rid, 'start and end of a run share its id');
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a healthchecks server that is down never changes the job: the ping waits in the outbox and hb check delivers it', async () => {
  const s = sandbox();
  const rec = await startRecorder({ '/ping/abc': { status: 503 }, '/ping/abc/start': { status: 503 } });
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: { url: "${rec.url}/ping/abc", timeout: 1s, retries: 0 }\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const r = await hbRun(['wrap', '--job', 'backup', '--', 'true'], { env });
    assert.equal(r.code, 0, 'the job succeeded, whatever the sink says');
    assert.equal(r.stderr, '', 'a retryable failure is not a message for cron mail');
    const waiting = readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json'));
    assert.equal(waiting.length, 2, 'start and end pings kept');
    const failed = readEventsFile(s.state).filter((e: { type: string }) => e.type === 'notify_failed');
    assert.equal(failed.length, 2);
    assert.equal(failed[0].will_retry, true);
    rec.route('/ping/abc', { status: 200 });
    rec.route('/ping/abc/start', { status: 200 });
    rec.requests.length = 0;
    const later = ['faketime', '-f', '+5m'];
    assert.equal((await hbRun(['check'], { env, prefix: later })).code, 0);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/ping/abc/start', '/ping/abc'],
      'delivered in order by the next check',
    );
    assert.deepEqual(
      readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json')),
      [],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

// The message a sink receives: tests/unit/run-pipeline.test.ts.
test('tick --notify with no sink for messages says so and still records the heartbeat', async () => {
  const s = sandbox();
  try {
    const q = await hbRun(['tick', 'quiet', '--every', '1d', '--notify', 'hello'], { env: s.env });
    assert.deepEqual([q.code, q.stderr], [0, 'hb: --notify: no sink of quiet receives messages (configure notify: in hb.yaml)\n']);
    assert.equal(readEventsFile(s.state).length, 1);
  } finally {
    s.cleanup();
  }
});

test('the meta-heartbeat mirrors itself to its healthchecks sink on every check', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  hb-check:\n    every: 1m\n    notify:\n      - healthchecks: ${rec.url}/ping/watcher\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    await hbRun(['tick', 'a', '--every', '1h'], { env });
    assert.equal((await hbRun(['check'], { env })).code, 0);
    assert.equal((await hbRun(['check'], { env })).code, 0);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/ping/watcher', '/ping/watcher'],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

// Never run, fresh, no schedule for hb check: tests/unit/run-pipeline.test.ts, with a set clock.
test('once the meta-heartbeat has run and gone stale, a tick warns in one stderr line', (t) => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  hb-check:\n    every: 1m\n');
    const env = { ...s.env, HB_CONFIG: cfg };
    hb(['check'], { env });
    const later = hb(['tick', 'a', '--every', '1h'], { env, prefix: ['faketime', '-f', '+10m'] });
    if (later.stderr === '' && later.code === null) return t.skip('faketime unavailable');
    const lines = later.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, later.stderr);
    assert.match(lines[0]!, /hb check \(the meta-heartbeat\) last ran 10 min ago and is stale/);
  } finally {
    s.cleanup();
  }
});
