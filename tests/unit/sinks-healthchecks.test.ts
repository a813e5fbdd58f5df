// The healthchecks sink against a real HTTP server on 127.0.0.1: the exact pings, run ids,
// bounded bodies, retries on 5xx/429 only, and a server that never answers.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSink } from '../../lib/adapters/sinks/healthchecks.ts';
import { SinkError } from '../../lib/rules/sinks/types.ts';
import type { Notification, SinkContext } from '../../lib/rules/sinks/types.ts';
import type { SinkConfig } from '../../lib/rules/sinks/validate.ts';

interface Hit {
  method: string;
  url: string;
  body: string;
  contentType: string | undefined;
}

/** A recording server: answers each request with the next planned status (200 when none), or never. */
let server: Server;
let base = '';
let hits: Hit[] = [];
let plan: Array<number | 'hang'> = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] });
      const next = plan.shift() ?? 200;
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'text/plain' }).end(next === 200 ? 'OK' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  hits = [];
  plan = [];
});

const UUID = '5bf3b1a2-7c2e-4d57-9a43-0c1d2e3f4a5b';
const RID = '0f0e0d0c-0b0a-4908-8706-050403020100';
const ctx: SinkContext = { env: {}, now: () => 0, readFile: () => '' };
const config = (over: Partial<SinkConfig> = {}, url = `${base}/ping/${UUID}`): SinkConfig => ({
  kind: 'healthchecks',
  where: 'notify[0]',
  options: { url },
  timeoutMs: 2000,
  retries: 0,
  on: null,
  ...over,
});
const note = (type: Notification['type'], run?: Notification['run'], message = `backup ${type}`): Notification => ({
  v: 1,
  id: `n-${type}`,
  type,
  job: 'backup',
  host: 'db1',
  status: 'ok',
  problem: false,
  message,
  title: `[hb] backup ${type}`,
  incident: null,
  ts: '2026-01-02T03:04:05Z',
  ...(run ? { run } : {}),
});

