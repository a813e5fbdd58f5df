// Health probes against a real HTTP server on 127.0.0.1:0 and real commands, and the restart
// runner's timeout reaching the whole process group.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeHealth, probeUrl, runRestart } from '../../lib/adapters/recover/probe.ts';
import type { RecoverPolicy } from '../../lib/rules/recover/types.ts';

const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
const tmp = mkdtempSync(join(tmpdir(), 'hb-recover-probe-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const health = (h: RecoverPolicy['health'], timeoutMs = 2000): Pick<RecoverPolicy, 'health' | 'timeoutMs'> => ({ health: h, timeoutMs });

/** Polls until `pid` is gone (or a zombie: dead, awaiting a reaper that a container may lack); true when within `ms`. */
async function gone(pid: number, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    try {
      process.kill(pid, 0);
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true;
    } catch {
      return true;
    }
  }
  return false;
}

describe('probeUrl', () => {
  let server: Server;
  let base = '';
  const seen: Array<string | undefined> = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/ok') res.end('fine');
      else if (req.url?.startsWith('/fail')) {
        res.statusCode = 500;
        res.end('down');
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/ok' }).end();
      } else if (req.url === '/private') {
        const want = `Basic ${Buffer.from('ad min:hunter22').toString('base64')}`;
        res.statusCode = req.headers.authorization === want ? 204 : 401;
        res.end();
      } else if (req.url === '/hang') {
        // Never answers.
      } else if (req.url === '/slow-body') {
        res.writeHead(200);
        res.write('start');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('200 is healthy', async () => {
    assert.deepEqual(await probeHealth(health({ kind: 'url', url: `${base}/ok` }), { env }), { healthy: true, reason: `GET ${base}/ok answered 200` });
  });

  test('500 is unhealthy', async () => {
    assert.deepEqual(await probeUrl(`${base}/fail`, 2000), { healthy: false, reason: `GET ${base}/fail answered 500` });
  });

  test('a redirect is not followed', async () => {
    const r = await probeUrl(`${base}/moved`, 2000);
    assert.equal(r.healthy, false);
    assert.match(r.reason, /answered 302 \(a redirect, not followed/);
  });

  test('a server that never answers: unhealthy after the timeout', async () => {
    const started = Date.now();
    assert.deepEqual(await probeUrl(`${base}/hang`, 200), { healthy: false, reason: `GET ${base}/hang did not answer within 200ms` });
    assert.ok(Date.now() - started < 2000);
  });

  test('headers in time and a body that never ends: healthy, body not waited for', async () => {
    assert.equal((await probeUrl(`${base}/slow-body`, 500)).healthy, true);
  });

  test('a refused port is unhealthy', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.deepEqual(await probeUrl(`http://127.0.0.1:${port}/health`, 2000), {
      healthy: false,
      reason: `GET http://127.0.0.1:${port}/health failed: ECONNREFUSED`,
    });
  });

  test('credentials go as Basic auth and never into the reason', async () => {
    const withUser = (path: string) => `http://ad%20min:hunter22@127.0.0.1:${new URL(base).port}${path}`;
    const ok = await probeUrl(withUser('/private'), 2000);
    assert.deepEqual(ok, { healthy: true, reason: `GET ${base}/private answered 204` });
    const failed = await probeUrl(`${withUser('/fail')}?token=abcdef`, 2000);
    assert.equal(failed.healthy, false);
    assert.doesNotMatch(failed.reason, /hunter22|ad min|ad%20min|abcdef/);
    const refused = await probeUrl('http://ad%20min:hunter22@127.0.0.1:1/x?token=abcdef', 2000);
    assert.equal(refused.healthy, false);
    assert.doesNotMatch(refused.reason, /hunter22|ad min|ad%20min|abcdef/);
  });
});

describe('probeHealth with a command or the heartbeat', () => {
  test('exit 0 is healthy, exit 1 is not, with the output tail', async () => {
    assert.deepEqual(await probeHealth(health({ kind: 'command', command: 'echo fine' }), { env }), {
      healthy: true,
      reason: 'health command exited 0',
      output_tail: 'fine\n',
    });
    assert.deepEqual(await probeHealth(health({ kind: 'command', command: 'echo no database >&2; exit 1' }), { env }), {
      healthy: false,
      reason: 'health command exited 1',
      output_tail: 'no database\n',
    });
  });

  test('a command that overstays is unhealthy, and its group is gone', async () => {
    const pidFile = join(tmp, 'probe.pid');
    const started = Date.now();
    const r = await probeHealth(health({ kind: 'command', command: `sleep 30 & echo $! > ${pidFile}; wait` }, 300), { env, killAfterMs: 500 });
    assert.deepEqual([r.healthy, r.reason], [false, 'health command timed out after 300ms']);
    assert.ok(Date.now() - started < 5000);
    assert.ok(await gone(Number(readFileSync(pidFile, 'utf8'))), 'the background sleep survived');
  });

  test("the heartbeat: hb's own verdict, unknown when none is given", async () => {
    assert.deepEqual(await probeHealth(health({ kind: 'heartbeat' }), { env, heartbeat: { healthy: false, reason: 'late by 20m' } }), {
      healthy: false,
      reason: 'heartbeat: late by 20m',
    });
    assert.equal((await probeHealth(health({ kind: 'heartbeat' }), { env })).healthy, null);
  });
});

describe('runRestart', () => {
  test('reports the exit code and the output tail', async () => {
    const r = await runRestart('echo restarting; exit 3', 5000, env);
    assert.deepEqual([r.exit_code, r.signal, r.output_tail, r.timed_out, r.spawn_error], [3, null, 'restarting\n', false, null]);
    assert.ok(r.duration_ms >= 0);
  });

  test('argv runs without a shell', async () => {
    const r = await runRestart([process.execPath, fixture('exit-with.js'), '7'], 5000, env);
    assert.equal(r.exit_code, 7);
  });

  test('a command that cannot start: 127 and why', async () => {
    const r = await runRestart(['/nonexistent/restart-app'], 5000, env);
    assert.equal(r.exit_code, 127);
    assert.match(r.spawn_error ?? '', /command not found: \/nonexistent\/restart-app/);
  });

  test('a timeout sends TERM to the whole group', async () => {
    const pidFile = join(tmp, 'restart.pid');
    const r = await runRestart(`sleep 30 & echo $! > ${pidFile}; wait`, 300, env, { killAfterMs: 1000 });
    assert.equal(r.timed_out, true);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.exit_code, 143);
    assert.ok(await gone(Number(readFileSync(pidFile, 'utf8'))), 'the background sleep survived');
  });

  test('a child ignoring TERM is killed', async () => {
    const r = await runRestart([process.execPath, fixture('trap-term.js'), 'ignore'], 500, env, { killAfterMs: 300 });
    assert.equal(r.timed_out, true);
    assert.equal(r.signal, 'SIGKILL');
    assert.match(r.output_tail, /READY\nignoring TERM\n/);
  });
});
