// hb as a library for Node programs (`import { heartbeat, runJob, check, nextFires } from 'hb'`):
// the same pipelines, state files and guarantees as `hb tick`, `hb wrap`, `hb check` and
// `hb next`, without starting a process or loading the command line. docs/api.md.

import { loadContext, type Context } from './adapters/config/context.ts';
import { apiProcess, apiRunEffects, type ApiProcess } from './api/process.ts';
import { processCheckEffects } from './check/effects.ts';
import { durationHint, parseDuration } from './rules/duration.ts';
import { HbError, UsageError } from './rules/errors.ts';
import type { HeartbeatRecord } from './rules/heartbeat/record.ts';
import type { JobHealth } from './rules/health/types.ts';
import { CHECK_JOB, validateJobName } from './rules/job-name.ts';
import { compileSchedule, ScheduleError, scheduleFromFlags } from './rules/schedule/compile.ts';
import type { ScheduleSpec } from './rules/schedule/types.ts';
import { parseIsoInZone, withinIsoYears } from './rules/schedule/tz.ts';
import { runTickOrWrap, type RunInput } from './run/pipeline.ts';
import type { RunTask, TaskInfo, TaskSaid } from './run/task.ts';

export type { HeartbeatRecord, JobHealth, ScheduleSpec, TaskInfo, TaskSaid };
export type { JobStatus } from './rules/health/types.ts';
export { HbError, UsageError };

/** Where hb keeps its state and reads its config, as the command line's --state-dir and --config. */
export interface HbOptions {
  /** The state directory; else $HB_STATE_DIR, the config's state_dir, /var/lib/hb as root, ~/.local/state/hb. */
  stateDir?: string;
  /** The config file; else $HB_CONFIG, ./hb.yaml, $XDG_CONFIG_HOME/hb/hb.yaml, /etc/hb/hb.yaml; none at all is valid. */
  config?: string;
  /** The environment hb reads (HB_STATE_DIR, HB_CONFIG, sinks' token_env); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where the lines hb would print on stderr go; default process.stderr. */
  warn?: (line: string) => void;
}

/** The schedule stored in the heartbeat, as --every, --cron, --tz and --grace (durations such as `15m`). */
export interface ScheduleOptions {
  every?: string;
  cron?: string;
  tz?: string;
  grace?: string;
}

/** `hb tick JOB`'s flags. */
export interface HeartbeatOptions extends HbOptions, ScheduleOptions {
  status?: 'ok' | 'error';
  action?: string;
  message?: string;
  /** Sent through the job's sinks, as `hb tick JOB --notify TEXT` (kept in the outbox until delivered). */
  notify?: string;
}

/** `hb wrap`'s flags that fit a function. */
export interface RunJobOptions extends HbOptions, ScheduleOptions {
  /** Refuse to start while another run of the job holds its lock (as `hb wrap --lock`); runJob then returns null. */
  lock?: boolean;
  action?: string;
}

/** A job function: resolves (success, optionally `{ message, notify }`) or throws (failure, with its message). */
export type JobFunction = (run: TaskInfo) => Promise<TaskSaid | void> | TaskSaid | void;

/** Records a heartbeat of `job`, as `hb tick JOB` does without a command; returns the record written. */
export async function heartbeat(job: string, opts: HeartbeatOptions = {}): Promise<HeartbeatRecord> {
  const p = apiProcess(opts);
  const { input, ctx } = await runInput(job, opts, p);
  if (ctx.config.jobs.get(job)?.command !== undefined) {
    throw new UsageError(
      `heartbeat: job ${job} has a command in the config, which heartbeat() does not run: give runJob() a function, or run it with hb tick ${job}`,
    );
  }
  const result = await runTickOrWrap({ ...input, status: opts.status, message: opts.message, notify: opts.notify }, apiRunEffects(p, ctx));
  if (!result.record) throw new HbError(`heartbeat: the heartbeat of ${job} was not written (said through warn)`, 1);
  return result.record;
}

/**
 * Runs `fn` as one run of `job`, as `hb wrap` runs a command: running marker, lock if asked,
 * timing, the outcome (a throw is a failed run with its message), the record, the events, and
 * `{ notify }` sent through the job's sinks. Returns the record written; null when the lock
 * was busy and the run was skipped. Throws only when hb itself could not record the run.
 */
export async function runJob(job: string, fn: JobFunction, opts: RunJobOptions = {}): Promise<HeartbeatRecord | null> {
  if (typeof fn !== 'function') throw new UsageError(`runJob: expected a function to run as job ${job}, found ${typeof fn}`);
  const p = apiProcess(opts);
  const { input, ctx } = await runInput(job, opts, p);
  const task: RunTask = fn;
  const result = await runTickOrWrap({ ...input, task: { run: task, lock: Boolean(opts.lock) } }, apiRunEffects(p, ctx));
  if (result.skipped) return null;
  if (!result.record) throw new HbError(`runJob: the run of ${job} ended but its heartbeat was not written (said through warn)`, 1);
  return result.record;
}

