// `hb daemon` through the built CLI: the real daemon runs its jobs' ticks (and hb check) on second
// schedules; tests wait on its log lines and files (bounded polling), send real signals and
// check PID file, heartbeats, reload, shutdown, crash detection and systemd notifications.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, hbRun, readEventsFile, readJson, requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';

/** A daemon started by a test, with its output collected as it comes. */
interface Daemon {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  stdout(): string;
  /** Resolves with the daemon's own exit (its children may still hold the pipes). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until the log has a line matching `re` (after `from` characters) and returns it. */
  line(re: RegExp, what: string, timeoutMs?: number, from?: number): Promise<string>;
}

function startDaemon(s: Sandbox, args: string[] = [], env: NodeJS.ProcessEnv = s.env): Daemon {
  const child = spawn(process.execPath, [HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = async (re: RegExp, what: string, timeoutMs = 10_000, from = 0) => {
    const find = () =>
      stderr
        .slice(from)
        .split('\n')
        .find((l) => re.test(l));
    try {
      await waitFor(() => find() !== undefined, what, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- daemon stderr ---\n${stderr}`, { cause: e });
    }
    return find()!;
  };
  return { child, pid: child.pid!, stderr: () => stderr, stdout: () => stdout, exited, line };
}

function writeConfig(s: Sandbox, text: string): string {
  const path = join(s.root, 'hb.yaml');
  writeFileSync(path, text);
  return path;
}

const alive = (pid: number) => {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return null;
    }
  })();
  return stat !== null && !/^\d+ \(.*\) [ZX] /.test(stat);
};
const cycleOf = (s: Sandbox, job: string) => (existsSync(join(s.state, `${job}.last`)) ? (readJson(join(s.state, `${job}.last`)).cycle as number) : 0);

/** Kills whatever a test left running: the daemon, and runs it left behind (from their markers). */
function cleanup(s: Sandbox, d: Daemon | null): void {
  if (d && alive(d.pid)) process.kill(d.pid, 'SIGKILL');
  for (const f of existsSync(s.state) ? readdirSync(s.state).filter((n) => n.endsWith('.run')) : []) {
    try {
      const m = readJson(join(s.state, f));
      for (const target of [m.pid, m.child_pid ? -m.child_pid : 0])
        if (target)
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            /* gone */
          }
    } catch {
      // Not readable: nothing to kill.
    }
  }
  s.cleanup();
}

/** A pid that surely belongs to no process: one that just exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

test("runs each job's tick on schedule (inside the daemon, the record names its pid); PID file, status, a refused second daemon, and stop", async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  fast:\n    every: 1s\n    command: "true"\n  slower:\n    every: 1s\n    command: "exit 3"\n  pinged:\n    every: 1h\n');
    d = startDaemon(s);
    const started = await d.line(/hb daemon: started \(pid \d+\)/, 'the started line');
    assert.match(
      started,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ hb daemon: started \(pid \d+\), config .*hb\.yaml, state .*: fast \(every 1s\), slower \(every 1s\), hb-check \(every 1m, lock\)$/,
    );
    assert.match(d.stderr(), /not running job pinged: it has a schedule but no command/);
    assert.equal(readFileSync(join(s.state, 'daemon.pid'), 'utf8'), `${d.pid}\n`);

    await waitFor(() => cycleOf(s, 'fast') >= 3 && cycleOf(s, 'slower') >= 2, 'heartbeats of fast and slower', 15_000);
    const first = readJson(join(s.state, 'fast.last'));
    await waitFor(() => cycleOf(s, 'fast') >= first.cycle + 2, 'the cycle of fast to grow', 10_000);
    const later = readJson(join(s.state, 'fast.last'));
    // The daemon runs each job's tick itself, around the job's own process: the record names the daemon.
    assert.equal(later.pid, d.pid);
    assert.equal(first.pid, d.pid);
    assert.equal(readJson(join(s.state, 'slower.last')).exit_code, 3);
    await d.line(/tick slower \(run \d+\) exited 3 after /, 'the failure line of slower');
    assert.equal(existsSync(join(s.state, 'pinged.last')), false, 'a job without a command is never pinged');

    const second = await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'start'], { env: s.env });
    assert.equal(second.code, 2);
    assert.match(
      second.stderr,
      /^hb: daemon not started: a daemon already runs on state directory .*: process \d+ holds the lock \(since .*\); stop it first with: hb daemon stop\n$/,
    );
    assert.equal(readFileSync(join(s.state, 'daemon.pid'), 'utf8'), `${d.pid}\n`, 'the refused daemon left the PID file alone');

    const status = await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'status'], { env: s.env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^hb daemon: running \\(pid ${d.pid}, up [^,]+, since .*Z\\)\\n`));
    assert.match(status.stdout, /\nfast +every 1s +no +\d{4}-\d\d-\d\dT[\d:]+Z \(in \d+m?s\) /);
    assert.match(status.stdout, /\nhb-check \(hb check\) +every 1m +yes /);
    const json = JSON.parse((await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'status', '--json'], { env: s.env })).stdout);
    assert.equal(json.running, true);
    assert.equal(json.pid, d.pid);
    assert.deepEqual(
      json.jobs.map((j: { job: string }) => j.job),
      ['fast', 'slower', 'hb-check'],
    );
    const nextFast = Date.parse(json.jobs[0].next_run) - Date.parse(json.checked_at);
    assert.ok(nextFast > 0 && nextFast <= 1000, `fast runs within 1 s (${nextFast})`);

    const stop = await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'stop'], { env: s.env });
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`^hb daemon: stopped \\(pid ${d.pid}\\) after `));
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    assert.match(d.stderr(), /hb daemon: SIGTERM: stopping\n(.*\n)*.*hb daemon: stopped\n$/);
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
    assert.equal(existsSync(join(s.state, 'daemon.json')), false);
    assert.equal(existsSync(join(s.state, 'daemon.lock')), false);
    const after = await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'status'], { env: s.env });
    assert.equal(after.code, 1);
    assert.match(after.stdout, /^hb daemon: not running \(no PID file .*daemon\.pid\)\n$/);
    assert.equal((await hbRun(['--config', join(s.root, 'hb.yaml'), 'daemon', 'stop'], { env: s.env })).code, 0, 'stopping a stopped daemon is fine');
  } finally {
    cleanup(s, d);
  }
});

