// The daemon's loop: one timer to the earliest fire, the runs in flight, and the graceful stop.
// Everything outside (clock, timers, processes, the log) is injected, so it runs on a fake clock.

import { formatDuration } from '../duration.ts';
import { mayOverlap, runLabel as label, type DaemonJob } from './jobs.ts';
import { DEFAULT_MAX_CONCURRENT } from './limits.ts';
import { LoadMeter, type LoadStats } from './load.ts';
import { createPlan, nextWake, reloadPlan, stepPlan, type Decision, type Plan, type PlanChanges, type Slot } from './scheduler.ts';

/**
 * A run once started: `id` is unique among the runs in flight (a process id, or a number the
 * spawner chose); `tag` is how the log names it (default `pid ID`); `holderPid` is the process a
 * skipped fire names as the holder (default ID).
 */
export interface StartedRun {
  id: number;
  tag?: string;
  holderPid?: number;
}

/** What the loop needs from the outside world. */
export interface LoopDeps {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** Starts one run of `job`; its end must be reported with `exited`. */
  spawn(job: DaemonJob): StartedRun | { error: string };
  /** Signals a run (by its id); SIGKILL should also reach what the run started. */
  kill(id: number, signal: 'SIGTERM' | 'SIGKILL'): void;
  /** One line for the daemon's log (no timestamp, no newline). */
  log(message: string): void;
  /** A fire was skipped because `holder` (a run of the same locked job) is still going. */
  skipped(job: DaemonJob, holder: { pid: number; startedMs: number }): void;
  /** A minute of fires ended (the load counters changed); optional. */
  minuteEnded?(stats: LoadStats): void;
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
  /** The most runs in flight at once; a fire beyond it waits for a run to end (one waiting fire per job). */
  maxConcurrent: number;
}

/** Defaults: 30 s to finish, 10 s between TERM and KILL (as `hb wrap --timeout`), wake at least every minute, 32 runs at once. */
export const LOOP_DEFAULTS: LoopOptions = {
  quiet: false,
  stopTimeoutMs: 30_000,
  killAfterMs: 10_000,
  maxSleepMs: 60_000,
  maxConcurrent: DEFAULT_MAX_CONCURRENT,
};

/** How long the loop waits for killed runs to be reaped before it gives up on them. */
const REAP_WAIT_MS = 2000;

interface Run {
  job: DaemonJob;
  startedMs: number;
  tag: string;
  holderPid: number;
}

/** A fire waiting for a free run (the cap was reached); `late` is its missed-fires note. */
interface Waiting {
  job: DaemonJob;
  dueMs: number;
  sinceMs: number;
  late: string;
}

const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';

/** The scheduler loop of one daemon process. */
export class DaemonLoop {
  private plan: Plan;
  private readonly runs = new Map<number, Run>();
  private waiting: Waiting[] = [];
  private timer: unknown = null;
  private phase: 'running' | 'draining' | 'terminating' | 'killing' | 'stopped' = 'running';
  private phaseTimer: unknown = null;
  private stopped: Promise<void> | null = null;
  private resolveStopped: () => void = () => {};
  private readonly meter = new LoadMeter();

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

  /** Ids of the runs in flight, by job name. */
  running(): Map<string, number[]> {
    const byJob = new Map<string, number[]>();
    for (const [id, run] of this.runs) byJob.set(run.job.name, [...(byJob.get(run.job.name) ?? []), id]);
    return byJob;
  }

  /** The load counters: runs in flight, fires waiting, late and lost fires, overloaded minutes. */
  load(): LoadStats {
    return this.meter.stats(this.runs.size, this.waiting.length, this.options.maxConcurrent);
  }

  /** Applies a reloaded job list; unchanged schedules keep their next fire. */
  reload(jobs: readonly DaemonJob[], anchors: ReadonlyMap<string, number>): PlanChanges {
    const r = reloadPlan(this.plan, jobs, anchors, this.deps.now());
    this.plan = r.plan;
    // A waiting fire of a removed job is dropped; the others start with the job as now configured.
    const byName = new Map(jobs.map((j) => [j.name, j]));
    this.waiting = this.waiting.filter((w) => byName.has(w.job.name)).map((w) => ({ ...w, job: byName.get(w.job.name)! }));
    this.arm();
    return r.changes;
  }

  /** A run ended (`code` null when a signal ended it). */
  exited(id: number, code: number | null, signal: string | null): void {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    const took = shortDuration(this.deps.now() - run.startedMs);
    if (signal) this.deps.log(`${label(run.job)} (${run.tag}) was ended by ${signal} after ${took}`);
    else if (code !== 0)
      this.deps.log(`${label(run.job)} (${run.tag}) exited ${code} after ${took}${run.job.kind === 'check' && code === 1 ? ': a job is a problem' : ''}`);
    this.note(this.meter.roll(this.deps.now()));
    if (this.phase === 'running') this.startWaiting();
    else if (this.runs.size === 0) this.finish();
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
    this.note(this.meter.flush(this.deps.now()));
    if (this.waiting.length > 0) {
      this.deps.log(`dropped ${this.waiting.length} waiting run${this.waiting.length === 1 ? '' : 's'}: ${this.waiting.map((w) => label(w.job)).join(', ')}`);
      this.waiting = [];
    }
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
    for (const id of this.runs.keys()) this.deps.kill(id, 'SIGTERM');
    this.phaseTimer = this.deps.setTimer(() => this.killAll(), this.options.killAfterMs);
  }