async function rejection(p: Promise<unknown>): Promise<SinkError> {
  const e = await p.then(
    () => assert.fail('expected the delivery to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof SinkError, `expected a SinkError, got ${String(e)}`);
  return e;
}

describe('healthchecks sink', () => {
  test('labels itself by host only: the ping path is a secret', () => {
    const sink = createSink(config(), ctx);
    assert.equal(sink.kind, 'healthchecks');
    assert.equal(sink.label, `healthchecks ${new URL(base).host}`);
    assert.ok(!sink.label.includes(UUID));
  });

  test('maps each notification type to its ping, in order', async () => {
    const sink = createSink(config(), ctx);
    const p = `/ping/${UUID}`;
    await sink.deliver(note('run_start', { run_id: RID }), null);
    await sink.deliver(note('run_end', { run_id: RID, exit_code: 0, output_tail: 'all good\n' }), null);
    await sink.deliver(note('run_end', { run_id: RID, exit_code: 3, output_tail: 'tar: disk full\n' }), null);
    await sink.deliver(note('run_end', { run_id: RID, exit_code: null, signal: 'SIGKILL', output_tail: '' }, 'killed'), null);
    await sink.deliver(note('alert', { output_tail: 'last words\n' }, 'backup is late'), null);
    await sink.deliver(note('resolve', undefined, 'backup recovered'), null);
    await sink.deliver(note('remind', undefined, 'still late'), null);
    await sink.deliver(note('message', undefined, 'rotated 3 files'), null);
    await sink.deliver(note('escalate', undefined, 'stale for 30m'), null);
    await sink.deliver(note('late', undefined, 'backup is late'), null);
    assert.deepEqual(
      hits.map((h) => [h.method, h.url, h.body]),
      [
        ['POST', `${p}/start?rid=${RID}`, ''],
        ['POST', `${p}?rid=${RID}`, 'all good\n'],
        ['POST', `${p}/3?rid=${RID}`, 'tar: disk full\n'],
        ['POST', `${p}/fail?rid=${RID}`, 'killed'],
        ['POST', `${p}/fail`, 'backup is late\n\nlast words\n'],
        ['POST', p, 'backup recovered'],
        ['POST', `${p}/log`, 'still late'],
        ['POST', `${p}/log`, 'rotated 3 files'],
        ['POST', `${p}/log`, 'stale for 30m'],
        ['POST', `${p}/log`, 'backup is late'],
      ],
    );
    assert.ok(hits.every((h) => h.contentType === 'text/plain; charset=utf-8'));
  });

  test("a run_end follows hb's judgement of the run when it carries one: exit 0 yet failed fails, an ok exit code succeeds", async () => {
    const sink = createSink(config(), ctx);
    const p = `/ping/${UUID}`;
    const judged = (exit_code: number, outcome: string, problem: boolean): Notification => ({
      ...note('run_end', { run_id: RID, exit_code, outcome, output_tail: '' }, `backup ${outcome}`),
      problem,
    });
    await sink.deliver(judged(0, 'failed', true), null);
    await sink.deliver(judged(0, 'suspicious', true), null);
    await sink.deliver(judged(24, 'warning', false), null);
    await sink.deliver(judged(1, 'ok', false), null);
    await sink.deliver(judged(3, 'failed', true), null);
    assert.deepEqual(
      hits.map((h) => [h.url, h.body]),
      [
        [`${p}/fail?rid=${RID}`, 'backup failed'],
        [`${p}/fail?rid=${RID}`, 'backup suspicious'],
        [`${p}?rid=${RID}`, 'backup warning'],
        [`${p}?rid=${RID}`, 'backup ok'],
        [`${p}/3?rid=${RID}`, 'backup failed'],
      ],
    );
  });

  test('sends rid only as a canonical lower-case UUID, and tolerates a trailing slash in the URL', async () => {
    const sink = createSink(config({}, `${base}/ping/${UUID}/`), ctx);
    await sink.deliver(note('run_start', { run_id: RID.toUpperCase() }), null);
    await sink.deliver(note('run_start', { run_id: '20260102-030405-1234' }), null);
    await sink.deliver(note('run_start'), null);
    assert.deepEqual(
      hits.map((h) => h.url),
      [`/ping/${UUID}/start?rid=${RID}`, `/ping/${UUID}/start`, `/ping/${UUID}/start`],
    );
  });

  test('keeps a query of the configured URL (slug URLs with ?create=1)', async () => {
    const sink = createSink(config({}, `${base}/ping/k3y/nightly-backup?create=1`), ctx);
    await sink.deliver(note('run_end', { run_id: RID, exit_code: 2 }), null);
    assert.deepEqual(
      hits.map((h) => h.url),
      [`/ping/k3y/nightly-backup/2?create=1&rid=${RID}`],
    );
  });

  test('bounds the body to its last 10 000 bytes without splitting a character', async () => {
    const sink = createSink(config(), ctx);
    await sink.deliver(note('run_end', { exit_code: 1, output_tail: `${'a'.repeat(50_000)}THE END` }), null);
    await sink.deliver(note('run_end', { exit_code: 1, output_tail: 'é'.repeat(6001) }), null);
    assert.equal(Buffer.byteLength(hits[0]!.body), 10_000);
    assert.ok(hits[0]!.body.endsWith('aaaTHE END'));
    assert.ok(Buffer.byteLength(hits[1]!.body) <= 10_000);
    assert.match(hits[1]!.body, /^é+$/);
  });

  test('retries 5xx and 429 up to `retries` times, then succeeds', async () => {
    plan = [503, 429, 200];
    await createSink(config({ retries: 2, timeoutMs: 200 }), ctx).deliver(note('resolve'), null);
    assert.equal(hits.length, 3);
  });

  test('gives up after `retries` retries with a retryable error carrying the status', async () => {
    plan = [500, 500, 500];
    const e = await rejection(createSink(config({ retries: 1, timeoutMs: 200 }), ctx).deliver(note('alert'), null));
    assert.equal(hits.length, 2);
    assert.equal(e.retryable, true);
    assert.equal(e.status, 500);
    assert.match(e.message, /^healthchecks 127\.0\.0\.1:\d+ \/fail ping: expected a 2xx answer, got HTTP 500 \(after 2 attempts\)$/);
    assert.ok(!e.message.includes(UUID));
  });

  test('does not retry a 4xx: it would fail the same way again', async () => {
    plan = [404];
    const e = await rejection(createSink(config({ retries: 3, timeoutMs: 200 }), ctx).deliver(note('resolve'), null));
    assert.equal(hits.length, 1);
    assert.equal(e.retryable, false);
    assert.equal(e.status, 404);
    assert.match(e.message, /success ping: expected a 2xx answer, got HTTP 404$/);
  });

  test('a server that never answers times out each attempt, then fails retryably', async () => {
    plan = ['hang', 'hang'];
    const started = Date.now();
    const e = await rejection(createSink(config({ retries: 1, timeoutMs: 150 }), ctx).deliver(note('run_start'), null));
    assert.equal(hits.length, 2);
    assert.equal(e.retryable, true);
    assert.equal(e.status, null);
    assert.match(e.message, /\/start ping: no answer within 150 ms \(after 2 attempts\)$/);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  test('a refused connection is retryable and says why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await rejection(createSink(config({ timeoutMs: 500 }, `http://127.0.0.1:${port}/ping/${UUID}`), ctx).deliver(note('resolve'), null));
    assert.equal(e.retryable, true);
    assert.match(e.message, /could not connect \(.*ECONNREFUSED.*\)$/);
  });
});