test('SIGHUP: a broken config keeps the old one and says why; a fixed one picks up a new job', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    const cfg = writeConfig(s, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n');
    d = startDaemon(s, ['--quiet']);
    await d.line(/hb daemon: started/, 'the started line');
    await waitFor(() => cycleOf(s, 'a') >= 1, 'a first heartbeat of a');

    writeFileSync(cfg, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n  b: [\n');
    const mark = d.stderr().length;
    process.kill(d.pid, 'SIGHUP');
    const failed = await d.line(/reload failed/, 'the reload failure', 10_000, mark);
    assert.match(failed, /^\S+ hb daemon: reload failed, keeping the previous config: .*hb\.yaml:\d+:\d+: invalid YAML: /);
    assert.ok(alive(d.pid), 'still running');
    const status = JSON.parse((await hbRun(['daemon', 'status', '--json'], { env: s.env })).stdout);
    assert.deepEqual(
      status.jobs.map((j: { job: string }) => j.job),
      ['a', 'hb-check'],
      'the old plan stays',
    );

    writeFileSync(cfg, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n  b:\n    every: 1s\n    command: "true"\n');
    process.kill(d.pid, 'SIGHUP');
    assert.match(await d.line(/reloaded /, 'the reload line', 10_000, mark), /hb daemon: reloaded .*hb\.yaml: \+b$/);
    await waitFor(() => cycleOf(s, 'b') >= 2, 'heartbeats of the new job b', 10_000);
    const cycleA = cycleOf(s, 'a');
    await waitFor(() => cycleOf(s, 'a') > cycleA, 'a keeps running after the reload', 10_000);
    process.kill(d.pid, 'SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
  } finally {
    cleanup(s, d);
  }
});

test('the runs keep the config the daemon holds: a broken edit (reloaded or not) never reaches them; a good one does at SIGHUP', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    const cfg = writeConfig(s, 'jobs:\n  a:\n    every: 1s\n    command: "echo held-config"\n');
    d = startDaemon(s);
    await d.line(/hb daemon: started/, 'the started line');
    await waitFor(() => cycleOf(s, 'a') >= 1, 'a first heartbeat of a');
    const copy = join(s.state, 'daemon', 'config.yaml');
    assert.equal(statSync(copy).mode & 0o777, 0o600, 'the copy the runs read is private, as the config may hold secrets');

    // Broken and reloaded: the daemon says it keeps the previous config, and its runs do keep it.
    writeFileSync(cfg, 'jobs:\n  a:\n    every: 1s\n    command: "echo held-config"\n  b: [\n');
    let mark = d.stderr().length;
    process.kill(d.pid, 'SIGHUP');
    await d.line(/reload failed, keeping the previous config/, 'the reload failure', 10_000, mark);
    const before = cycleOf(s, 'a');
    await waitFor(() => cycleOf(s, 'a') >= before + 3, 'a keeps recording heartbeats under the broken file', 15_000);
    const rec = readJson(join(s.state, 'a.last'));
    assert.equal(rec.exit_code, 0);
    assert.equal(rec.output_tail, 'held-config\n', 'the command of the config the daemon holds');
    assert.doesNotMatch(d.stderr().slice(mark), /exited 2|hb: .*hb\.yaml/, 'no run read the broken file');

    // A valid edit without SIGHUP is not used yet: the runs follow the daemon, not the file.
    writeFileSync(cfg, 'jobs:\n  a:\n    every: 1s\n    command: "echo edited; exit 7"\n');
    const edited = cycleOf(s, 'a');
    await waitFor(() => cycleOf(s, 'a') >= edited + 2, 'two more runs of a', 15_000);
    assert.equal(readJson(join(s.state, 'a.last')).exit_code, 0, 'still the held config until the reload');

    mark = d.stderr().length;
    process.kill(d.pid, 'SIGHUP');
    assert.match(await d.line(/reloaded /, 'the reload line', 10_000, mark), /hb daemon: reloaded .*hb\.yaml: no change to the schedule$/);
    await waitFor(() => existsSync(join(s.state, 'a.last')) && readJson(join(s.state, 'a.last')).exit_code === 7, 'the reloaded command runs', 15_000);
    assert.equal(readJson(join(s.state, 'a.last')).output_tail, 'edited\n');
    process.kill(d.pid, 'SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    assert.equal(existsSync(copy), false, 'the copy goes with the daemon');
  } finally {
    cleanup(s, d);
  }
});

test('SIGTERM lets a running slow tick finish, then removes the PID file and exits 0', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  slow:\n    every: 1s\n    lock: true\n    command: "sleep 2.5"\n');
    d = startDaemon(s);
    await waitFor(() => existsSync(join(s.state, 'slow.run')), 'a run of slow in flight', 10_000);
    const marker = readJson(join(s.state, 'slow.run'));
    // Fires during the run are skipped (lock): the daemon says so, and the event log has it.
    await d.line(/skipped tick slow due at .*: the previous run \(run \d+, started .*\) is still going and the job has lock/, 'an overlap skip');
    process.kill(d.pid, 'SIGTERM');
    await d.line(/stopping: waiting up to 30s for 1 run: tick slow \(run \d+\) to finish/, 'the stopping line');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    const rec = readJson(join(s.state, 'slow.last'));
    assert.equal(rec.cycle, marker.cycle, 'the run in flight wrote its heartbeat');
    assert.equal(rec.status, 'ok');
    assert.equal(rec.signal, null, 'it finished, it was not stopped');
    assert.ok(rec.duration_ms >= 2400, `it ran its full 2.5 seconds (${rec.duration_ms} ms)`);
    assert.equal(existsSync(join(s.state, 'slow.run')), false);
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
    assert.doesNotMatch(d.stderr().split('SIGTERM: stopping')[1]!, /started tick/, 'no new run after the stop');
    const skips = readEventsFile(s.state).filter((e: { type: string }) => e.type === 'overlap_skipped');
    assert.ok(skips.length >= 1);
    assert.equal(skips[0].by, 'daemon');
    assert.equal(skips[0].holder_pid, marker.pid);
  } finally {
    cleanup(s, d);
  }
});

