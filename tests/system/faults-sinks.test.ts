// Sinks that misbehave, against the built `hb check`: real HTTP servers on 127.0.0.1 that hang,
// reset the connection, stream a 200 MB answer, answer 500, or answer one byte at a time. The
// check must end in bounded time and memory, keep the alert in the outbox and retry it by the
// outbox's rules, print no stack trace, and exit on the jobs' health alone.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HB, hb, requireTool, sandbox, waitFor, type Run, type Sandbox } from '../helpers.ts';

const HUGE = 200 * 1024 * 1024;
const TIMEOUT_S = 1;
const RETRIES = 1;
/** One delivery's worst case: every attempt times out, plus hb's 500 ms backoff in between. */
const WORST_DELIVERY_MS = TIMEOUT_S * 1000 * (RETRIES + 1) + 500;

type Mode = 'hang' | 'reset' | 'huge' | 'error500' | 'trickle' | 'ok';

/** A server whose behaviour is switched by `mode`; it counts requests and what it managed to send. */
interface BadServer {
  url: string;
  mode: Mode;
  requests: number;
  /** Bodies of requests it answered 200 to in `ok` mode. */
  received: unknown[];
  /** Bytes of the huge answer written before the client went away. */
  hugeSent: number;
  /** The huge answer's response closed: sent whole, or its client went away. */
  hugeClosed: boolean;
  close(): Promise<void>;
}

