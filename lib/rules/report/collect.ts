// One pass over the event log: per-job counters, run timelines, incidents and recovery steps.

import { parseEvent, type HbEvent, type ReadKnown } from '../events/parse.ts';
import { LIST_CAP, type IncidentSpan, type RecoveryStep, type TimelineRun } from './types.ts';

/** What one pass over the events learnt about one job. */
export interface JobTally {
  job: string;
  /** True when at least one of its events falls in the window. */
  seen: boolean;
  events: number;
  runs: number;
  ok: number;
  failures: number;
  timeouts: number;
  crashes: number;
  pings: number;
  overlaps: number;
  opened: number;
  resolved: number;
  rollbacks: number;
  restarts: number;
  restartFailures: number;
  notifyFailures: number;
  recoveryBlocked: number;
  durations: number[];
  timeline: TimelineRun[];
  /** Cycles whose crash was logged in the window (the current verdict must not count it twice). */
  crashedCycles: Set<number>;
  /** Incidents open at the end of the window, by id. */
  open: Map<string, IncidentSpan>;
  /** Incidents resolved inside the window. */
  closed: IncidentSpan[];
  recovery: RecoveryStep[];
  /** run_started times by cycle, until the run's end is seen. */
  starts: Map<number, number>;
  /** Cycles stopped by --timeout (the timeout event comes before the run's run_finished). */
  timedOut: Set<number>;
}

