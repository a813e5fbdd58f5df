// Runs a job's command the way cron's shell would: stdin untouched, stdout/stderr relayed byte
// for byte while their tail is kept, signals forwarded, TERM then KILL on timeout, and the
// shell's exit code (128+n for a signal). node:child_process directly: execa costs ~90 ms of
// import on cron's hot path (docs/decisions.md).

import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { UsageError } from '../../rules/errors.ts';
import { TailRing } from '../../rules/run/tail.ts';
import { relayOutput, type SocketClass } from './relay.ts';

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and would fire at once: cap there. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The signals `hb wrap` relays to its child (SPEC §3). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** How to run one child; see the field comments for defaults. */
export interface RunChildOptions {
  /** A string runs through `/bin/sh -c` exactly as cron does; an array runs without a shell. */
  command: string | readonly string[];
  /** The child's whole environment (nothing is inherited behind the caller's back). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep the last N bytes of stdout and stderr combined; 0 keeps nothing. */
  tailBytes: number;
  /** After this long send SIGTERM, then SIGKILL `killAfterMs` later. */
  timeoutMs?: number;
  /** Default 10 s. */
  killAfterMs?: number;
  /** Where the child's stdout and stderr go, unmodified (process.stdout/stderr in the CLI). */
  stdout: Writable;
  stderr: Writable;
  /** The child's stdin: hb's own (default, as cron's shell), or none (`/dev/null`, for the daemon's runs). */
  stdin?: 'inherit' | 'ignore';
  /** Called once the child exists, e.g. to record its pid in the `.run` marker. */
  onSpawn?: (pid: number) => void;
  /** Relay signals hb receives to the child while it runs: true = FORWARDED_SIGNALS. */
  forward?: boolean | readonly NodeJS.Signals[];
  /**
   * Run the child in its own session and process group (default true), so a timeout or a
   * forwarded signal reaches everything the job started (`sh -c 'a; b'`, a script's rsync),
   * as timeout(1) does, and a terminal's Ctrl-C is not delivered twice.
   */
  group?: boolean;
  /**
   * After the child exits, how long to keep reading from a pipe that something it left running
   * in the background still holds open (default 2 s); then hb stops reading.
   */
  drainAfterExitMs?: number;
  /** The clock for startedMs/finishedMs (default Date.now). */
  now?: () => number;
}

/** Why a child could not be started: `code` is the errno name (ENOENT, EACCES, ...). */
export interface SpawnError {
  code: string;
  message: string;
}

/** How a child ended, with the facts a heartbeat records. */
export interface ChildResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The code a shell would report: exitCode, 128+n for signal n, 127/126 when it could not start. */
  code: number;
  timedOut: boolean;
  /** The last `tailBytes` of output, decoded as UTF-8 leniently. */
  tail: string;
  startedMs: number;
  /** When the child exited (not when its pipes closed). */
  finishedMs: number;
  durationMs: number;
  pid: number | null;
  spawnError: SpawnError | null;
  /** Something the child left behind still held its stdout/stderr after drainAfterExitMs. */
  outputAbandoned: boolean;
  /** How many bytes the child wrote to each stream (read by hb, whether or not its target took them). */
  outputBytes: { stdout: number; stderr: number };
}

/**
 * How a run with no process to read ended (a command that could not start, an in-process
 * function): no signal, no output, no pid; `code` is what the record takes as the exit code.
 */
export function withoutProcess(startedMs: number, finishedMs: number, ending: Pick<ChildResult, 'exitCode' | 'code' | 'spawnError'>): ChildResult {
  return {
    ...ending,
    signal: null,
    timedOut: false,
    tail: '',
    startedMs,
    finishedMs,
    durationMs: Math.max(0, finishedMs - startedMs),
    pid: null,
    outputAbandoned: false,
    outputBytes: { stdout: 0, stderr: 0 },
  };
}

/** Anything that can be sent a signal: a ChildProcess, or a wrapper that signals a group. */
export interface Signallable {
  kill(signal: NodeJS.Signals): unknown;
}

/**
 * Relays `signals` this process receives to `target` until the returned function is called.
 * While installed, the handlers replace Node's default (exit), so hb outlives the signal and
 * can report the child's own ending.
 */
export function forwardSignals(target: Signallable, signals: readonly NodeJS.Signals[] = FORWARDED_SIGNALS): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    target.kill(signal);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/** The code a shell reports for a process that ended with `exitCode` or died of `signal`. */
export function shellCode(exitCode: number | null, signal: NodeJS.Signals | null): number {
  if (exitCode !== null) return exitCode;
  const n = signal === null ? undefined : osConstants.signals[signal];
  return n === undefined ? 1 : 128 + n;
}

/**
 * Runs `opts.command` to completion. A command that cannot start resolves with `spawnError`
 * (127/126), never a rejection; only an empty command rejects (UsageError), and a throwing
 * `onSpawn` rejects once the child has finished.
 */
