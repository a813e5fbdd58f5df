// `hb daemon start|stop|status`: wires the scheduler in lib/rules/daemon/ to this process — options,
// signals, timers, the log on stderr. The decisions live in lib/rules/daemon/, the process helpers in lib/adapters/daemon/.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatDuration } from '../../lib/rules/duration.ts';
import { HbError, UsageError } from '../../lib/rules/errors.ts';
import { startDetached } from '../../lib/adapters/daemon/detach.ts';
import { mayOverlap, selectJobs, scheduleText, type DaemonJob, type IgnoredJob } from '../../lib/rules/daemon/jobs.ts';
import { findLeftovers, leftoverLine, readAnchors } from '../../lib/adapters/daemon/leftovers.ts';
import { DaemonLoop, LOOP_DEFAULTS, daemonLogLine } from '../../lib/rules/daemon/loop.ts';
import { Notifier, jobEnv, notifySettings, systemdNotify } from '../../lib/adapters/daemon/notify.ts';
import { configCopyPath, removeConfigCopy, writeConfigCopy } from '../../lib/adapters/daemon/config-copy.ts';
import { readIdentity } from '../../lib/adapters/daemon/identity.ts';
import { daemonConfigProblems } from '../../lib/rules/daemon/limits.ts';
import { serveSignals } from '../../lib/rules/daemon/reload-driver.ts';
import { claimDaemon, defaultPidFile, findDaemon } from '../../lib/adapters/daemon/pid-file.ts';
import { recordSkip, signalRun, startRun, type HbCommand } from '../../lib/adapters/daemon/runs.ts';
import type { PlanChanges } from '../../lib/rules/daemon/scheduler.ts';
import { daemonInfo, describeDaemon, infoPathFor, removeDaemonInfo, renderDaemonStatus, writeDaemonInfo } from '../../lib/adapters/daemon/status.ts';
import { readRunMarker } from '../../lib/adapters/heartbeat/store.ts';
import { bootId, gatherFacts, isRunGone, processStartMs } from '../../lib/adapters/run/proc.ts';
import { openStateDir, trustFix, unsafeForRoot } from '../../lib/adapters/state/dir.ts';
import { loadContext, type Context, type GlobalOptions } from '../context.ts';
import { runEffects } from '../run-flags.ts';
import type { Io } from '../io.ts';
import type { RunEffects } from '../../lib/run/pipeline.ts';
import type { DaemonRun } from '../../lib/run/daemon-run.ts';

/** `hb daemon start` options. */
export interface DaemonStartOptions extends GlobalOptions {
  pidFile?: string;
  detach?: boolean;
  /** ms, from parseStopTimeout. */
  stopTimeout?: number;
  quiet?: boolean;
  /** From parseMaxConcurrent. */
  maxConcurrent?: number;
}