test("--stop-timeout: a run that outlasts it gets SIGTERM (its command's process group) and records the signal", async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  stuck:\n    every: 1s\n    lock: true\n    command: "sleep 30"\n');
    d = startDaemon(s, ['--stop-timeout', '300ms']);
    await waitFor(() => existsSync(join(s.state, 'stuck.run')) && Boolean(readJson(join(s.state, 'stuck.run')).child_pid), 'a run of stuck in flight', 10_000);
    const t0 = Date.now();
    process.kill(d.pid, 'SIGINT');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    assert.ok(Date.now() - t0 < 8000, 'stopped well before the job would have ended');
    assert.match(
      d.stderr(),
      /hb daemon: SIGINT: stopping\n.*stopping: waiting up to 300ms for 1 run: tick stuck \(run \d+\) to finish\n.*sending SIGTERM to 1 run: tick stuck \(run \d+\)\n/,
    );
    assert.match(d.stderr(), /tick stuck \(run \d+\) exited 143 after /);
    const rec = readJson(join(s.state, 'stuck.last'));
    assert.equal(rec.signal, 'SIGTERM');
    assert.equal(rec.exit_code, null);
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
  } finally {
    cleanup(s, d);
  }
});

test('a stale PID file (a dead pid) is replaced', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n');
    mkdirSync(s.state, { recursive: true });
    const dead = deadPid();
    writeFileSync(join(s.state, 'daemon.pid'), `${dead}\n`);
    const status = await hbRun(['daemon', 'status'], { env: s.env });
    assert.equal(status.code, 1);
    assert.match(status.stdout, new RegExp(`not running \\(stale PID file .*daemon\\.pid: process ${dead} is not running\\)`));
    d = startDaemon(s);
    assert.match(
      await d.line(/replaced stale PID file/, 'the takeover line'),
      new RegExp(`replaced stale PID file .*daemon\\.pid \\(process ${dead} is not running\\)$`),
    );
    await d.line(/hb daemon: started/, 'the started line');
    assert.equal(readFileSync(join(s.state, 'daemon.pid'), 'utf8'), `${d.pid}\n`);
    process.kill(d.pid, 'SIGTERM');
    assert.equal((await d.exited).code, 0);
  } finally {
    cleanup(s, d);
  }
});