export async function runChild(opts: RunChildOptions): Promise<ChildResult> {
  const now = opts.now ?? Date.now;
  const [file, args] = commandLine(opts.command);
  // Loaded here, not at the top: a ping or a check never spawns, and child_process pulls in
  // net, dgram and streams — milliseconds on every cron tick. net comes with it, at no cost.
  const [{ spawn }, { Socket }] = await Promise.all([import('node:child_process'), import('node:net')]);
  const group = opts.group ?? true;
  const startedMs = now();
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.stdin ?? 'inherit', 'pipe', 'pipe'],
      detached: group,
    });
  } catch (err) {
    // Errors other than ENOENT/EACCES/EAGAIN/EMFILE are thrown synchronously by Node.
    return Promise.resolve(notStarted(err, file, opts.cwd, startedMs, now()));
  }
  const pid = child.pid;
  if (pid === undefined) {
    return new Promise((resolve) => {
      child.once('error', (err) => resolve(notStarted(err, file, opts.cwd, startedMs, now())));
    });
  }
  return supervise(child, pid, opts, group, startedMs, now, Socket);
}

async function supervise(
  child: ChildProcess,
  pid: number,
  opts: RunChildOptions,
  group: boolean,
  startedMs: number,
  now: () => number,
  Socket: SocketClass,
): Promise<ChildResult> {
  const ring = new TailRing(opts.tailBytes);
  const target: Signallable = { kill: (signal) => signalChild(pid, signal, group) };
  const forward = opts.forward === true ? FORWARDED_SIGNALS : opts.forward || [];
  const unforward = forwardSignals(target, forward);
  const outputs = [relayOutput(child.stdout!, opts.stdout, ring, Socket), relayOutput(child.stderr!, opts.stderr, ring, Socket)];
  let timedOut = false;
  let abandoned = false;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  // After a successful spawn, 'error' only reports a failed kill: not a failure of the run.
  child.on('error', () => {});
  type Exit = { code: number | null; signal: NodeJS.Signals | null; at: number };
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timeoutTimer);
      // Something the job left in the background may hold its pipes open for hours. Time spent
      // waiting on a full target is not theirs: check again later rather than lose output.
      const abandonIdle = (): void => {
        if (outputs.some((o) => o.isOpen() && o.isBlocked())) {
          drainTimer = setTimeout(abandonIdle, opts.drainAfterExitMs ?? 2000);
          return;
        }
        abandoned = outputs.some((o) => o.isOpen());
        for (const o of outputs) o.abandon();
      };
      drainTimer = setTimeout(abandonIdle, opts.drainAfterExitMs ?? 2000);
      resolve({ code, signal, at: now() });
    });
  });
  if (opts.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(
      () => {
        timedOut = true;
        target.kill('SIGTERM');
        killTimer = setTimeout(() => target.kill('SIGKILL'), opts.killAfterMs ?? 10_000);
      },
      Math.min(opts.timeoutMs, MAX_TIMER_MS),
    );
  }
  let callbackError: { error: unknown } | null = null;
  try {
    opts.onSpawn?.(pid);
  } catch (error) {
    // Re-raised once the child has finished, so it is never left running unsupervised.
    callbackError = { error };
  }
  // 'exit' can come before the last output is read, and output can outlive 'exit': wait for both.
  const [exit] = await Promise.all([exited, ...outputs.map((o) => o.done)]);
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  clearTimeout(drainTimer);
  unforward();
  for (const o of outputs) o.detach();
  if (callbackError) throw callbackError.error;
  return {
    exitCode: exit.code,
    signal: exit.signal,
    code: shellCode(exit.code, exit.signal),
    timedOut,
    tail: ring.text(),
    startedMs,
    finishedMs: exit.at,
    // A wall clock stepped back during the run must not make a negative duration (a corrupt record).
    durationMs: Math.max(0, exit.at - startedMs),
    pid,
    spawnError: null,
    outputAbandoned: abandoned,
    outputBytes: { stdout: outputs[0]!.bytes(), stderr: outputs[1]!.bytes() },
  };
}

function signalChild(pid: number, signal: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // ESRCH: it is already gone, which is what the signal was for.
  }
}

function commandLine(command: string | readonly string[]): [string, string[]] {
  if (typeof command === 'string') return ['/bin/sh', ['-c', command]];
  const [file, ...args] = command;
  if (file === undefined || file === '') {
    throw new UsageError('empty command: expected a program to run, e.g. `hb wrap -- backup.sh`');
  }
  return [file, args];
}

/** The result for a command that never ran, with the code a shell would give (127 or 126). */
function notStarted(err: unknown, file: string, cwd: string | undefined, startedMs: number, finishedMs: number): ChildResult {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : 'ESPAWN';
  let message: string;
  if (code === 'ENOENT' && cwd !== undefined && !isDirectory(cwd)) {
    message = `working directory not found: ${cwd}`;
  } else if (code === 'ENOENT') {
    message = `command not found: ${file}`;
  } else if (code === 'EACCES') {
    message = `permission denied: ${file} is not executable (or is a directory)`;
  } else {
    message = `cannot run ${file}: ${e?.message ?? String(err)}`;
  }
  return withoutProcess(startedMs, finishedMs, { exitCode: null, code: code === 'ENOENT' ? 127 : 126, spawnError: { code, message } });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
