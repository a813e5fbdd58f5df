// What `hb tick` and `hb wrap` share: options → a JobRunRequest → runJob → exit code.

import { UsageError } from '../../lib/errors.ts';
import { sinksOf, type HbConfig, type JobConfig } from '../../lib/config/types.ts';
import { validateJobName } from '../../lib/job-name.ts';
import { becameUnscheduled } from '../../lib/health/unscheduled.ts';
import { CHECK_JOB, staleWatcherWarning } from '../../lib/health/watcher.ts';
import { runJob, type JobRunRequest } from '../../lib/run/job.ts';
import { scheduleFromFlags } from '../../lib/schedule/index.ts';
import { receives } from '../../lib/sinks/validate.ts';
import type { ScheduleSpec } from '../../lib/schedule/types.ts';
import { openStateDir } from '../../lib/state/dir.ts';
import { HB_VERSION } from '../../lib/version.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

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
}

/** What differs between tick and wrap. */
export interface RunPlan {
  command?: string | string[];
  timeoutMs?: number;
  lock: boolean;
  skipCode: number;
  tailBytes: number;
}

/** Default bytes of output kept in a heartbeat. */
export const DEFAULT_TAIL_BYTES = 4096;

/** Validates the job name, loads config and state, runs the job, prints warnings; returns the exit code. */
export async function executeRun(job: string, flags: RunFlags, io: Io, plan: (cfg: JobConfig | undefined, defaults: HbConfig['defaults']) => RunPlan, json = false): Promise<number> {
  const nameProblem = validateJobName(job);
  if (nameProblem) throw new UsageError(nameProblem);
  const flagSchedule = scheduleFromFlags({ every: flags.every, cron: flags.cron, tz: flags.tz });
  const ctx = await loadContext(flags, io);
  const cfg = ctx.config.jobs.get(job);
  const p = plan(cfg, ctx.config.defaults);
  if (flags.status && p.command) {
    throw new UsageError(`--status: job ${job} runs a command, whose exit code is its status; --status is for pings`);
  }

  let opened;
  try {
    opened = openStateDir(ctx.state);
  } catch (e) {
    if (!p.command) throw new UsageError(`cannot record the heartbeat: ${(e as Error).message}`);
    opened = null;
  }
  if (opened?.warning) io.err(`${opened.warning}\n`);

  const req: JobRunRequest = {
    job,
    dir: opened?.dir ?? ctx.state.dir,
    command: p.command,
    schedule: withZone(flagSchedule ?? cfg?.schedule ?? null, io),
    graceMs: flags.grace ?? cfg?.graceMs ?? ctx.config.defaults.graceMs,
    timeoutMs: p.timeoutMs,
    lock: p.lock,
    skipCode: p.skipCode,
    tailBytes: p.tailBytes,
    status: flags.status,
    action: flags.action,
    message: flags.message,
    env: io.env,
    host: io.host,
    pid: io.pid,
    version: HB_VERSION,
    now: io.now,
    stdout: process.stdout,
    stderr: process.stderr,
    forwardSignals: true,
  };
  // Sinks load only for a job that has them: most ticks never touch this.
  const talks = Boolean(flags.notify) || hasRunPings(ctx.config, job);
  const notifier = talks && opened ? await import('./run-notify.ts') : null;
  const pings = notifier?.startRunPings(ctx.config, job, opened!.dir, io, Boolean(p.command)) ?? null;
  const result = await runJob(req);
  const warnings = [...result.warnings];
  if (notifier) warnings.push(...(await notifier.finishRun(ctx.config, job, opened!.dir, io, pings, result.record, flags.notify)));
  // Said once, when the job has just been left without a schedule: cron would mail it every run.
  if (result.record && becameUnscheduled(job, req.schedule, result.previous)) {
    const hint = await (await import('../first-run-hint.ts')).firstRunHint(job, ctx, io, req.dir);
    if (hint) warnings.push(hint);
  }
  // A state directory that refuses every write fails the marker and the log twice each: say each once.
  for (const w of new Set(warnings)) io.err(`${w}\n`);
  if (job !== CHECK_JOB) {
    const stale = staleWatcherWarning(req.dir, ctx.config, io.now(), io.localTz);
    if (stale) io.err(`${stale}\n`);
  }
  if (json && result.record) io.out(JSON.stringify(result.record) + '\n');
  return result.exitCode;
}

/** A cron schedule is stored with its zone, so a check run under another TZ judges it the same. */
function withZone(spec: ScheduleSpec | null, io: Io): ScheduleSpec | null {
  if (spec && 'cron' in spec && !spec.tz) return { cron: spec.cron, tz: io.localTz() };
  return spec;
}

/** Whether any sink of the job takes run pings (healthchecks does by default). */
function hasRunPings(config: HbConfig, job: string): boolean {
  return sinksOf(config, job).some((s) => receives(s, 'run_start') || receives(s, 'run_end'));
}