async function startBadServer(): Promise<BadServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state: BadServer = { url: '', mode: 'ok', requests: 0, received: [], hugeSent: 0, hugeClosed: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    switch (state.mode) {
      case 'hang':
        return; // read the request, never answer
      case 'reset':
        req.socket.resetAndDestroy(); // TCP RST in the middle of the exchange
        return;
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `backend down \u001b[2J\u001b]52;c;ZXZpbA==\u0007` }));
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(HUGE) });
        const block = Buffer.alloc(64 * 1024, 0x61);
        const pump = (): void => {
          while (state.hugeSent < HUGE) {
            state.hugeSent += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => {
          res.off('drain', pump);
          state.hugeClosed = true;
        });
        pump();
        return;
      }
      case 'trickle': {
        // A whole answer, written one byte every 50 ms straight on the socket: ~5 s for the lot.
        const raw = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
        let i = 0;
        const timer = setInterval(() => {
          if (i >= raw.length || req.socket.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
            req.socket.destroy();
            return;
          }
          req.socket.write(raw.subarray(i, ++i));
        }, 50);
        timers.add(timer);
        return;
      }
      case 'ok':
        req.on('end', () => {
          state.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
        return;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  state.url = `http://127.0.0.1:${port}/hook`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A run of the built CLI that does not block this process (the server must answer), timed, with hb's peak RSS. */
async function measured(args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): Promise<Run & { ms: number; peakMiB: number }> {
  const started = performance.now();
  const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
  const child = spawn(cmd!, prefix.length ? [...pre, process.execPath, HB, ...args] : [HB, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Under faketime the pid is faketime's until it execs node: the same process, so /proc follows.
  let peakKiB = 0;
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      // gone
    }
  };
  const sampler = setInterval(sample, 10);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearInterval(sampler);
  return { code, signal, stdout, stderr, ms: performance.now() - started, peakMiB: peakKiB / 1024 };
}

interface Pending {
  attempts: number;
  next_at: string;
  last_error: string | null;
  notification: { type: string; job: string };
}

const pending = (s: Sandbox): Pending[] => {
  const dir = join(s.state, 'outbox');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as Pending);
};

const NO_STACK = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$|node:internal/m;

describe('hb check against sinks that misbehave', () => {
  let server: BadServer;

  before(async () => {
    server = await startBadServer();
  });
  after(async () => {
    await server.close();
  });

  /** A sandbox whose one job just failed, with the server as its only sink. */
  function failedJob(): Sandbox {
    const s = sandbox();
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, `notify:\n  - webhook: { url: "${server.url}", timeout: ${TIMEOUT_S}s, retries: ${RETRIES} }\n`);
    s.env.HB_CONFIG = config;
    const r = hb(['tick', 'backup', '--every', '1h', '--status', 'error', '--message', 'disk full'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    return s;
  }

  const cases: Array<{ mode: Exclude<Mode, 'ok' | 'huge'>; error: RegExp }> = [
    { mode: 'hang', error: /no complete answer within 1000 ms \(after 2 attempts\)/ },
    { mode: 'reset', error: /connection failed \(ECONNRESET|UND_ERR_SOCKET|other side closed/ },
    { mode: 'error500', error: /HTTP 500 \(backend down \\u001b\[2J\\u001b\]52;c;ZXZpbA==\\u0007\) \(after 2 attempts\)/ },
    { mode: 'trickle', error: /no complete answer within 1000 ms \(after 2 attempts\)/ },
  ];

  for (const { mode, error } of cases) {
    test(
      `a sink that ${mode === 'error500' ? 'answers 500' : mode === 'trickle' ? 'answers one byte at a time' : mode === 'hang' ? 'never answers' : 'resets the connection'}: bounded check, alert kept and retried by the outbox's rules`,
      { timeout: 60_000 },
      async (t) => {
        if (!requireTool(t, 'faketime')) return;
        const s = failedJob();
        t.after(() => s.cleanup());
        server.mode = mode;
        server.requests = 0;

        const first = await measured(['check'], s.env);
        t.diagnostic(`${mode}: hb check took ${first.ms.toFixed(0)} ms, peak RSS ${first.peakMiB.toFixed(1)} MiB, ${server.requests} requests`);
        assert.equal(first.code, 1, `the exit code is the job's health (failed): ${first.stderr}`);
        assert.match(first.stdout, /backup\s+FAILED/);
        assert.doesNotMatch(first.stderr, NO_STACK, 'a stack trace on stderr');
        assert.doesNotMatch(first.stdout + first.stderr, /\u001b/, 'a raw escape from the server reached the output');
        assert.ok(first.ms < WORST_DELIVERY_MS + 3000, `check took ${first.ms.toFixed(0)} ms`);
        assert.ok(first.peakMiB < 150, `peak RSS ${first.peakMiB.toFixed(1)} MiB`);
        assert.equal(server.requests, RETRIES + 1, 'attempts within one delivery');
        let [item] = pending(s);
        assert.ok(item, 'the alert stays in the outbox');
        assert.equal(item.notification.type, 'alert');
        assert.equal(item.attempts, 1);
        assert.match(item.last_error ?? '', error);
        assert.doesNotMatch(item.last_error ?? '', /\u001b|\/hook/, 'the error keeps no raw escape and no URL path');
        // The outbox waits a minute before the next attempt: an immediate check sends nothing.
        const early = await measured(['check'], s.env);
        assert.equal(early.code, 1);
        assert.equal(server.requests, RETRIES + 1, 'retried before it was due');
        assert.ok(early.ms < 2000, `a check with nothing due took ${early.ms.toFixed(0)} ms`);

        // Two minutes later it is due: one more delivery (with its own attempts), then two minutes' wait.
        const later = await measured(['check'], s.env, ['faketime', '-f', '+2m']);
        assert.equal(later.code, 1, later.stderr);
        assert.doesNotMatch(later.stderr, NO_STACK);
        assert.equal(server.requests, 2 * (RETRIES + 1), 'the due retry');
        [item] = pending(s);
        assert.equal(item?.attempts, 2);
        const wait = Date.parse(item.next_at) - Date.now();
        assert.ok(wait > 3 * 60_000 && wait < 5 * 60_000, `next attempt in ${wait} ms, expected 2 min after the +2 min check`);

        // The sink comes back: the alert goes out, once, and the outbox is empty.
        server.mode = 'ok';
        server.received = [];
        const healed = await measured(['check'], s.env, ['faketime', '-f', '+10m']);
        assert.equal(healed.code, 1, 'still about the job');
        assert.equal(pending(s).length, 0, 'delivered');
        assert.equal(server.received.length, 1);
        assert.deepEqual([(server.received[0] as { type: string }).type, (server.received[0] as { job: string }).job], ['alert', 'backup']);
      },
    );
  }

  test('a sink that answers 200 with a 200 MB body: delivered without reading it, memory bounded', { timeout: 60_000 }, async (t) => {
    const s = failedJob();
    t.after(() => s.cleanup());
    server.mode = 'huge';
    server.requests = 0;
    server.hugeSent = 0;
    server.hugeClosed = false;
    const r = await measured(['check'], s.env);
    t.diagnostic(
      `huge: hb check took ${r.ms.toFixed(0)} ms, peak RSS ${r.peakMiB.toFixed(1)} MiB, server wrote ${(server.hugeSent / 1048576).toFixed(1)} MiB of 200 MiB`,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(server.requests, 1);
    assert.equal(pending(s).length, 0, 'a 2xx is a delivery');
    assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
    assert.ok(r.peakMiB < 150, `peak RSS ${r.peakMiB.toFixed(1)} MiB`);
    // hb stopped reading: once the server sees it gone, what it got out is socket buffers, not the 200 MB.
    await waitFor(() => server.hugeClosed, 'the server to see hb go away', 10_000);
    assert.ok(server.hugeSent < 32 * 1024 * 1024, `server wrote ${server.hugeSent} bytes`);
  });

  test('a healthy check exits 0 while its sink hangs, within the same bound', { timeout: 60_000 }, async (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = failedJob();
    t.after(() => s.cleanup());
    server.mode = 'hang';
    assert.equal((await measured(['check'], s.env)).code, 1);
    // The job recovers; two minutes later the alert is due again and hangs (the resolve waits
    // behind it, in order); the verdict is still the job's: healthy, 0.
    assert.equal(hb(['tick', 'backup', '--every', '1h'], { env: s.env }).code, 0);
    server.requests = 0;
    const r = await measured(['check'], s.env, ['faketime', '-f', '+2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /all \d+ jobs? healthy/);
    assert.ok(r.ms < WORST_DELIVERY_MS + 3000, `took ${r.ms.toFixed(0)} ms`);
    assert.equal(server.requests, RETRIES + 1, 'the due alert was tried');
    assert.deepEqual(
      pending(s)
        .map((p) => p.notification.type)
        .sort(),
      ['alert', 'resolve'],
    );
  });
});
