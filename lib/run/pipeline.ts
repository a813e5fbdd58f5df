// The pipeline of `hb tick` and `hb wrap` once their flags are read and the config loaded: plan the
// run, open the state directory (or fall back), run the job, its notifications, the one-time hint
// of a job left without a schedule and the stale-watcher warning. Effects come in as one object.

import type { Writable } from 'node:stream';
import type { HbConfig } from '../rules/config/types.ts';
import { UsageError } from '../rules/errors.ts';
import { becameUnscheduled } from '../rules/health/unscheduled.ts';
import { staleWatcherWarning } from '../adapters/health/watcher.ts';
import { CHECK_JOB } from '../rules/job-name.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import type { ScheduleSpec } from '../rules/schedule/types.ts';
import { openStateDir, type OpenedStateDir, type StateDirChoice } from '../adapters/state/dir.ts';
import { HB_VERSION } from '../rules/version.ts';
import { runJob, type JobRunRequest } from './job.ts';
import type { NotifyEffects, RunPings } from './notifications.ts';
import type { RunPing } from './ping.ts';
import { hasRunPings, runSchedule, taskPlan, tickPlan, wrapPlan, type WrapChoices } from '../rules/run/plan.ts';
import type { RunTask } from './task.ts';

/** What a tick or wrap takes from outside: clock, pid, host, env, liveness, run ids, the streams the child shares, where hb's lines go. */
export interface RunEffects extends NotifyEffects {
  /** The host's IANA zone (given to a cron schedule without one). */
  localTz(): string;
  /** One line for stderr (without its newline): cron mails it. */
  warn(line: string): void;
  /** The streams the child's output passes through to. */
  stdout: Writable;
  stderr: Writable;
  /** Whether signals to hb are passed on to the child. */
  forwardSignals: boolean;
  /** The child's stdin (default: hb's own; the daemon gives none). */
  stdin?: 'inherit' | 'ignore';
  /** Told the child's pid once it exists (the daemon signals its process group on stop). */
  onChild?: (pid: number) => void;
  /** The hint for a job just left without a schedule, or null when a crontab line gives it one (reads crontabs: asked only then). */
  unscheduledHint(job: string, dir: string): Promise<string | null>;
}

/** One tick or wrap, its flags read: the job, the loaded config, the state directory chosen, and the flags' values. */
export interface RunInput {
  job: string;
  config: HbConfig;
  state: StateDirChoice;
  /** --every, --cron, --tz; null: none given. */
  flagSchedule: ScheduleSpec | null;
  /** --grace. */
  graceMs?: number;
  status?: 'ok' | 'error';
  action?: string;
  message?: string;
  /** tick --notify: a message for the job's sinks. */
  notify?: string;
  /** wrap's command and flags; absent for a tick. */
  wrap?: WrapChoices;
  /** An in-process function run in place of a command (the Node API's runJob), and whether it takes the job's lock. */
  task?: { run: RunTask; lock: boolean };
  /** --ping or HB_PING_URL: a healthchecks-compatible check to report this run to (lib/run/ping.ts). */
  pingUrl?: string;
  /** --cycle: the run's cycle number, given by the caller instead of counted. */
  cycle?: number;
}

/** How the run ended: the exit code to pass on and the heartbeat written (null: none). */
export interface TickOrWrapResult {
  exitCode: number;
  record: HeartbeatRecord | null;
  /** Set when the run did not start: another run of the job holds its lock. */
  skipped?: true;
}

/** Runs the job (or records the ping), says what went wrong through `fx.warn`; returns its exit code and record. */
export async function runTickOrWrap(input: RunInput, fx: RunEffects): Promise<TickOrWrapResult> {
  const { job, config } = input;
  const cfg = config.jobs.get(job);
  const plan = input.task
    ? taskPlan(input.task.lock, cfg, config.defaults)
    : input.wrap
      ? wrapPlan(input.wrap, cfg, config.defaults)
      : tickPlan(cfg, config.defaults);
  const runs = Boolean(plan.command || input.task);
  if (input.status && plan.command) {
    throw new UsageError(`--status: job ${job} runs a command, whose exit code is its status; --status is for pings`);
  }

  let opened: OpenedStateDir | null;
  try {
    opened = openStateDir(input.state);
  } catch (e) {
    if (!runs) throw new UsageError(`cannot record the heartbeat: ${(e as Error).message}`);
    opened = null;
  }
  if (opened?.warning) fx.warn(opened.warning);

  const req: JobRunRequest = {
    job,
    dir: opened?.dir ?? input.state.dir,
    command: plan.command,
    task: input.task?.run,
    schedule: runSchedule(input.flagSchedule, cfg, fx.localTz),
    graceMs: input.graceMs ?? cfg?.graceMs ?? config.defaults.graceMs,
    timeoutMs: plan.timeoutMs,
    lock: plan.lock,
    skipCode: plan.skipCode,
    tailBytes: plan.tailBytes,
    rules: plan.rules,
    minDurationMs: plan.minDurationMs,
    status: input.status,
    action: input.action,
    message: input.message,
    env: fx.env,
    host: fx.host,
    pid: fx.pid,
    version: HB_VERSION,
    now: fx.now,
    stdout: fx.stdout,
    stderr: fx.stderr,
    forwardSignals: fx.forwardSignals,
    stdin: fx.stdin,
    onChild: fx.onChild,
    cycle: input.cycle,
  };
  // Sinks load only for a job that has them: most ticks never touch this.
  const talks = Boolean(input.notify) || hasRunPings(config, job);
  const notifier = talks && opened ? await import('./notifications.ts') : null;
  // --ping needs no config and no state directory; its code loads only when a URL is given.
  const pinger = input.pingUrl ? await import('./ping.ts') : null;
  // The /start pings go out once the run goes ahead: a run --lock skips would leave a check started for good.
  let pings: RunPings | null = null;
  let ping: RunPing | null = null;
  req.onStart = () => {
    pings = notifier?.startRunPings(config, job, req.dir, fx, runs) ?? null;
    ping = pinger?.startPing(input.pingUrl!, job, pings?.runId ?? fx.newId(), fx, runs) ?? null;
  };
  const result = await runJob(req);
  const warnings = [...result.warnings];
  // A task says whether it has something to say only when it ends.
  const said = input.notify ?? result.notify;
  const speaker = notifier ?? (said !== undefined && opened ? await import('./notifications.ts') : null);
  if (speaker) warnings.push(...(await speaker.finishRun(config, job, req.dir, fx, pings, result.record, said)));
  if (pinger && ping) warnings.push(...(await pinger.finishPing(ping, job, fx, result.made, opened?.dir ?? null)));
  // Said once, when the job has just been left without a schedule: cron would mail it every run.
  if (result.record && becameUnscheduled(job, req.schedule, result.previous)) {
    const hint = await fx.unscheduledHint(job, req.dir);
    if (hint) warnings.push(hint);
  }
  // A state directory that refuses every write fails the marker and the log twice each: say each once.
  for (const w of new Set(warnings)) fx.warn(w);
  if (job !== CHECK_JOB) {
    const stale = staleWatcherWarning(req.dir, config, fx.now(), fx.localTz);
    if (stale) fx.warn(stale);
  }
  return { exitCode: result.exitCode, record: result.record, ...(result.skipped ? { skipped: true as const } : {}) };
}
