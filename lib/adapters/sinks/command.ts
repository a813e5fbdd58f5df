// The `command` sink: runs a program of the user's with the notification in its environment
// and as JSON on stdin. Its output is captured (bounded) and never reaches hb's own stdout,
// which may be a Nagios plugin's or a cron mail's.

import { TailRing } from '../../rules/run/tail.ts';
import { visible } from '../../rules/visible.ts';
import { SinkError } from '../../rules/sinks/types.ts';
import type { Notification, Sink, SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';

/** How a sink's program ended. */
export interface ProgramResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The spawn error's code (ENOENT, EACCES, …) when the program never started. */
  spawnError: string | null;
  /** The last bytes of its stderr, for the error message. */
  stderrTail: string;
}

const TAIL_BYTES = 4096;
/** Linux refuses to start a program with any one environment string over 128 KiB (E2BIG). */
const ENV_VALUE_BYTES = 8192;

/**
 * Runs `file args` with `input` on stdin, captures its output (bounded) and enforces `timeoutMs`:
 * TERM, then KILL after a grace. The program gets its own process group so the kill also reaches
 * what it started (a shell's children, an MTA's delivery fork) and none of them keeps our pipes open.
 */
export async function runProgram(file: string, args: string[], opts: { input: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProgramResult> {
  const { execa } = await import('execa');
  const child = execa(file, args, {
    input: opts.input,
    env: opts.env,
    extendEnv: false,
    buffer: false,
    reject: false,
    detached: true,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const stderr = new TailRing(TAIL_BYTES);
  // stdout is read only so the program never blocks on a full pipe; nobody needs it.
  child.stdout?.on('data', () => {});
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  // A grace proportional to the timeout: a 10 s sink gets 5 s to clean up, a test's 200 ms one 100 ms.
  const graceMs = Math.min(5000, Math.max(50, Math.floor(opts.timeoutMs / 2)));
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), graceMs);
  }, opts.timeoutMs);
  try {
    const result = await child;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      spawnError: result.exitCode === undefined && result.signal === undefined && typeof result.code === 'string' ? result.code : null,
      stderrTail: stderr.text(),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
  }
}

/** The last non-empty line of a program's stderr, at most 200 characters, for an error message. */
export function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  // The program's words end up on hb's stderr: its escape sequences stay inert.
  const line = visible(lines.at(-1) ?? '');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Builds a `command` sink from validated options (`run`: a shell string or an argv list). */
export function createSink(config: SinkConfig, ctx: SinkContext): Sink {
  const run = config.options.run as string | string[];
  const [file, args] = typeof run === 'string' ? ['/bin/sh', ['-c', run]] : [run[0]!, run.slice(1)];
  const program =
    typeof run === 'string'
      ? (run
          .trim()
          .split(/\s+/)
          .find((w) => !w.includes('=')) ?? 'sh')
      : run[0]!;
  const label = `command ${program}`;
  return {
    kind: 'command',
    label,
    async deliver(n: Notification): Promise<void> {
      const result = await runProgram(file, args, { input: `${JSON.stringify(n)}\n`, env: commandEnv(ctx.env, n), timeoutMs: config.timeoutMs });
      const failure = describeFailure(program, result, config.timeoutMs);
      // Every failure is retryable, even "not found": the fix (installing the program, fixing
      // PATH) happens outside hb, and the alert must still go out once it is made.
      if (failure) throw new SinkError(`${label}: ${failure}`, true);
    },
  };
}

/** Why a run failed, or null when it exited 0. */
function describeFailure(program: string, r: ProgramResult, timeoutMs: number): string | null {
  const said = lastLine(r.stderrTail);
  const tail = said ? `: ${said}` : '';
  if (r.timedOut) return `timed out after ${timeoutMs} ms and was killed${tail}`;
  if (r.spawnError === 'ENOENT') return `${program} not found (install it or fix run:)`;
  if (r.spawnError) return `could not start ${program} (${r.spawnError})`;
  // 127 and 126 are the shell's own "not found" and "not executable".
  if (r.exitCode === 127) return `exited with 127, ${program} probably not found${tail}`;
  if (r.exitCode !== null && r.exitCode !== 0) return `exited with ${r.exitCode}${tail}`;
  if (r.signal) return `killed by ${r.signal}${tail}`;
  return null;
}

/** The program's environment: hb's, plus the notification's facts as HB_* variables. */
function commandEnv(base: NodeJS.ProcessEnv, n: Notification): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    HB_JOB: n.job,
    HB_STATUS: n.status,
    HB_TYPE: n.type,
    HB_MESSAGE: capped(n.message),
    HB_TITLE: capped(n.title),
    HB_HOST: n.host,
    HB_INCIDENT: n.incident?.id ?? '',
  };
  // An HB_EXIT_CODE inherited from an outer hb would be taken for this run's.
  delete env.HB_EXIT_CODE;
  if (typeof n.run?.exit_code === 'number') env.HB_EXIT_CODE = String(n.run.exit_code);
  // Likewise the outcome of the run and its reason, set only when the run's record has them.
  delete env.HB_OUTCOME;
  delete env.HB_REASON;
  if (n.run?.outcome) env.HB_OUTCOME = n.run.outcome;
  if (n.run?.reason) env.HB_REASON = capped(n.run.reason);
  // Why the job missed its run (an alert or reminder that has a cause line), else unset.
  delete env.HB_CAUSE;
  if (n.cause) env.HB_CAUSE = capped(n.cause);
  return env;
}

/** A value cut to ENV_VALUE_BYTES (the whole text is still on stdin). */
function capped(value: string): string {
  if (Buffer.byteLength(value) <= ENV_VALUE_BYTES) return value;
  // A cut inside a character decodes to U+FFFD: drop it.
  return `${Buffer.from(value)
    .subarray(0, ENV_VALUE_BYTES - 3)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}…`;
}
