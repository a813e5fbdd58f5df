// The webhook sink against a real server on 127.0.0.1: what it sends, when it retries, and that
// its label and errors keep the URL's path, query and header values to themselves.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createSink } from '../../lib/adapters/sinks/webhook.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import type { Recorder } from '../fixtures/http-recorder.ts';

const open: Recorder[] = [];
after(() => Promise.all(open.map((r) => r.close())));
const recorder = async (...args: Parameters<typeof startRecorder>) => {
  const rec = await startRecorder(...args);
  open.push(rec);
  return rec;
};
const ctx: SinkContext = { env: {}, now: () => 0, readFile: () => assert.fail('no file is read') };
const config = (options: Record<string, unknown>, extra: Partial<SinkConfig> = {}): SinkConfig => ({
  kind: 'webhook',
  where: 'notify[0]',
  options,
  timeoutMs: 1000,
  retries: 2,
  on: null,
  ...extra,
});
const net = { backoffMs: 10 };

const alert: Notification = {
  v: 1,
  id: 'n-1',
  type: 'alert',
  job: 'backup',
  host: 'db1',
  status: 'stale',
  problem: true,
  message: 'backup: last run 3h ago, expected every 1h',
  title: '[hb] backup stale',
  incident: { id: 'i-1', opened_at: '2024-05-01T10:00:00.000Z', status: 'stale', reminders: 0 },
  ts: '2024-05-01T10:00:00.000Z',
};

async function failure(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SinkError);
    return err;
  }
  assert.fail('expected the delivery to fail');
}

test('POSTs the notification as JSON with hb and user headers; label names the host only', async () => {
  const rec = await recorder();
  const sink = createSink(
    config({ url: `${rec.url}/hooks/T0/B0/s3cret?key=k3y`, headers: { 'X-Token': 'h3ader', 'Content-Type': 'application/json; charset=utf-8' } }),
    ctx,
    net,
  );
  assert.equal(sink.kind, 'webhook');
  assert.equal(sink.label, `webhook ${new URL(rec.url).host}`);
  assert.equal(await sink.deliver(alert, null), undefined);
  assert.equal(rec.requests.length, 1);
  const req = rec.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/hooks/T0/B0/s3cret');
  assert.deepEqual(req.query, { key: 'k3y' });
  assert.deepEqual(req.body, alert);
  assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(req.headers['user-agent'], 'hb');
  assert.equal(req.headers['x-token'], 'h3ader');
});

test('a 5xx then a 200 is delivered after a retry', async () => {
  const rec = await recorder({ '/h': [{ status: 500 }, { status: 200 }] });
  await createSink(config({ url: `${rec.url}/h` }), ctx, net).deliver(alert, null);
  assert.equal(rec.requests.length, 2);
});

test('a 4xx fails at once, not retryable, and names no secret', async () => {
  const rec = await recorder({ '/hooks/s3cret': { status: 403, body: 'forbidden for /hooks/s3cret?key=k3y with h3ader' } });
  const sink = createSink(config({ url: `${rec.url}/hooks/s3cret?key=k3y`, headers: { authorization: 'Bearer h3ader' } }), ctx, net);
  const err = await failure(sink.deliver(alert, null));
  assert.equal(rec.requests.length, 1);
  assert.equal(err.retryable, false);
  assert.equal(err.status, 403);
  assert.match(err.message, new RegExp(`^webhook ${new URL(rec.url).host}: POST ${new URL(rec.url).host}: HTTP 403`));
  assert.doesNotMatch(err.message, /s3cret|k3y|h3ader|Bearer/);
});

test('a hanging receiver times out, retryable, within about timeout × attempts', async () => {
  const rec = await recorder({ '/h': { hang: true } });
  const started = performance.now();
  const err = await failure(createSink(config({ url: `${rec.url}/h` }, { timeoutMs: 200, retries: 2 }), ctx, net).deliver(alert, null));
  const took = performance.now() - started;
  assert.equal(err.retryable, true);
  assert.equal(rec.requests.length, 3);
  assert.ok(took >= 590 && took < 1500, `took ${took} ms`);
});

test('a receiver that is down is retryable', async () => {
  const rec = await recorder();
  const url = `${rec.url}/h`;
  await rec.close();
  const err = await failure(createSink(config({ url }, { retries: 1 }), ctx, net).deliver(alert, null));
  assert.equal(err.retryable, true);
  assert.match(err.message, /ECONNREFUSED/);
});

test('creating the sink does no I/O: its fetch is called by a delivery, never before', async () => {
  let calls = 0;
  const fetch = (async () => {
    calls++;
    return new Response('{}', { status: 200 });
  }) as typeof globalThis.fetch;
  const sink = createSink(config({ url: 'http://127.0.0.1:9/h' }), ctx, { ...net, fetch });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 0, 'nothing sent at creation');
  await sink.deliver(alert, null);
  assert.equal(calls, 1, 'the delivery goes through the same fetch');
});
