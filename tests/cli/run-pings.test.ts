// Healthchecks-style run pings around tick/wrap, `tick --notify`, and the check's own mirror,
// through the built CLI against a real HTTP server on 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { fixture, hb, hbRun, readEventsFile, sandbox } from '../helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('wrap pings /start then success or /<code> with the same run id and the output tail; a ping pings success', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: ${rec.url}/ping/abc\n  nightly:\n    every: 1d\n    notify:\n      - healthchecks: { url: "${rec.url}/ping/def", timeout: 2s }\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const ok = await hbRun(['wrap', '--job', 'backup', '--', 'sh', '-c', 'echo all fine'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'all fine\n');
    assert.equal(ok.stderr, '');
    const bad = await hbRun(['wrap', '--job', 'backup', '--', fixture('exit-with.js'), '3'], { env });
    assert.equal(bad.code, 3);
    const seen = rec.requests.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(seen, ['POST /ping/abc/start', 'POST /ping/abc', 'POST /ping/abc/start', 'POST /ping/abc/3']);
    const [start1, end1, start2, end2] = rec.requests;
    assert.match(start1!.query.rid!, UUID);
    assert.equal(end1!.query.rid, start1!.query.rid, 'start and end of a run share its id');
    assert.equal(end2!.query.rid, start2!.query.rid);
    assert.notEqual(start2!.query.rid, start1!.query.rid, 'each run has its own id');
    assert.match(end1!.raw, /all fine/);
    rec.requests.length = 0;
    assert.equal((await hbRun(['tick', 'nightly'], { env })).code, 0);
    assert.deepEqual(rec.requests.map((r) => `${r.method} ${r.path}`), ['POST /ping/def'], 'a ping has no start, only its success');
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
    assert.deepEqual(rec.requests.map((q) => q.path), ['/ping/abc/start', '/ping/abc'], 'delivered in order by the next check');
    assert.deepEqual(readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json')), []);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('tick --notify sends the text through the job\'s sinks, once; with no sink for messages it says so', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  report:\n    every: 1d\n    notify:\n      - webhook: ${rec.url}/hook\n  quiet:\n    every: 1d\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const r = await hbRun(['tick', 'report', '--notify', 'disk at 91%'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rec.requests.length, 1);
    const n = rec.requests[0]!.body as { type: string; job: string; message: string; title: string };
    assert.equal(n.type, 'message');
    assert.equal(n.job, 'report');
    assert.equal(n.message, 'disk at 91%');
    assert.equal(n.title, '[hb] report: disk at 91%');
    const q = await hbRun(['tick', 'quiet', '--notify', 'hello'], { env });
    assert.equal(q.code, 0);
    assert.match(q.stderr, /--notify: no sink of quiet receives messages/);
  } finally {
    await rec.close();
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
    assert.deepEqual(rec.requests.map((q) => q.path), ['/ping/watcher', '/ping/watcher']);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('once the meta-heartbeat has run and gone stale, every tick warns in one stderr line', (t) => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  hb-check:\n    every: 1m\n');
    const env = { ...s.env, HB_CONFIG: cfg };
    assert.equal(hb(['tick', 'a', '--every', '1h'], { env }).stderr, '', 'never ran: no warning (hb doctor reports that)');
    hb(['check'], { env });
    // Fresh: no warning. This tick drops a's schedule, which is said once (a hint, not a warning).
    assert.match(hb(['tick', 'a'], { env }).stderr, /^hb: hint: job a has no schedule[^\n]*\n$/);
    const later = hb(['tick', 'a'], { env, prefix: ['faketime', '-f', '+10m'] });
    if (later.stderr === '' && later.code === null) return t.skip('faketime unavailable');
    const lines = later.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, later.stderr);
    assert.match(lines[0]!, /hb check \(the meta-heartbeat\) last ran 10 min ago and is stale/);
    const unscheduled = sandbox();
    try {
      hb(['check'], { env: unscheduled.env });
      assert.equal(hb(['tick', 'a', '--every', '1h'], { env: unscheduled.env, prefix: ['faketime', '-f', '+10d'] }).stderr, '', 'no schedule for hb check: never judged, never warned');
    } finally {
      unscheduled.cleanup();
    }
  } finally {
    s.cleanup();
  }
});