/** `hb daemon stop` / `status` options. */
export interface DaemonControlOptions extends GlobalOptions {
  pidFile?: string;
  /** ms, from parseStopWait. */
  timeout?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the scheduler in the foreground (or, with --detach, in the background) until stopped. */
export async function runDaemonStart(opts: DaemonStartOptions, io: Io): Promise<number> {
  const stopTimeoutMs = opts.stopTimeout ?? LOOP_DEFAULTS.stopTimeoutMs;
  const maxConcurrent = opts.maxConcurrent ?? LOOP_DEFAULTS.maxConcurrent;
  // The daemon reads the config file itself; a copy is what it hands its runs.
  const ctx = await loadContext({ ...opts, configSnapshot: undefined }, io, daemonConfigProblems);
  let opened;
  try {
    opened = openStateDir(ctx.state);
  } catch (e) {
    throw new HbError(`daemon not started: ${(e as Error).message}`, 2);
  }
  if (opened.warning) io.err(`${opened.warning}\n`);
  const dir = opened.dir;
  const pidFile = resolve(io.cwd, opts.pidFile ?? defaultPidFile(dir));
  const unusable = pidFileProblem(pidFile);
  if (unusable) throw new UsageError(`--pid-file: ${unusable}`);
  const configFile = ctx.config.file ? resolve(io.cwd, ctx.config.file) : null;
  // The same node (minus --inspect, whose port every run would fight for) and entry script.
  const prefix = [...process.execArgv.filter((a) => !a.startsWith('--inspect')), resolve(process.argv[1]!)];

  if (opts.detach) {
    const argv = [
      ...prefix,
      'daemon',
      'start',
      '--state-dir',
      dir,
      '--pid-file',
      pidFile,
      '--stop-timeout',
      `${stopTimeoutMs}ms`,
      '--max-concurrent',
      String(maxConcurrent),
      ...(configFile ? ['--config', configFile] : []),
      ...(opts.quiet ? ['--quiet'] : []),
    ];
    const logPath = join(dir, 'daemon.log');
    const r = await startDetached({ execPath: process.execPath, argv, env: io.env, cwd: io.cwd, logPath, pidFile, waitMs: 15_000, now: io.now });
    if (r.kind === 'started') {
      io.out(`hb daemon: started in the background (pid ${r.pid}); log: ${logPath}\n`);
      return 0;
    }
    if (r.kind === 'timeout') throw new HbError(`daemon started as pid ${r.pid} but wrote no PID file ${pidFile} within 15s; see ${logPath}`, 1);
    if (r.said) io.err(r.said);
    if (r.error) throw new HbError(`daemon not started: ${r.error}`, 1);
    return r.code ?? 1;
  }

  const self = { pid: io.pid, started_at: iso(io.now()), boot_id: bootId(), pid_started_ms: processStartMs(io.pid), host: io.host };
  const claim = claimPidFile(dir, pidFile, self);
  if (!claim.ok) {
    const hint = claim.pid ? `; stop it first with: hb daemon stop${opts.pidFile ? ` --pid-file ${pidFile}` : ''}` : '';
    throw new HbError(`daemon not started: ${claim.reason}${hint}`, 2);
  }
  const infoPath = infoPathFor(pidFile);
  const copyPath = configCopyPath(dir);
  // Recorded in the status file: stop and status compare it with the live process's.
  const ownArgv = readIdentity(io.pid).argv;
  try {
    return await serve();
  } finally {
    claim.release();
    removeDaemonInfo(infoPath, io.pid);
    removeConfigCopy(copyPath);
  }

  async function serve(): Promise<number> {
    const log = (message: string) => io.err(daemonLogLine(io.now(), message));
    for (const line of claim.ok ? claim.replaced : []) log(line);
    let selection = selectJobs(ctx.config, io.localTz());
    reportIgnored(selection.ignored, log);
    for (const l of findLeftovers(dir, selection.jobs)) log(leftoverLine(l));

    // Runs read the config the daemon holds, never the file as it is now (it may be mid-edit).
    const hb: HbCommand = { execPath: process.execPath, prefix, stateDir: dir, configFile, configCopy: null };
    if (configFile) {
      keepConfigCopy(copyPath, ctx.configText ?? '', 'daemon not started');
      hb.configCopy = copyPath;
    }
    const env = jobEnv(io.env);
    const jobOf = new Map<number, DaemonJob>();
    // A job's run is hb tick's pipeline inside the daemon around `sh -c COMMAND` (docs/decisions.md,
    // "hb daemon runs a job's tick in its own process"); the meta-heartbeat stays an `hb check` process.
    const { startDaemonRun } = await import('../../lib/run/daemon-run.ts');
    let heldConfig = ctx.config;
    const runState = { ...ctx.state, dir, source: '--state-dir' };
    // A tick's effects, but the job's environment, no signal passed on, no stdin.
    const runFx: RunEffects = {
      ...runEffects(io, ctx),
      env,
      forwardSignals: false,
      stdin: 'ignore',
      // A job the daemon runs always has a schedule: it is never just left without one.
      unscheduledHint: async () => null,
    };
    // Each run relays its output into the daemon's streams, and listens to them for errors.
    process.stdout.setMaxListeners(maxConcurrent + 16);
    process.stderr.setMaxListeners(maxConcurrent + 16);
    const inline = new Map<number, DaemonRun>();
    let lastRunId = 0;
    const loop: DaemonLoop = new DaemonLoop(
      {
        now: io.now,
        setTimer: (fn, ms) => setTimeout(fn, ms),
        clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
        spawn: (job) => {
          if (job.kind === 'tick') {
            // Negative: never a process id, which the check runs below are keyed by.
            const id = --lastRunId;
            const run = startDaemonRun(job.name, heldConfig, runState, runFx);
            inline.set(id, run);
            void run.done.then((code) => {
              inline.delete(id);
              loop.exited(id, code, null);
            });
            return { id, tag: `run ${-id}`, holderPid: io.pid };
          }
          const r = startRun(
            hb,
            job,
            env,
            (pid, code, signal) => {
              jobOf.delete(pid);
              loop.exited(pid, code, signal);
            },
            log,
          );
          if (!('pid' in r)) return r;
          jobOf.set(r.pid, job);
          return { id: r.pid };
        },
        kill: (id, signal) => {
          if (id < 0) inline.get(id)?.signal(signal);
          else signalRun(id, signal, dir, jobOf.get(id));
        },
        log,
        skipped: (job, holder) => {
          const problem = recordSkip(dir, job, holder, io.now());
          if (problem) log(problem);
        },
        minuteEnded: () => publish(),
      },
      selection.jobs,
      readAnchors(dir, selection.jobs),
      { ...LOOP_DEFAULTS, quiet: Boolean(opts.quiet), stopTimeoutMs, maxConcurrent },
    );
    const publish = () => {
      const base = {
        pid: io.pid,
        host: io.host,
        started_at: self.started_at,
        pid_started_ms: self.pid_started_ms,
        boot_id: self.boot_id,
        cmdline: ownArgv,
        config: hb.configFile,
        state_dir: dir,
        pid_file: pidFile,
        stop_timeout_ms: stopTimeoutMs,
        ignored: selection.ignored,
        load: loop.load(),
      };
      try {
        writeDaemonInfo(infoPath, daemonInfo(base, loop.slots(), io.now()));
      } catch (e) {
        log(`could not write the status file ${infoPath}: ${(e as Error).message}`);
      }
    };
    // The file found at start stays the file: a reload never wanders to another one.
    const read = () => loadContext({ ...opts, configSnapshot: undefined, config: configFile ?? opts.config }, io, daemonConfigProblems);
    const apply = (next: Context): void => {
      const nextSelection = selectJobs(next.config, io.localTz());
      const nextFile = next.config.file ? resolve(io.cwd, next.config.file) : null;
      // Before anything changes: a copy that cannot be written fails the reload as a whole.
      if (nextFile) keepConfigCopy(copyPath, next.configText ?? '', 'the runs would not see it');
      const changes = loop.reload(nextSelection.jobs, readAnchors(dir, nextSelection.jobs));
      selection = nextSelection;
      heldConfig = next.config;
      hb.configFile = nextFile;
      hb.configCopy = nextFile ? copyPath : null;
      publish();
      log(`reloaded ${hb.configFile ?? '(no config file)'}: ${describeChanges(changes)}`);
      reportIgnored(selection.ignored, log);
      if (resolve(next.state.dir) !== resolve(ctx.state.dir))
        log(`the state directory in the config is now ${next.state.dir}; still using ${dir} until the daemon restarts`);
    };
    // SIGHUP reloads, SIGTERM/SIGINT stop (a second one stops the runs now): lib/rules/daemon/reload.ts.
    // Listened to before the started line, so a signal sent on seeing it never meets the default
    // action, which ends the process (the notifier below exists by the time a handler runs).
    const served = serveSignals(process, { read, apply, log, notifyStopping: () => void notifier?.stopping(), stopLoop: () => loop.stop() });
    publish();
    loop.start();
    log(`started (pid ${io.pid}), config ${configFile ?? '(none)'}, state ${dir}: ${describeJobs(selection.jobs)}`);

    const notify = notifySettings(io.env, io.pid);
    const notifier = notify.socket ? new Notifier(systemdNotify(io.env), log) : null;
    void notifier?.ready(`scheduling ${selection.jobs.length} jobs`);
    const watchdog = notifier && notify.watchdogMs ? setInterval(() => void notifier.watchdog(), notify.watchdogMs) : null;

    await served;
    if (watchdog) clearInterval(watchdog);
    log('stopped');
    return 0;
  }
}

/** Writes the copy of the config the runs read, or throws one line naming it (`consequence`: what then). */
function keepConfigCopy(path: string, text: string, consequence: string): void {
  try {
    writeConfigCopy(path, text);
  } catch (e) {
    throw new HbError(
      `${consequence}: cannot write the copy of the config its runs read, ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      2,
    );
  }
}

function reportIgnored(ignored: readonly IgnoredJob[], log: (m: string) => void): void {
  for (const j of ignored) log(`not running job ${j.name}: ${j.reason}`);
}

function describeJobs(jobs: readonly DaemonJob[]): string {
  return jobs.map((j) => `${j.name} (${scheduleText(j.schedule)}${j.lock ? ', lock' : ''}${mayOverlap(j) ? ', overlap' : ''})`).join(', ');
}

function describeChanges(c: PlanChanges): string {
  const parts = [
    ...c.added.map((n) => `+${n}`),
    ...c.removed.map((n) => `-${n}`),
    ...c.rescheduled.map((n) => `~${n} (new schedule)`),
    ...c.updated.map((n) => `~${n}`),
  ];
  return parts.length ? parts.join(', ') : 'no change to the schedule';
}

/**
 * The PID file a control command looks at: --pid-file, else the state directory's (or its
 * per-user fallback's). As root, never one in a directory other users can change: a PID planted
 * there would have root signal any process; the daemon root starts keeps its PID file in the
 * fallback then (openStateDir), and so that is where it is looked for.
 */
async function locatePidFile(opts: DaemonControlOptions, io: Io): Promise<string> {
  if (opts.pidFile) return resolve(io.cwd, opts.pidFile);
  const ctx = await loadContext(opts, io);
  const unsafe = ctx.state.isRoot ? unsafeForRoot(ctx.state.dir) : null;
  if (unsafe !== null) {
    const fallbackUnsafe = unsafeForRoot(ctx.state.userDir);
    if (fallbackUnsafe !== null)
      throw new HbError(`no state directory root can trust: ${ctx.state.dir}: ${unsafe}; ${ctx.state.userDir}: ${fallbackUnsafe}`, 2);
    io.err(
      `hb: state directory ${ctx.state.dir} is not used by root: ${unsafe} (fix: ${trustFix(ctx.state.dir)}); looking for the daemon's PID file in ${ctx.state.userDir} instead\n`,
    );
    return defaultPidFile(ctx.state.userDir);
  }
  const chosen = defaultPidFile(ctx.state.dir);
  const fallback = defaultPidFile(ctx.state.userDir);
  return !existsSync(chosen) && existsSync(fallback) ? fallback : chosen;
}

/** claimDaemon, with a PID file that cannot be read or written said in one line naming it. */
function claimPidFile(dir: string, pidFile: string, self: Parameters<typeof claimDaemon>[2]): ReturnType<typeof claimDaemon> {
  try {
    return claimDaemon(dir, pidFile, self);
  } catch (e) {
    // The daemon lock says what is wrong with it itself (LockError).
    if (typeof (e as { exitCode?: unknown }).exitCode === 'number') throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new HbError(`daemon not started: cannot use PID file ${pidFile} (${code ?? (e as Error).message})`, 2);
  }
}

/**
 * Why `pidFile` can be no PID file (a directory; a path through a file or a missing directory),
 * or null. Said before anything starts, in place of what reading or writing it would throw.
 */
function pidFileProblem(pidFile: string): string | null {
  try {
    if (statSync(pidFile).isDirectory()) return `${pidFile} is a directory; expected the path of a file, e.g. /run/hb-daemon.pid`;
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${pidFile}: a part of the path before the file name is not a directory`;
    if (code !== 'ENOENT') return null; // reading it says what is wrong, naming the file
  }
  try {
    return statSync(dirname(pidFile)).isDirectory() ? null : `${dirname(pidFile)} is not a directory`;
  } catch {
    return `${pidFile}: its directory ${dirname(pidFile)} does not exist`;
  }
}

/** The daemon behind `pidFile`; a process hb cannot verify as the daemon it recorded is refused (exit 2), never signalled. */
function find(pidFile: string) {
  const unusable = pidFileProblem(pidFile);
  if (unusable && !unusable.endsWith('does not exist')) throw new UsageError(`--pid-file: ${unusable}`);
  let found;
  try {
    found = findDaemon(pidFile);
  } catch (e) {
    if (e instanceof HbError) throw e;
    throw new HbError(`cannot read PID file ${pidFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
  if (found.refused !== null) throw new HbError(found.refused, 2);
  return found;
}

/** `hb daemon status`: exit 0 when running, 1 when not. */
export async function runDaemonStatus(opts: DaemonControlOptions, io: Io): Promise<number> {
  const pidFile = await locatePidFile(opts, io);
  const found = find(pidFile);
  const stateDir = found.info?.state_dir ?? null;
  const status = describeDaemon({
    pidFile,
    pid: found.pid,
    notRunning: found.notRunning,
    info: found.info,
    processStartMs: found.pid === null ? null : processStartMs(found.pid),
    runningPid: (job) => {
      const marker = stateDir ? readRunMarker(stateDir, job) : null;
      // A job's run inside the daemon is recorded under the daemon's pid: name its command's.
      return marker && !isRunGone(marker, gatherFacts(marker.pid)).gone ? (marker.child_pid ?? marker.pid) : null;
    },
    nowMs: io.now(),
  });
  io.out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : renderDaemonStatus(status));
  return status.running ? 0 : 1;
}

/** `hb daemon stop`: SIGTERM through the PID file, then wait for the daemon to exit. */
export async function runDaemonStop(opts: DaemonControlOptions, io: Io): Promise<number> {
  const pidFile = await locatePidFile(opts, io);
  const found = find(pidFile);
  if (found.notRunning !== null || found.pid === null || found.claim === null) {
    io.out(`hb daemon: not running (${found.notRunning})\n`);
    return 0;
  }
  const { pid, claim } = found;
  // The system's init (or a container's first process) is never hb's to stop, whatever a record says.
  if (pid === 1)
    throw new HbError(
      `PID file ${pidFile} names process 1, the system's init; hb never signals it (a daemon running as a container's PID 1 stops with the container)`,
      2,
    );
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      io.out(`hb daemon: not running (process ${pid} exited just now)\n`);
      return 0;
    }
    throw new HbError(
      `cannot signal the daemon (pid ${pid}): ${code === 'EPERM' ? 'permission denied; run hb daemon stop as its user' : (e as Error).message}`,
      1,
    );
  }
  const stopTimeoutMs = found.info?.stop_timeout_ms ?? LOOP_DEFAULTS.stopTimeoutMs;
  // The daemon may take its stop timeout, then the TERM→KILL wait, then a moment to clean up.
  const waitMs = opts.timeout ?? stopTimeoutMs + LOOP_DEFAULTS.killAfterMs + 5000;
  const sentMs = io.now();
  while (!isRunGone(claim, gatherFacts(pid)).gone) {
    if (io.now() - sentMs > waitMs) {
      io.err(
        `hb: daemon (pid ${pid}) still running ${formatDuration(waitMs)} after SIGTERM: it lets running jobs finish for up to ${formatDuration(stopTimeoutMs)}; wait, or end it with kill -KILL ${pid}\n`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  io.out(`hb daemon: stopped (pid ${pid}) after ${formatDuration(io.now() - sentMs)}\n`);
  return 0;
}
