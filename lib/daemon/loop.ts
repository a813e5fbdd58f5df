// The daemon's loop: one timer to the earliest fire, the runs in flight, and the graceful stop.
// Everything outside (clock, timers, processes, the log) is injected, so it runs on a fake clock.

import { formatDuration } from '../duration.ts';
import { runLabel as label, type DaemonJob } from './jobs.ts';
import { createPlan, nextWake, reloadPlan, step, type Decision, type Plan, type PlanChanges, type Slot } from './scheduler.ts';

/** What the loop needs from the outside world. */
export interface LoopDeps {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Starts one run of `job` as its own process; its exit must be reported with `exited`. */
  spawn(job: DaemonJob): { pid: number } | { error: string };
  /** Signals a run; SIGKILL should also reach what the run started. */
  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void;
  /** One line for the daemon's log (no timestamp, no newline). */
  log(message: string): void;
  /** A fire was skipped because `holder` (a run of the same locked job) is still going. */
  skipped(job: DaemonJob, holder: { pid: number; startedMs: number }): void;
}

/** Timings and verbosity. */
export interface LoopOptions {
  /** Leave out the line for each routine start. */
  quiet: boolean;
  /** On stop, how long running runs may take before they get SIGTERM. */
  stopTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  killAfterMs: number;
  /** The longest single sleep: a suspend or a clock jump is noticed within this. */
  maxSleepMs: number;
}

/** Defaults: 30 s to finish, 10 s between TERM and KILL (as `hb wrap --timeout`), wake at least every minute. */
export const LOOP_DEFAULTS: LoopOptions = { quiet: false, stopTimeoutMs: 30_000, killAfterMs: 10_000, maxSleepMs: 60_000 };

/** How long the loop waits for killed runs to be reaped before it gives up on them. */
const REAP_WAIT_MS = 2000;

interface Run {
  job: DaemonJob;
  startedMs: number;
}

const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';

/** The scheduler loop of one daemon process. */
export class DaemonLoop {
  private plan: Plan;
  private readonly runs = new Map<number, Run>();
  private timer: unknown = null;
  private phase: 'running' | 'draining' | 'terminating' | 'killing' | 'stopped' = 'running';
  private phaseTimer: unknown = null;
  private stopped: Promise<void> | null = null;
  private resolveStopped: () => void = () => {};

  constructor(
    private readonly deps: LoopDeps,
    jobs: readonly DaemonJob[],
    anchors: ReadonlyMap<string, number>,
    private readonly options: LoopOptions = LOOP_DEFAULTS,
  ) {
    this.plan = createPlan(jobs, anchors, deps.now());
  }

  /** Starts the timer. */
  start(): void {
    this.arm();
  }

  /** The current plan, for the status file and `hb daemon status`. */
  slots(): readonly Slot[] {
    return this.plan.slots;
  }

  /** Pids of the runs in flight, by job name. */
  running(): Map<string, number[]> {
    const byJob = new Map<string, number[]>();
    for (const [pid, run] of this.runs) byJob.set(run.job.name, [...(byJob.get(run.job.name) ?? []), pid]);
    return byJob;
  }

  /** Applies a reloaded job list; unchanged schedules keep their next fire. */
  reload(jobs: readonly DaemonJob[], anchors: ReadonlyMap<string, number>): PlanChanges {
    const r = reloadPlan(this.plan, jobs, anchors, this.deps.now());
    this.plan = r.plan;
    this.arm();
    return r.changes;
  }

  /** A run's process ended (`code` null when a signal ended it). */
  exited(pid: number, code: number | null, signal: string | null): void {
    const run = this.runs.get(pid);
    if (!run) return;
    this.runs.delete(pid);
    const took = shortDuration(this.deps.now() - run.startedMs);
    if (signal) this.deps.log(`${label(run.job)} (pid ${pid}) was ended by ${signal} after ${took}`);
    else if (code !== 0) this.deps.log(`${label(run.job)} (pid ${pid}) exited ${code} after ${took}${run.job.kind === 'check' && code === 1 ? ': a job is a problem' : ''}`);
    if (this.phase !== 'running' && this.runs.size === 0) this.finish();
  }

