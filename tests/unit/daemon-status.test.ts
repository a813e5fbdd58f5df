// The daemon's PID file and lock (live refuses, dead is taken over, pid reuse is noticed) and the
// `hb daemon status` view built from its status file.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  claimDaemon,
  daemonLockPath,
  defaultPidFile,
  findDaemon,
  PID_FILE_MAX_BYTES,
  pidFileVerdict,
  readPidFile,
} from '../../lib/adapters/daemon/pid-file.ts';
import {
  daemonInfo,
  describeDaemon,
  infoPathFor,
  readDaemonInfo,
  removeDaemonInfo,
  renderDaemonStatus,
  writeDaemonInfo,
  type StatusFacts,
} from '../../lib/adapters/daemon/status.ts';
import { createPlan } from '../../lib/rules/daemon/scheduler.ts';
import { gatherFacts, type ProcessFacts } from '../../lib/adapters/run/proc.ts';

const root = mkdtempSync(join(tmpdir(), 'hb-daemon-status-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};
const me = gatherFacts(process.pid);
const self = { pid: process.pid, started_at: new Date().toISOString(), pid_started_ms: me.startMs, boot_id: me.bootId, host: 'h1' };
const gone = (): ProcessFacts => ({ bootId: me.bootId, state: null, startMs: null });

test('file names: daemon.pid, daemon.lock, and the status file beside the PID file', () => {
  assert.equal(defaultPidFile('/var/lib/hb'), '/var/lib/hb/daemon.pid');
  assert.equal(daemonLockPath('/var/lib/hb'), '/var/lib/hb/daemon.lock');
  assert.equal(infoPathFor('/var/lib/hb/daemon.pid'), '/var/lib/hb/daemon.json');
  assert.equal(infoPathFor('/run/hb'), '/run/hb.json');
});

test('readPidFile: absent, a pid (with or without newline), and anything else', () => {
  const d = newDir();
  const f = join(d, 'p');
  assert.deepEqual(readPidFile(f), { kind: 'absent' });
  for (const text of ['123\n', '123', ' 123 \n']) {
    writeFileSync(f, text);
    const r = readPidFile(f);
    assert.equal(r.kind === 'pid' && r.pid, 123, JSON.stringify(text));
  }
  for (const text of ['', 'abc', '12 13', '-5', '0']) {
    writeFileSync(f, text);
    assert.equal(readPidFile(f).kind, 'invalid', JSON.stringify(text));
  }
});

test('pidFileVerdict: no process is gone; a process older than the PID file is the daemon; a younger one reuses the pid', () => {
  const mtimeMs = Date.parse('2026-11-23T08:00:00Z');
  const read = { pid: 4242, mtimeMs };
  assert.equal(pidFileVerdict(read, { bootId: 'b', state: null, startMs: null }).gone, true);
  assert.equal(pidFileVerdict(read, { bootId: 'b', state: 'S', startMs: mtimeMs - 300 }).gone, false);
  assert.equal(pidFileVerdict(read, { bootId: 'b', state: 'Z', startMs: mtimeMs - 300 }).gone, true);
  const reused = pidFileVerdict(read, { bootId: 'b', state: 'S', startMs: mtimeMs + 3600_000 });
  assert.equal(reused.gone, true);
  assert.match(reused.reason, /reused/);
  // The status file pins the exact process: another boot is gone even if the pid lives.
  assert.equal(
    pidFileVerdict(
      read,
      { bootId: 'now', state: 'S', startMs: mtimeMs - 300 },
      { pid: 4242, started_at: '2026-11-23T07:59:59Z', boot_id: 'before', pid_started_ms: mtimeMs - 300 },
    ).gone,
    true,
  );
});

test('claimDaemon: writes the pid; a second daemon on the same state directory is refused while the first lives', () => {
  const d = newDir();
  const pidFile = defaultPidFile(d);
  const first = claimDaemon(d, pidFile, self);
  assert.equal(first.ok, true);
  assert.equal(readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
  const second = claimDaemon(d, join(d, 'other.pid'), { ...self, pid: process.pid + 1 });
  assert.equal(second.ok, false);
  assert.equal(!second.ok && second.pid, process.pid);
  assert.match(!second.ok ? second.reason : '', /a daemon already runs on state directory .*: process \d+ holds the lock/);
  if (first.ok) first.release();
  assert.equal(existsSync(pidFile), false);
  assert.equal(existsSync(daemonLockPath(d)), false);
});

test("claimDaemon: a dead daemon's lock and PID file are taken over and said so", () => {
  const d = newDir();
  const pidFile = defaultPidFile(d);
  writeFileSync(
    daemonLockPath(d),
    JSON.stringify({ pid: 999_999_9, started_at: '2026-01-01T00:00:00Z', pid_started_ms: null, boot_id: me.bootId, token: 'x1' }) + '\n',
  );
  writeFileSync(pidFile, '9999999\n');
  const claim = claimDaemon(d, pidFile, self, (pid) => (pid === process.pid ? me : gone()));
  assert.equal(claim.ok, true);
  assert.deepEqual(claim.ok && claim.replaced.map((r) => r.replace(/\(.*\)/, '(…)')), [
    'took over the lock of a daemon that is gone (…)',
    `replaced stale PID file ${pidFile} (…)`,
  ]);
  assert.equal(readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
  if (claim.ok) claim.release();
});

test("claimDaemon: a PID file naming a live process (another state directory's daemon) is refused", () => {
  const d = newDir();
  const pidFile = join(d, 'shared.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  utimesSync(pidFile, new Date(), new Date()); // written after this process started: it is the daemon
  const claim = claimDaemon(d, pidFile, { ...self, pid: 1234567 }, (pid) => (pid === process.pid ? me : gone()));
  assert.equal(claim.ok, false);
  assert.match(!claim.ok ? claim.reason : '', /PID file .*shared\.pid belongs to running process/);
  assert.equal(existsSync(daemonLockPath(d)), false, 'the lock is let go again');
});

test('release leaves a PID file that another daemon has since written', () => {
  const d = newDir();
  const pidFile = defaultPidFile(d);
  const claim = claimDaemon(d, pidFile, self);
  writeFileSync(pidFile, '777\n');
  if (claim.ok) claim.release();
  assert.equal(readFileSync(pidFile, 'utf8'), '777\n');
});

const t0 = Date.parse('2026-11-23T08:00:00Z');
const info = daemonInfo(
  {
    pid: 4242,
    host: 'h1',
    started_at: new Date(t0).toISOString(),
    pid_started_ms: t0 - 50,
    boot_id: 'b',
    config: '/etc/hb/hb.yaml',
    state_dir: '/var/lib/hb',
    pid_file: '/var/lib/hb/daemon.pid',
    stop_timeout_ms: 30_000,
    ignored: [],
  },
  createPlan(
    [
      { name: 'backup', kind: 'tick', schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' }, lock: true },
      { name: 'fast', kind: 'tick', schedule: { every: '500ms' }, lock: false },
      { name: 'hb-check', kind: 'check', schedule: { every: '1m' }, lock: true },
    ],
    new Map(),
    t0,
  ).slots,
  t0,
);
const facts = (over: Partial<StatusFacts>): StatusFacts => ({
  pidFile: '/var/lib/hb/daemon.pid',
  pid: 4242,
  notRunning: null,
  info,
  processStartMs: null,
  runningPid: () => null,
  nowMs: t0 + 3_723_250,
  ...over,
});

test("status: running, uptime, and each job's next run computed the way the daemon schedules", () => {
  const s = describeDaemon(facts({ runningPid: (job) => (job === 'backup' ? 777 : null) }));
  assert.equal(s.running, true);
  assert.equal(s.uptime_s, 3723);
  assert.deepEqual(
    s.jobs.map((j) => [j.job, j.next_run, j.running_pid]),
    [
      ['backup', '2026-11-24T01:30:00.000Z', 777],
      ['fast', '2026-11-23T09:02:03.500Z', null],
      ['hb-check', '2026-11-23T09:03:00.000Z', null],
    ],
  );
  const text = renderDaemonStatus(s);
  assert.match(text, /^hb daemon: running \(pid 4242, up 1h2m, since 2026-11-23T08:00:00Z\)\n/);
  assert.match(text, /\nbackup +cron 30 2 \* \* \* \(Europe\/Berlin\) +yes +2026-11-24T01:30:00Z \(in 16h27m\) +pid 777\n/);
  assert.match(text, /\nhb-check \(hb check\) +every 1m +yes /);
});

test('status: not running says why; a live pid without a status file shows no job list', () => {
  const down = describeDaemon(facts({ pid: null, info: null, notRunning: 'no PID file /var/lib/hb/daemon.pid' }));
  assert.equal(down.running, false);
  assert.equal(renderDaemonStatus(down), 'hb daemon: not running (no PID file /var/lib/hb/daemon.pid)\n');
  const bare = describeDaemon(facts({ info: null, processStartMs: t0 }));
  assert.equal(bare.running, true);
  assert.deepEqual(bare.jobs, []);
  assert.match(renderDaemonStatus(bare), /status file is missing/);
});

test('status file: written atomically, read back, removed only by its own pid', () => {
  const d = newDir();
  const path = infoPathFor(defaultPidFile(d));
  writeDaemonInfo(path, info);
  assert.deepEqual(readDaemonInfo(path), info);
  removeDaemonInfo(path, 1);
  assert.ok(existsSync(path));
  removeDaemonInfo(path, 4242);
  assert.equal(existsSync(path), false);
  writeFileSync(path, '{"v":2}');
  assert.equal(readDaemonInfo(path), null);
});

test('findDaemon: no PID file, a stale one, a live one (pinned by its status file)', () => {
  const d = newDir();
  const pidFile = defaultPidFile(d);
  assert.deepEqual(findDaemon(pidFile), { pid: null, info: null, claim: null, notRunning: `no PID file ${pidFile}`, refused: null });
  writeFileSync(pidFile, 'garbage');
  assert.match(findDaemon(pidFile).notRunning ?? '', /holds no pid \("garbage"\)/);
  writeFileSync(pidFile, '4242\n');
  assert.match(findDaemon(pidFile, gone).notRunning ?? '', /^stale PID file .*: process 4242 is not running$/);
  writeFileSync(pidFile, `${process.pid}\n`);
  const argv = ['/usr/bin/node', '/usr/local/lib/node_modules/hb/dist/hb.js', 'daemon', 'start'];
  writeDaemonInfo(infoPathFor(pidFile), { ...info, pid: process.pid, pid_started_ms: me.startMs, boot_id: me.bootId, cmdline: argv });
  const owner = statSync(pidFile).uid;
  const live = findDaemon(pidFile, gatherFacts, () => ({ argv, uid: owner }));
  assert.equal(live.notRunning, null);
  assert.equal(live.refused, null);
  assert.equal(live.pid, process.pid);
  assert.equal(live.info?.pid, process.pid);
  assert.equal(live.claim?.pid_started_ms, me.startMs);
  // The same record, but this process as it really is (not an hb daemon): refused, never "running".
  assert.match(findDaemon(pidFile).refused ?? '', /names process \d+, which is not an hb daemon hb can verify: its command line is not hb daemon start \(/);
  assert.match(
    findDaemon(pidFile, gatherFacts, () => ({ argv, uid: owner + 1 })).refused ?? '',
    new RegExp(`it runs as uid ${owner + 1}, and the PID file belongs to uid ${owner}`),
  );
  // No status file beside it: a live pid with no hb record is refused.
  unlinkSync(infoPathFor(pidFile));
  assert.match(findDaemon(pidFile, gatherFacts, () => ({ argv, uid: owner })).refused ?? '', /no status file .*daemon\.json records it/);
});

test('readPidFile reads a few bytes of a regular file, never through a link, never a FIFO or device', () => {
  const d = newDir();
  assert.match(
    readPidFile('/dev/zero').kind === 'unusable' ? (readPidFile('/dev/zero') as { reason: string }).reason : '',
    /^\/dev\/zero is a character device, not a regular file; a PID file is a regular file holding one pid$/,
  );
  writeFileSync(join(d, 'big'), '1'.padEnd(PID_FILE_MAX_BYTES + 1, ' '));
  assert.deepEqual(readPidFile(join(d, 'big')), {
    kind: 'unusable',
    reason: `${join(d, 'big')} holds more than ${PID_FILE_MAX_BYTES} bytes; a PID file holds one pid`,
  });
  writeFileSync(join(d, 'ok'), '77\n');
  symlinkSync(join(d, 'ok'), join(d, 'link'));
  assert.equal(readPidFile(join(d, 'link')).kind, 'unusable');
  assert.throws(() => findDaemon(join(d, 'big')), { name: 'UsageError', exitCode: 2 });
});

test('status: the load from the status file (runs, late and lost fires, the last minute), and a forged one left out', () => {
  const load = {
    running: 3,
    waiting: 968,
    max_concurrent: 32,
    fires: 5000,
    late: 312,
    lost: 4,
    overload_minutes: 2,
    last_overload_at: '2026-11-23T08:59:00.000Z',
    last_minute: { from: '2026-11-23T09:01:00.000Z', fires: 1000, late: 0, lost: 0, lag_p50_ms: 240, lag_p99_ms: 1800, lag_max_ms: 1950, peak_waiting: 968 },
  };
  const s = describeDaemon(facts({ info: { ...info, load } }));
  assert.deepEqual(s.load, load);
  assert.match(
    renderDaemonStatus(s),
    /\nload: {5}3 running, 968 waiting \(--max-concurrent 32\); 5000 fires, 312 late, 4 lost; OVERLOADED 2 min \(last from 2026-11-23T08:59:00Z\); minute from 2026-11-23T09:01:00Z: 1000 fires, start lag p50 240ms, p99 1800ms, max 1950ms\n/,
  );
  assert.equal(describeDaemon(facts({})).load, null, 'a status file without load (an older daemon)');
  const calm = describeDaemon(facts({ info: { ...info, load: { ...load, overload_minutes: 0, last_overload_at: null, last_minute: null } } }));
  assert.match(renderDaemonStatus(calm), /\nload: {5}3 running, 968 waiting \(--max-concurrent 32\); 5000 fires, 312 late, 4 lost; never overloaded\n/);

  const d = newDir();
  const path = infoPathFor(defaultPidFile(d));
  writeDaemonInfo(path, { ...info, load });
  assert.deepEqual(readDaemonInfo(path)?.load, load);
  for (const forged of [{ ...load, late: '\u001b[2J' }, { ...load, fires: -1 }, { ...load, last_minute: { ...load.last_minute, from: 'x\u001b' } }, 'busy']) {
    writeFileSync(path, JSON.stringify({ ...info, load: forged }));
    const read = readDaemonInfo(path);
    assert.equal(read?.pid, 4242, 'the rest of the file is still read');
    assert.equal(read?.load, undefined, JSON.stringify(forged));
  }
});
