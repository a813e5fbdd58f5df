// `hb daemon stop` and `status` act only on a daemon hb recorded: a PID file naming any other
// process (a sleep, PID 1, a process of another user even with a forged status file) is refused
// and that process is never signalled; a PID file that is a device, a FIFO or huge is refused at
// once. hb runs as root here; the other user is a real throw-away account.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HB, hb, requireTool, sandbox, throwAwayUser, waitFor } from '../helpers.ts';

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A `sleep 300` to stand in for a victim process; killed after the test (or by `end`, before its user is removed). */
function victim(t: TestContext, opts: { uid?: number; gid?: number } = {}): ChildProcess & { end(): Promise<void> } {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', ...opts });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Killed and reaped: a zombie still counts as the user's process.
  const end = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  t.after(end);
  return Object.assign(child, { end });
}

/** The status file a forger would write beside a PID file: the pid's real start time and boot. */
function forgedRecord(pid: number, stateDir: string): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
  const startMs = btime * 1000 + ticks * 10;
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return (
    JSON.stringify({
      v: 1,
      pid,
      host: 'h',
      started_at: new Date(startMs).toISOString(),
      pid_started_ms: startMs,
      boot_id: bootId,
      config: null,
      state_dir: stateDir,
      pid_file: 'p',
      stop_timeout_ms: 1000,
      jobs: [],
      ignored: [],
      updated_at: new Date().toISOString(),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    }) + '\n'
  );
}

const refusal = /hb: PID file .* names process \d+, which is not an hb daemon hb can verify: .+; hb acts only on a daemon it started and recorded/;