  private killAll(): void {
    this.phase = 'killing';
    this.deps.log(`sending SIGKILL to ${this.describeRuns()}: still running ${formatDuration(this.options.killAfterMs)} after SIGTERM`);
    for (const id of this.runs.keys()) this.deps.kill(id, 'SIGKILL');
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
    const runs = [...this.runs.values()].map((r) => `${label(r.job)} (${r.tag})`);
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
    const wake = Math.min(nextWake(this.plan) ?? Infinity, this.meter.closesAt() ?? Infinity);
    const delay = Math.min(Math.max(wake - this.deps.now(), 0), this.options.maxSleepMs);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      this.wake();
    }, delay);
  }

  private wake(): void {
    if (this.phase !== 'running') return;
    const now = this.deps.now();
    this.note(this.meter.roll(now));
    const r = stepPlan(this.plan, now, (name) => this.holderOf(name) !== null);
    this.plan = r.plan;
    for (const d of r.decisions) this.act(d);
    this.arm();
  }

  private act(d: Decision): void {
    const late = d.missed > 0 ? `; ${missedText(d)} missed (the daemon was late)` : '';
    const now = this.deps.now();
    if (d.missed > 0) this.note(this.meter.lost(d.missed, now, this.waiting.length));
    if (d.type === 'skip') {
      this.note(this.meter.started(d.dueMs, now, this.waiting.length));
      this.skip(d.job, d.dueMs, late);
      return;
    }
    if (this.runs.size < this.options.maxConcurrent) {
      this.begin(d.job, d.dueMs, late, null);
      return;
    }
    // At the cap: the fire waits for a run to end. One waiting fire per job, so the queue never
    // grows past the job list however long the runs take.
    if (this.waiting.some((w) => w.job.name === d.job.name)) {
      this.note(this.meter.lost(1, now, this.waiting.length));
      this.deps.log(`skipped ${label(d.job)} due at ${hms(d.dueMs)}: an earlier fire of it is still waiting for a free run${late}`);
      return;
    }
    const first = this.waiting.length === 0;
    this.waiting.push({ job: d.job, dueMs: d.dueMs, sinceMs: now, late });
    this.note(this.meter.queued(this.waiting.length, now));
    // Under --quiet, one line when the queue forms (or for a fire with a note), not one per
    // waiting fire: a thousand same-minute fires would otherwise log a thousand lines.
    if (!this.options.quiet || first || late) this.deps.log(`${label(d.job)} waits: ${this.runs.size} runs are going, the most --max-concurrent allows${late}`);
  }

  /** Logs the meter's line for a minute the daemon fell behind in, and publishes the counters when a minute ended. */
  private note(line: string | null): void {
    if (line) this.deps.log(line);
    if (this.meter.closedSinceLastAsked()) this.deps.minuteEnded?.(this.load());
  }

  /** A fire that found a run of its job going, and the job may not overlap: logged and recorded, never queued. */
  private skip(job: DaemonJob, dueMs: number, late: string): void {
    const holder = this.holderOf(job.name)!;
    const why = job.lock ? 'the job has lock' : 'overlap is off for this job';
    this.deps.log(
      `skipped ${label(job)} due at ${hms(dueMs)}: the previous run (${holder.tag}, started ${hms(holder.startedMs)}) is still going and ${why}${late}`,
    );
    this.deps.skipped(job, { pid: holder.pid, startedMs: holder.startedMs });
  }

  /** Starts a run of the fire due at `dueMs`; `waitedSinceMs` is when it began waiting for a free run, or null. */
  private begin(job: DaemonJob, dueMs: number, late: string, waitedSinceMs: number | null): void {
    const now = this.deps.now();
    this.note(this.meter.started(dueMs, now, this.waiting.length));
    const started = this.deps.spawn(job);
    if ('error' in started) {
      this.deps.log(`could not start ${label(job)}: ${started.error}`);
      return;
    }
    const tag = started.tag ?? `pid ${started.id}`;
    this.runs.set(started.id, { job, startedMs: now, tag, holderPid: started.holderPid ?? started.id });
    const waited = waitedSinceMs === null ? '' : ` after waiting ${shortDuration(now - waitedSinceMs)} for a free run`;
    // Under --quiet a wait is routine too: the minute's overload line says how late fires were.
    if (!this.options.quiet || late) this.deps.log(`started ${label(job)} (${tag})${waited}${late}`);
  }

  /** Starts waiting fires, oldest first, while the cap allows. */
  private startWaiting(): void {
    while (this.runs.size < this.options.maxConcurrent && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      if (!mayOverlap(w.job) && this.holderOf(w.job.name)) {
        this.note(this.meter.started(w.dueMs, this.deps.now(), this.waiting.length));
        this.skip(w.job, w.dueMs, w.late);
      } else this.begin(w.job, w.dueMs, w.late, w.sinceMs);
    }
  }

  /** The oldest run in flight of a job, or null. */
  private holderOf(name: string): { pid: number; tag: string; startedMs: number } | null {
    for (const run of this.runs.values()) if (run.job.name === name) return { pid: run.holderPid, tag: run.tag, startedMs: run.startedMs };
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
export function daemonLogLine(nowMs: number, message: string): string {
  return `${new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z')} hb daemon: ${message.replace(/\s*\n\s*/g, '; ')}\n`;
}