test('kill -9 of the daemon and its tick: the next daemon takes over and the crashed run is detected', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  slow:\n    every: 1s\n    lock: true\n    command: "sleep 0.8"\n');
    d = startDaemon(s);
    await waitFor(() => existsSync(join(s.state, 'slow.run')) && Boolean(readJson(join(s.state, 'slow.run')).child_pid), 'a run of slow in flight', 10_000);
    const marker = readJson(join(s.state, 'slow.run'));
    // The whole container goes down at once: the daemon, the tick and the job.
    for (const target of [d.pid, marker.pid, -marker.child_pid]) process.kill(target, 'SIGKILL');
    await d.exited;
    await waitFor(() => !alive(marker.pid), 'the killed tick to be gone');

    d = startDaemon(s);
    await d.line(/took over the lock of a daemon that is gone/, 'the lock takeover');
    assert.match(
      await d.line(/never finished/, 'the leftover report'),
      new RegExp(
        `tick slow \\(pid ${marker.pid}, cycle ${marker.cycle}, started .*\\) never finished: process ${marker.pid} (is not running|has exited \\(zombie, not yet reaped\\)); its next run records it as crashed$`,
      ),
    );
    assert.match(d.stderr(), /replaced stale PID file/);
    await waitFor(() => readEventsFile(s.state).some((e: { type: string }) => e.type === 'crash_detected'), 'crash_detected in the event log', 10_000);
    const crash = readEventsFile(s.state).find((e: { type: string }) => e.type === 'crash_detected');
    assert.equal(crash.job, 'slow');
    assert.equal(crash.pid, marker.pid);
    await waitFor(() => cycleOf(s, 'slow') > marker.cycle, 'the next run of slow to finish', 10_000);
    assert.deepEqual(readJson(join(s.state, 'slow.last')).previous, { status: 'crashed', cycle: marker.cycle, started_at: marker.started_at, pid: marker.pid });
    process.kill(d.pid, 'SIGTERM');
    assert.equal((await d.exited).code, 0);
  } finally {
    cleanup(s, d);
  }
});