test('a PID file naming a sleep: stop refuses (exit 2) and the sleep lives; status does not call it running', async (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(s.root, { recursive: true });
  const sleep = victim(t);
  const p = join(s.root, 'p');
  writeFileSync(p, `${sleep.pid}\n`);

  const stop = hb(['daemon', 'stop', '--pid-file', p, '--timeout', '1s'], { env: s.env, timeoutMs: 20_000 });
  assert.equal(stop.code, 2, stop.stdout + stop.stderr);
  assert.match(stop.stderr, refusal);
  assert.match(stop.stderr, /no status file .*p\.json records it/);
  assert.doesNotMatch(stop.stdout, /stopped/);
  assert.ok(alive(sleep.pid!), 'the sleep was never signalled');

  const status = hb(['daemon', 'status', '--pid-file', p], { env: s.env, timeoutMs: 20_000 });
  assert.equal(status.code, 2, status.stdout + status.stderr);
  assert.doesNotMatch(status.stdout, /running \(pid/);
  assert.match(status.stderr, refusal);
  assert.ok(alive(sleep.pid!));
});

test('echo 1 > p: status never says "running (pid 1)"; stop refuses and PID 1 (of a PID namespace) gets no signal', (t) => {
  if (!requireTool(t, 'unshare')) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(s.root, { recursive: true });
  const p = join(s.root, 'p');
  writeFileSync(p, '1\n');

  const status = hb(['daemon', 'status', '--pid-file', p], { env: s.env, timeoutMs: 20_000 });
  assert.notEqual(status.code, 0);
  assert.doesNotMatch(status.stdout + status.stderr, /running \(pid 1\)/);
  assert.match(status.stderr, refusal);

  // PID 1 here is a shell in its own PID namespace that records any SIGTERM (it writes the PID
  // file after it started, as a daemon would): if hb signalled it, the marker says so, and no
  // real init is ever at risk.
  const marker = join(s.root, 'pid1-got-term');
  const rc = join(s.root, 'rc');
  const script = `trap 'echo TERM > "$1"' TERM; echo 1 > "$5"; "$3" "$4" daemon stop --pid-file "$5" --timeout 1s >"$6.out" 2>"$6.err"; echo $? > "$2"`;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script, 'sh', marker, rc, process.execPath, HB, p, join(s.root, 'stop')], {
    env: s.env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = readFileSync(join(s.root, 'stop.out'), 'utf8');
  const err = readFileSync(join(s.root, 'stop.err'), 'utf8');
  assert.equal(readFileSync(rc, 'utf8').trim(), '2', out + err);
  assert.equal(existsSync(marker), false, 'PID 1 was sent SIGTERM');
  assert.doesNotMatch(out, /stopped/);
  assert.match(err, /PID file .* names process 1, /);
});

test('a process of another user, even with a forged status file beside the PID file: refused, never signalled', async (t) => {
  const user = throwAwayUser(t, 'hbpidfoe');
  if (!user) return;
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout);
  const s = sandbox();
  t.after(() => s.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'hb-foe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  const sleep = victim(t, { uid, gid });
  try {
    foreignProcess(sleep, dir, uid, gid, s.env);
  } finally {
    // Before the user is removed: userdel refuses a user with a live process.
    await sleep.end();
  }
});

function foreignProcess(sleep: ChildProcess, dir: string, uid: number, gid: number, env: NodeJS.ProcessEnv): void {
  const p = join(dir, 'daemon.pid');
  // The user writes both files, as they could in a directory of their own.
  const write = (path: string, text: string) => {
    const w = spawnSync('sh', ['-c', 'cat > "$1"', 'sh', path], { input: text, uid, gid });
    assert.equal(w.status, 0, String(w.stderr));
  };
  write(p, `${sleep.pid}\n`);
  write(join(dir, 'daemon.json'), forgedRecord(sleep.pid!, dir));
  assert.equal(statSync(p).uid, uid);

  const stop = hb(['daemon', 'stop', '--pid-file', p, '--timeout', '1s'], { env, timeoutMs: 20_000 });
  assert.equal(stop.code, 2, stop.stdout + stop.stderr);
  assert.match(stop.stderr, refusal);
  assert.match(stop.stderr, /its command line is not hb daemon start \(sleep 300\)/);
  assert.ok(alive(sleep.pid!), "the other user's process was never signalled");
  const status = hb(['daemon', 'status', '--pid-file', p], { env, timeoutMs: 20_000 });
  assert.equal(status.code, 2);
  assert.doesNotMatch(status.stdout, /running/);
}

test("a PID file another user wrote naming root's own daemon: refused, the daemon keeps running", async (t) => {
  const user = throwAwayUser(t, 'hbpidfoe2');
  if (!user) return;
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout);
  const s = sandbox();
  const dir = mkdtempSync(join(tmpdir(), 'hb-foe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  writeFileSync(join(s.root, 'hb.yaml'), 'jobs:\n  a:\n    every: 1h\n    command: "true"\n');
  const daemon = spawn(process.execPath, [HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start'], { env: s.env, stdio: 'ignore' });
  t.after(() => {
    if (alive(daemon.pid!)) daemon.kill('SIGKILL');
    s.cleanup();
  });
  await waitFor(() => existsSync(join(s.state, 'daemon.json')), "the daemon's status file");
  const p = join(dir, 'daemon.pid');
  for (const [path, text] of [
    [p, `${daemon.pid}\n`],
    [join(dir, 'daemon.json'), readFileSync(join(s.state, 'daemon.json'), 'utf8')],
  ] as const) {
    const w = spawnSync('sh', ['-c', 'cat > "$1"', 'sh', path], { input: text, uid, gid });
    assert.equal(w.status, 0, String(w.stderr));
  }
  const stop = hb(['daemon', 'stop', '--pid-file', p, '--timeout', '1s'], { env: s.env, timeoutMs: 20_000 });
  assert.equal(stop.code, 2, stop.stdout + stop.stderr);
  assert.match(stop.stderr, refusal);
  assert.match(stop.stderr, new RegExp(`it runs as uid 0, and the PID file belongs to uid ${uid}`));
  assert.ok(alive(daemon.pid!), 'the daemon was never signalled');
  // Its own PID file still stops it.
  const own = hb(['daemon', 'stop'], { env: s.env, timeoutMs: 20_000 });
  assert.equal(own.code, 0, own.stderr);
  await waitFor(() => !alive(daemon.pid!), 'the daemon to stop');
});

test('--pid-file /dev/zero, a FIFO or a huge file: exit 2 at once, nothing read whole, nothing replaced', (t) => {
  if (!requireTool(t, 'mkfifo')) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(s.root, { recursive: true });
  const fifo = join(s.root, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const huge = join(s.root, 'huge');
  writeFileSync(huge, `${process.pid}\n`.padEnd(1 << 20, ' '));
  const cases: Array<[string, RegExp]> = [
    ['/dev/zero', /\/dev\/zero is a character device, not a regular file/],
    [fifo, /fifo is a FIFO, not a regular file/],
    [huge, /huge holds more than \d+ bytes; a PID file holds one pid/],
  ];
  for (const [path, says] of cases) {
    for (const sub of ['status', 'stop', 'start']) {
      const r = hb(['daemon', sub, '--pid-file', path], { env: s.env, timeoutMs: 10_000 });
      assert.equal(r.signal, null, `${sub} ${path} hung or slurped (killed after 10 s)`);
      assert.equal(r.code, 2, `${sub} ${path}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, says, `${sub} ${path}`);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    }
  }
  assert.ok(statSync('/dev/zero').isCharacterDevice(), '/dev/zero is still the device');
  assert.ok(statSync(fifo).isFIFO());
  assert.equal(existsSync(join(s.state, 'daemon.lock')), false);
});

test("a real hb daemon running as PID 1 (a container's first process): status says running, stop never signals it", async (t) => {
  if (!requireTool(t, 'unshare') || !requireTool(t, 'nsenter')) return;
  const s = sandbox();
  mkdirSync(s.root, { recursive: true });
  writeFileSync(join(s.root, 'hb.yaml'), 'jobs:\n  a:\n    every: 1h\n    command: "true"\n');
  const outer = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start'], {
    env: s.env,
    stdio: 'ignore',
  });
  const outerExited = new Promise((resolve) => outer.on('exit', resolve));
  let daemonPid = 0;
  t.after(async () => {
    if (daemonPid && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await outerExited;
    s.cleanup();
  });
  await waitFor(() => existsSync(join(s.state, 'daemon.json')), "the daemon's status file");
  daemonPid = Number(readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim());
  assert.equal(readFileSync(join(s.state, 'daemon.pid'), 'utf8'), '1\n', 'the daemon is PID 1 of its namespace');
  const inside = (sub: string) =>
    spawnSync('nsenter', ['-t', String(daemonPid), '-p', '-m', process.execPath, HB, 'daemon', sub], { env: s.env, encoding: 'utf8', timeout: 20_000 });
  const status = inside('status');
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /^hb daemon: running \(pid 1, /);
  const stop = inside('stop');
  assert.equal(stop.status, 2, stop.stdout + stop.stderr);
  assert.match(stop.stderr, /names process 1, the system's init; hb never signals it/);
  assert.ok(alive(daemonPid), 'the daemon was not signalled');
  process.kill(daemonPid, 'SIGTERM');
  await outerExited;
});
