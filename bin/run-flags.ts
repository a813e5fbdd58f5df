// The command-line side tick and wrap share: their common flags read, the config loaded, the
// process's effects handed to the run pipeline (lib/run/pipeline.ts).

import { CHECK_JOB, validateJobName } from '../lib/rules/job-name.ts';
import { runTickOrWrap, type RunEffects, type TickOrWrapResult } from '../lib/run/pipeline.ts';
import type { WrapChoices } from '../lib/rules/run/plan.ts';
import { UsageError } from '../lib/rules/errors.ts';
import { scheduleFromFlags } from '../lib/rules/schedule/compile.ts';
import { pingUrlProblem } from '../lib/rules/sinks/ping-url.ts';
import { loadContext, type Context, type GlobalOptions } from './context.ts';
import { deliveryEffects } from './effects.ts';
import type { Io } from './io.ts';

/** Schedule and annotation flags common to tick and wrap. */
export interface RunFlags extends GlobalOptions {
  every?: string;
  cron?: string;
  tz?: string;
  /** ms, from parseGrace. */
  grace?: number;
  action?: string;
  message?: string;
  status?: 'ok' | 'error';
  /** tick only: a message for the job's sinks. */
  notify?: string;
  /** --ping URL, checked by parsePing. */
  ping?: string;
  /** --cycle N, from parseCycle. */
  cycle?: number;
}

/** Validates the job name and the shared flags, loads config, runs the tick (or, given `wrap`, the wrap). */
export async function runFromFlags(job: string, flags: RunFlags, io: Io, wrap?: WrapChoices): Promise<TickOrWrapResult> {
  const nameProblem = validateJobName(job);
  if (nameProblem) throw new UsageError(nameProblem);
  const flagSchedule = scheduleFromFlags({ every: flags.every, cron: flags.cron, tz: flags.tz }) ?? null;
  const pingUrl = flags.ping ?? pingFromEnv(io.env.HB_PING_URL);
  // The globals, this job and the meta-heartbeat (the stale-watcher warning) are all a run reads.
  const ctx = await loadContext(flags, io, undefined, { jobs: [job, CHECK_JOB] });
  const input = {
    job,
    config: ctx.config,
    state: ctx.state,
    flagSchedule,
    graceMs: flags.grace,
    status: flags.status,
    action: flags.action,
    message: flags.message,
    notify: flags.notify,
    wrap,
    pingUrl,
    cycle: flags.cycle,
  };
  return runTickOrWrap(input, runEffects(io, ctx));
}

/** HB_PING_URL when set (empty counts as unset); a value --ping would refuse is refused the same way. */
function pingFromEnv(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const problem = pingUrlProblem(value);
  if (problem) throw new UsageError(`HB_PING_URL: ${problem}`);
  return value;
}

/** A run's effects from the real process: its clock, pid, host and env, its own stdout and stderr, signals passed on. */
export function runEffects(io: Io, ctx: Context): RunEffects {
  return {
    ...deliveryEffects(io),
    host: io.host,
    // The global Web Crypto, loaded on first use: only a run with pings makes an id.
    newId: () => crypto.randomUUID(),
    localTz: () => io.localTz(),
    warn: (line) => io.err(`${line}\n`),
    stdout: process.stdout,
    stderr: process.stderr,
    forwardSignals: true,
    // The crontab lookup behind the hint loads only when a run has just lost its schedule.
    unscheduledHint: async (job, dir) => (await import('./first-run-hint.ts')).firstRunHint(job, ctx, io, dir),
  };
}