const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    data = s.recvmsg(4096)[0]
    print(data.decode().replace("\\n", "|"), flush=True)
`;

test('NOTIFY_SOCKET: READY=1 when scheduling starts, WATCHDOG=1 every half WATCHDOG_USEC, STOPPING=1; jobs do not see the socket', async (t: TestContext) => {
  if (!requireTool(t, 'systemd-notify') || !requireTool(t, 'python3')) return;
  const s = sandbox();
  let d: Daemon | null = null;
  mkdirSync(s.root, { recursive: true });
  const sock = join(s.root, 'notify.sock');
  const listener = spawn('python3', ['-c', LISTENER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let heard = '';
  listener.stdout.setEncoding('utf8').on('data', (x: string) => (heard += x));
  try {
    await waitFor(() => heard.includes('LISTENING'), 'the datagram listener');
    writeConfig(s, 'jobs:\n  env:\n    every: 1s\n    command: env > "$HB_STATE_DIR/job-env.txt"\n');
    d = startDaemon(s, [], { ...s.env, NOTIFY_SOCKET: sock, WATCHDOG_USEC: '400000' });
    await waitFor(() => heard.includes('READY=1'), 'READY=1', 10_000);
    assert.match(heard, /^READY=1\|STATUS=scheduling 2 jobs$/m);
    await waitFor(() => heard.split('\n').filter((l) => l === 'WATCHDOG=1').length >= 3, 'three WATCHDOG=1', 10_000);
    // The file exists once the shell opens it; env has written it when it ends in a newline.
    await waitFor(
      () => existsSync(join(s.state, 'job-env.txt')) && readFileSync(join(s.state, 'job-env.txt'), 'utf8').endsWith('\n'),
      'a run of the env job',
      10_000,
    );
    const jobEnv = readFileSync(join(s.state, 'job-env.txt'), 'utf8');
    assert.match(jobEnv, /^HB_JOB=env$/m);
    assert.doesNotMatch(jobEnv, /NOTIFY_SOCKET|WATCHDOG_USEC/);
    process.kill(d.pid, 'SIGTERM');
    assert.equal((await d.exited).code, 0);
    await waitFor(() => heard.includes('STOPPING=1'), 'STOPPING=1', 5000);
    assert.doesNotMatch(d.stderr(), /systemd-notify|NOTIFY_SOCKET/, 'nothing to complain about');
  } finally {
    listener.kill();
    cleanup(s, d);
  }
});

test('NOTIFY_SOCKET without systemd-notify on PATH: said once, the daemon goes on', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  try {
    writeConfig(s, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n');
    d = startDaemon(s, [], { ...s.env, PATH: join(s.root, 'empty-path'), NOTIFY_SOCKET: join(s.root, 'nobody.sock'), WATCHDOG_USEC: '200000' });
    await d.line(
      /NOTIFY_SOCKET is set but systemd-notify is not installed \(not found on PATH\): no READY\/WATCHDOG notifications will be sent/,
      'the one notice',
    );
    await waitFor(() => cycleOf(s, 'a') >= 3, 'runs going on', 10_000);
    assert.equal(d.stderr().split('systemd-notify').length - 1, 1, 'said once');
    process.kill(d.pid, 'SIGTERM');
    assert.equal((await d.exited).code, 0);
  } finally {
    cleanup(s, d);
  }
});

test('--detach: returns once the PID file is written, logs to <state>/daemon.log, stops through the PID file', async () => {
  const s = sandbox();
  let pid = 0;
  try {
    writeConfig(s, 'jobs:\n  a:\n    every: 1s\n    command: "true"\n');
    const cfg = ['--config', join(s.root, 'hb.yaml')];
    const r = await hbRun([...cfg, 'daemon', 'start', '--detach'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    const m = /^hb daemon: started in the background \(pid (\d+)\); log: (.*daemon\.log)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    pid = Number(m[1]);
    assert.equal(readFileSync(join(s.state, 'daemon.pid'), 'utf8'), `${pid}\n`);
    assert.ok(alive(pid));
    await waitFor(() => cycleOf(s, 'a') >= 2, 'runs of the detached daemon', 10_000);
    assert.match(readFileSync(m[2]!, 'utf8'), /hb daemon: started tick a \(run \d+\)/);

    const again = await hbRun([...cfg, 'daemon', 'start', '--detach'], { env: s.env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /hb: daemon not started: a daemon already runs on state directory/);

    const stop = await hbRun([...cfg, 'daemon', 'stop'], { env: s.env });
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(() => !alive(pid), 'the detached daemon to exit');
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
    assert.match(readFileSync(m[2]!, 'utf8'), /hb daemon: stopped\n$/);
  } finally {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    s.cleanup();
  }
});

test('usage: a subcommand is needed; bad durations name the flag', () => {
  const s = sandbox();
  try {
    const bare = hb(['daemon'], { env: s.env });
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, 'hb: daemon: a subcommand is needed: expected start, stop or status\n');
    const typo = hb(['daemon', 'strat'], { env: s.env });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown subcommand "strat"/);
    const bad = hb(['daemon', 'start', '--stop-timeout', 'soon'], { env: s.env });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'hb: --stop-timeout: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)\n');
    const broken = join(s.root, 'broken.yaml');
    writeFileSync(broken, 'jobs:\n  a:\n    every: often\n');
    const cfg = hb(['--config', broken, 'daemon', 'start'], { env: s.env });
    assert.equal(cfg.code, 2);
    assert.match(cfg.stderr, /^hb: .*broken\.yaml:3:12: jobs\.a\.every: "often" is not a duration/);
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
  } finally {
    s.cleanup();
  }
});

test('the Type=notify unit in docs/daemon.md passes systemd-analyze verify', (t: TestContext) => {
  if (!requireTool(t, 'systemd-analyze')) return;
  const s = sandbox();
  try {
    const doc = readFileSync(new URL('../../docs/daemon.md', import.meta.url), 'utf8');
    const unit = /```ini\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(unit, 'docs/daemon.md has an ini block');
    for (const key of [
      'Type=notify',
      'WatchdogSec=',
      'ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js daemon start',
      'ExecReload=/bin/kill -HUP $MAINPID',
    ]) {
      assert.ok(unit.includes(key), `the unit has ${key}`);
    }
    mkdirSync(s.root, { recursive: true });
    const file = join(s.root, 'hb-daemon.service');
    writeFileSync(file, unit);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warnings (unknown keys would only warn)');
  } finally {
    s.cleanup();
  }
});