/** The window of a report: events at `sinceMs` ≤ ts ≤ `untilMs` count; later ones are ignored. */
export interface Window {
  sinceMs: number;
  untilMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function tally(job: string): JobTally {
  return {
    job,
    seen: false,
    events: 0,
    runs: 0,
    ok: 0,
    failures: 0,
    timeouts: 0,
    crashes: 0,
    pings: 0,
    overlaps: 0,
    opened: 0,
    resolved: 0,
    rollbacks: 0,
    restarts: 0,
    restartFailures: 0,
    notifyFailures: 0,
    recoveryBlocked: 0,
    durations: [],
    timeline: [],
    crashedCycles: new Set(),
    open: new Map(),
    closed: [],
    recovery: [],
    starts: new Map(),
    timedOut: new Set(),
  };
}

/** Where an event falls: its time, whether it is inside the window, and its cycle when it has one. */
interface At {
  t: number;
  inside: boolean;
  cycle: number | null;
}

/** One report rule per type of a union of read events: a type without one does not type-check. */
export type ReportRules<E extends { type: string }> = { readonly [T in E['type']]: (j: JobTally, e: Extract<E, { type: T }> & { ts: string }, at: At) => void };

/** Counted as an event of its job only. */
const countOnly = () => {};

/** What each type hb writes adds to its job's tally. */
export const RULES: ReportRules<ReadKnown> = {
  run_started: (j, _e, { t, cycle }) => {
    if (cycle !== null) j.starts.set(cycle, t);
  },
  timeout: (j, _e, { inside, cycle }) => {
    if (cycle !== null) j.timedOut.add(cycle);
    if (inside) j.timeouts++;
  },
  run_finished: (j, e, { t, inside, cycle }) => {
    const started = cycle === null ? undefined : j.starts.get(cycle);
    const timedOut = cycle !== null && j.timedOut.has(cycle);
    if (cycle !== null) {
      j.starts.delete(cycle);
      j.timedOut.delete(cycle);
    }
    if (!inside) return;
    const failed = e.status === 'error';
    const ping = e.ping === true;
    const duration = e.duration_ms ?? null;
    j.runs++;
    if (failed) j.failures++;
    else j.ok++;
    if (ping) j.pings++;
    else if (duration !== null && duration >= 0) j.durations.push(duration);
    j.timeline.push({
      started_at: iso(started ?? t - (duration ?? 0)),
      duration_ms: duration,
      outcome: timedOut ? 'timeout' : failed ? 'failed' : 'ok',
      exit_code: e.exit_code ?? null,
      signal: e.signal ?? null,
      cycle,
      ping,
    });
  },
  crash_detected: (j, e, { t, inside, cycle }) => {
    if (cycle !== null) j.starts.delete(cycle);
    if (!inside) return;
    j.crashes++;
    if (cycle !== null) j.crashedCycles.add(cycle);
    const started = Date.parse(e.started_at ?? '');
    j.timeline.push({
      started_at: iso(Number.isFinite(started) ? started : t),
      duration_ms: null,
      outcome: 'crashed',
      exit_code: null,
      signal: null,
      cycle,
      ping: false,
    });
  },
  overlap_skipped: (j, _e, { inside }) => {
    if (inside) j.overlaps++;
  },
  alert_opened: (j, e, { inside }) => {
    const id = e.incident ?? '';
    j.open.set(id, { id, status: e.status ?? '', reason: e.reason ?? '', opened_at: e.ts, resolved_at: null });
    if (inside) j.opened++;
  },
  alert_resolved: (j, e, { inside }) => {
    const id = e.incident ?? '';
    const span = j.open.get(id);
    j.open.delete(id);
    if (!inside) return;
    j.resolved++;
    if (span) push(j.closed, { ...span, resolved_at: e.ts });
  },
  config_rolled_back: (j, e, { inside }) => {
    if (!inside) return;
    j.rollbacks++;
    push(j.recovery, { at: e.ts, type: 'config_rolled_back', files: (e.files ?? []).map((f) => f.path ?? '') });
  },
  restart: (j, e, { inside }) => {
    if (!inside) return;
    j.restarts++;
    if (e.exit_code !== 0) j.restartFailures++;
    push(j.recovery, { at: e.ts, type: 'restart', exit_code: e.exit_code ?? null });
  },
  recovery_verified: (j, e, { inside }) => {
    if (inside) push(j.recovery, { at: e.ts, type: 'recovery_verified', healthy: e.healthy ?? null, reason: e.reason ?? '' });
  },
  recovery_blocked: (j, e, { inside }) => {
    if (!inside) return;
    j.recoveryBlocked++;
    push(j.recovery, { at: e.ts, type: 'recovery_blocked', reason: e.reason ?? '' });
  },
  notify_failed: (j, _e, { inside }) => {
    if (inside) j.notifyFailures++;
  },
  alert_reminded: countOnly,
  paused: countOnly,
  resumed: countOnly,
  forgotten: countOnly,
  snapshot_saved: countOnly,
  snapshot_refused: countOnly,
};

/**
 * Reads every event (oldest first) up to the window's end. Counts come from events inside the
 * window; run starts and open incidents are followed from before it, so a run that began before
 * `since` gets its true start and an incident opened last week still shows as open. An event
 * without a time or a job is passed over.
 */
export function collect(lines: Iterable<HbEvent>, window: Window): Map<string, JobTally> {
  const jobs = new Map<string, JobTally>();
  const { sinceMs, untilMs } = window;
  for (const line of lines) {
    // Each line is parsed as it is counted: a week of events is never held twice.
    const e = parseEvent(line);
    if (e.job === undefined || e.ts === undefined) continue;
    const t = Date.parse(e.ts);
    if (!(t <= untilMs)) continue; // NaN too
    let j = jobs.get(e.job);
    if (!j) jobs.set(e.job, (j = tally(e.job)));
    const inside = t >= sinceMs;
    if (inside) {
      j.seen = true;
      j.events++;
    }
    // A type from another version of hb counts as an event of its job, and nothing more.
    if (!e.known) continue;
    const at = { t, inside, cycle: 'cycle' in e && e.cycle !== undefined ? e.cycle : null };
    (RULES[e.type] as (j: JobTally, e: ReadKnown & { ts: string }, at: At) => void)(j, e as ReadKnown & { ts: string }, at);
  }
  return jobs;
}

/** Appends, keeping the newest LIST_CAP entries (amortised: trims in batches). */
function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > LIST_CAP * 2) list.splice(0, list.length - LIST_CAP);
}