  /**
   * Stops scheduling and lets runs in flight finish for up to stopTimeoutMs, then sends them
   * SIGTERM, and SIGKILL killAfterMs later. Calling it again while runs are still being waited
   * for skips the wait. Resolves once no run is left (or the killed ones could not be reaped).
   */
  stop(): Promise<void> {
    if (this.phase === 'draining') {
      this.deps.log('asked again: stopping the running jobs now');
      this.terminate();
    }
    if (this.stopped) return this.stopped;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.clear();
    this.phase = 'draining';
    if (this.runs.size === 0) this.finish();
    else {
      this.deps.log(`stopping: waiting up to ${formatDuration(this.options.stopTimeoutMs)} for ${this.describeRuns()} to finish`);
      this.phaseTimer = this.deps.setTimer(() => this.terminate(), this.options.stopTimeoutMs);
    }
    return this.stopped;
  }

  private terminate(): void {
    if (this.phase !== 'draining') return;
    this.phase = 'terminating';
    this.deps.clearTimer(this.phaseTimer);
    this.deps.log(`sending SIGTERM to ${this.describeRuns()}`);
    for (const pid of this.runs.keys()) this.deps.kill(pid, 'SIGTERM');
    this.phaseTimer = this.deps.setTimer(() => this.killAll(), this.options.killAfterMs);
  }

  private killAll(): void {
    this.phase = 'killing';
    this.deps.log(`sending SIGKILL to ${this.describeRuns()}: still running ${formatDuration(this.options.killAfterMs)} after SIGTERM`);
    for (const pid of this.runs.keys()) this.deps.kill(pid, 'SIGKILL');
    this.phaseTimer = this.deps.setTimer(() => this.finish(), REAP_WAIT_MS);
  }

  private finish(): void {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.deps.clearTimer(this.phaseTimer);
    this.phaseTimer = null;
    this.resolveStopped();
  }

  private describeRuns(): string {
    const runs = [...this.runs].map(([pid, r]) => `${label(r.job)} (pid ${pid})`);
    return `${runs.length} run${runs.length === 1 ? '' : 's'}: ${runs.join(', ')}`;
  }

  private clear(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.clear();
    if (this.phase !== 'running') return;
    // Nothing to run (no jobs) still keeps one timer: the daemon stays up for a reload or a stop.
    const wake = nextWake(this.plan) ?? Infinity;
    const delay = Math.min(Math.max(wake - this.deps.now(), 0), this.options.maxSleepMs);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      this.wake();
    }, delay);
  }

  private wake(): void {
    if (this.phase !== 'running') return;
    const r = step(this.plan, this.deps.now(), (name) => this.holderOf(name) !== null);
    this.plan = r.plan;
    for (const d of r.decisions) this.act(d);
    this.arm();
  }

  private act(d: Decision): void {
    const late = d.missed > 0 ? `; ${missedText(d)} missed (the daemon was late)` : '';
    if (d.type === 'skip') {
      const holder = this.holderOf(d.job.name)!;
      this.deps.log(`skipped ${label(d.job)} due at ${hms(d.dueMs)}: the previous run (pid ${holder.pid}, started ${hms(holder.startedMs)}) is still going and the job has lock${late}`);
      this.deps.skipped(d.job, holder);
      return;
    }
    const started = this.deps.spawn(d.job);
    if ('error' in started) {
      this.deps.log(`could not start ${label(d.job)}: ${started.error}`);
      return;
    }
    this.runs.set(started.pid, { job: d.job, startedMs: this.deps.now() });
    if (!this.options.quiet || late) this.deps.log(`started ${label(d.job)} (pid ${started.pid})${late}`);
  }

  /** The oldest run in flight of a job, or null. */
  private holderOf(name: string): { pid: number; startedMs: number } | null {
    for (const [pid, run] of this.runs) if (run.job.name === name) return { pid, startedMs: run.startedMs };
    return null;
  }
}

/** A run's length for the log: `120ms`, `2.5s`, then formatDuration's `1m30s`. */
function shortDuration(ms: number): string {
  return ms >= 1000 && ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

/** `1 earlier fire`, `3 earlier fires`; a cron scan stops at 100 (`100+`). */
function missedText(d: Decision): string {
  const more = d.missed >= 100 && 'cron' in d.job.schedule ? '+' : '';
  return `${d.missed}${more} earlier fire${d.missed === 1 ? '' : 's'}`;
}

/** One line of the daemon's log: `2026-11-23T08:00:00Z hb daemon: started tick backup (pid 123)`. */
export function logLine(nowMs: number, message: string): string {
  return `${new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z')} hb daemon: ${message.replace(/\s*\n\s*/g, '; ')}\n`;
}
