// The precondition probes against real things: a mount point and a plain directory, a listening
// TCP server and a closed port, commands that exit 0, exit 2, and hang past their timeout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeNeeds } from '../../lib/adapters/needs/probe.ts';
import { freePort, waitFor } from '../helpers.ts';

test('mount: /proc is a mount point, a plain directory is not; path: lstat tells present from missing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-probe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const got = await probeNeeds(
    [
      { kind: 'mount', path: '/proc', text: 'mount:/proc' },
      { kind: 'mount', path: `${dir}/`, text: `mount:${dir}/` },
      { kind: 'mount', path: join(dir, 'nope'), text: 'mount:nope' },
      { kind: 'path', path: dir, text: 'path:dir' },
      { kind: 'path', path: join(dir, 'nope'), text: 'path:nope' },
    ],
    '/proc',
  );
  assert.deepEqual(got.get('mount:/proc'), { kind: 'mount', mounted: true, exists: true });
  assert.deepEqual(got.get(`mount:${dir}/`), { kind: 'mount', mounted: false, exists: true });
  assert.deepEqual(got.get('mount:nope'), { kind: 'mount', mounted: false, exists: false });
  assert.deepEqual(got.get('path:dir'), { kind: 'path', exists: true, error: null });
  assert.deepEqual(got.get('path:nope'), { kind: 'path', exists: false, error: null });
});

test("mount: a procRoot of the test's own reads its mountinfo, escapes undone", async (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'hb-proc-'));
  t.after(() => rmSync(proc, { recursive: true, force: true }));
  mkdirSync(join(proc, 'self'));
  writeFileSync(join(proc, 'self', 'mountinfo'), '36 25 0:32 / /mnt/my\\040disk rw,relatime shared:1 - ext4 /dev/sdb1 rw\n');
  const got = await probeNeeds([{ kind: 'mount', path: '/mnt/my disk', text: 'mount:/mnt/my disk' }], proc);
  assert.equal((got.get('mount:/mnt/my disk') as { mounted: boolean }).mounted, true);
});

test('tcp: a listening server on 127.0.0.1 accepts, a closed port refuses', async (t) => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const open = (server.address() as { port: number }).port;
  // A port just freed is closed.
  const closed = await freePort();
  const got = await probeNeeds(
    [
      { kind: 'tcp', host: '127.0.0.1', port: open, text: 'open' },
      { kind: 'tcp', host: '127.0.0.1', port: closed, text: 'closed' },
    ],
    '/proc',
  );
  assert.deepEqual(got.get('open'), { kind: 'tcp', connected: true, error: null, timeoutMs: 2000 });
  assert.deepEqual(got.get('closed'), { kind: 'tcp', connected: false, error: 'ECONNREFUSED', timeoutMs: 2000 });
});

test('command: exit 0 and exit 2 with its output tail; a hanging one is killed with its whole group at its timeout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-probe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = join(dir, 'child.pid');
  const got = await probeNeeds(
    [
      { kind: 'command', command: 'true', timeoutMs: 5000, text: 'zero' },
      { kind: 'command', command: 'echo not ready >&2; exit 2', timeoutMs: 5000, text: 'two' },
      // The shell's child sleeps on: killing the group takes it too.
      { kind: 'command', command: `sleep 30 & echo $! > ${pidFile}; sleep 30`, timeoutMs: 300, text: 'hang' },
    ],
    '/proc',
  );
  assert.deepEqual(got.get('zero'), { kind: 'command', exitCode: 0, signal: null, timedOut: false, tail: '', error: null });
  assert.deepEqual(got.get('two'), { kind: 'command', exitCode: 2, signal: null, timedOut: false, tail: 'not ready\n', error: null });
  assert.deepEqual(got.get('hang'), { kind: 'command', exitCode: null, signal: null, timedOut: true, tail: '', error: null });
  const child = Number(readFileSync(pidFile, 'utf8'));
  await waitFor(() => !alive(child), `the hung command's child ${child} to be gone with its group`);
});

/** Whether a process exists and is not a zombie awaiting its parent. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