/** What check() looks at: the jobs named (none: every job), where the state and config are. */
export interface CheckOptions extends HbOptions {
  jobs?: string[];
}

/**
 * Judges every job as `hb check` does and returns each verdict (the fields of `hb check --json`),
 * in name order. It reads only: no alert is sent, no recovery run, no check heartbeat written
 * (that stays the cron-run `hb check`'s work).
 */
export async function check(opts: CheckOptions = {}): Promise<JobHealth[]> {
  const p = apiProcess(opts);
  const [{ readCheckScope }, { evaluateAll }] = await Promise.all([import('./check/scope.ts'), import('./check/evaluate.ts')]);
  const scope = await readCheckScope(opts.jobs ?? [], { stateDir: opts.stateDir, config: opts.config }, p);
  const { kept, untrusted } = await evaluateAll(scope, processCheckEffects(p), () => true);
  for (const u of untrusted) p.warn(`hb: state directory ${u.dir} is not trusted by root, and nothing in it is judged: ${u.why} (fix: ${u.fix})`);
  return kept;
}

/** Where nextFires starts, how many times it gives, in which zone a cron expression runs. */
export interface NextFiresOptions {
  /** Default now; a string is ISO 8601 (without an offset: read in `tz`). */
  from?: Date | number | string;
  /** Default 5. */
  count?: number;
  /** The zone of a cron expression; default its own `tz`, else the host's. */
  tz?: string;
}

/** The next times `schedule` (a cron expression, or `{ every }` / `{ cron, tz }`) fires, from the code that decides lateness (`hb next`). */
export function nextFires(schedule: string | ScheduleSpec, opts: NextFiresOptions = {}): Date[] {
  const spec: ScheduleSpec = typeof schedule === 'string' ? { cron: schedule } : schedule;
  const tz = opts.tz ?? ('cron' in spec && spec.tz ? spec.tz : apiProcess({}).localTz());
  const count = opts.count ?? 5;
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`nextFires: count must be a whole number of 0 or more, found ${String(count)}`);
  let compiled;
  try {
    compiled = compileSchedule('cron' in spec ? { cron: spec.cron, tz } : spec, tz);
  } catch (e) {
    if (e instanceof ScheduleError) throw new UsageError(`nextFires: ${e.key}: ${e.message}`);
    throw e;
  }
  return compiled
    .next(fromMs(opts.from, tz), count)
    .filter((t) => withinIsoYears(t, tz))
    .map((t) => new Date(t));
}

/** `from` as an instant: now, a Date, milliseconds or ISO 8601. */
function fromMs(from: NextFiresOptions['from'], tz: string): number {
  if (from === undefined) return Date.now();
  const ms = from instanceof Date ? from.getTime() : typeof from === 'number' ? from : parseIsoInZone(from, tz);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new UsageError(`nextFires: from: expected a Date, milliseconds or an ISO 8601 time such as 2026-03-29T01:30:00Z, found ${JSON.stringify(from)}`);
  }
  return ms;
}

/** The run's input shared by heartbeat and runJob: name and schedule checked, the config loaded. */
async function runInput(job: string, opts: HeartbeatOptions, p: ApiProcess): Promise<{ input: RunInput; ctx: Context }> {
  const nameProblem = validateJobName(job);
  if (nameProblem) throw new UsageError(nameProblem);
  const flagSchedule = apiSchedule(opts) ?? null;
  let graceMs: number | undefined;
  if (opts.grace !== undefined) {
    graceMs = parseDuration(opts.grace);
    if (graceMs === undefined || graceMs <= 0) throw new UsageError(`grace: ${graceMs === undefined ? durationHint(opts.grace) : 'it must be longer than 0'}`);
  }
  // The globals, this job and the meta-heartbeat (the stale-watcher warning) are all a run reads.
  const ctx = await loadContext({ stateDir: opts.stateDir, config: opts.config }, p, undefined, { jobs: [job, CHECK_JOB] });
  return { input: { job, config: ctx.config, state: ctx.state, flagSchedule, graceMs, action: opts.action }, ctx };
}

/** The schedule options checked as the flags are, with the option's name (not the flag's) in a message. */
function apiSchedule(opts: ScheduleOptions): ScheduleSpec | undefined {
  try {
    return scheduleFromFlags({ every: opts.every, cron: opts.cron, tz: opts.tz });
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/--(every|cron|tz)\b/g, '$1'));
    throw e;
  }
}
