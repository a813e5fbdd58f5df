// One pass over the event log: per-job counters, run timelines, incidents and recovery steps.

import type { HbEvent } from '../events/log.ts';
import { isEventType } from '../events/schema.ts';
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

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const iso = (ms: number) => new Date(ms).toISOString();

function tally(job: string): JobTally {
  return {
    job, seen: false, events: 0, runs: 0, ok: 0, failures: 0, timeouts: 0, crashes: 0, pings: 0, overlaps: 0,
    opened: 0, resolved: 0, rollbacks: 0, restarts: 0, restartFailures: 0, notifyFailures: 0, recoveryBlocked: 0,
    durations: [], timeline: [], crashedCycles: new Set(), open: new Map(), closed: [], recovery: [],
    starts: new Map(), timedOut: new Set(),
  };
}

/**
 * Reads every event (oldest first) up to the window's end. Counts come from events inside the
 * window; run starts and open incidents are followed from before it, so a run that began before
 * `since` gets its true start and an incident opened last week still shows as open.
 */
export function collect(events: readonly HbEvent[], window: Window): Map<string, JobTally> {
  const jobs = new Map<string, JobTally>();
  const { sinceMs, untilMs } = window;
  for (const e of events) {
    if (typeof e.job !== 'string' || typeof e.ts !== 'string') continue;
    const t = Date.parse(e.ts);
    if (!(t <= untilMs)) continue; // NaN too
    let j = jobs.get(e.job);
    if (!j) jobs.set(e.job, (j = tally(e.job)));
    const inside = t >= sinceMs;
    if (inside) {
      j.seen = true;
      j.events++;
    }
    const type = e.type;
    // A type from another version of hb counts as an event of its job, and nothing more.
    if (!isEventType(type)) continue;
    const cycle = num(e.cycle);
    // One rule per type hb writes: a new type without one does not type-check.
    switch (type) {
      case 'run_started':
        if (cycle !== null) j.starts.set(cycle, t);
        break;
      case 'timeout':
        if (cycle !== null) j.timedOut.add(cycle);
        if (inside) j.timeouts++;
        break;
      case 'run_finished': {
        const started = cycle === null ? undefined : j.starts.get(cycle);
        const timedOut = cycle !== null && j.timedOut.has(cycle);
        if (cycle !== null) {
          j.starts.delete(cycle);
          j.timedOut.delete(cycle);
        }
        if (!inside) break;
        const failed = e.status === 'error';
        const ping = e.ping === true;
        const duration = num(e.duration_ms);
        j.runs++;
        if (failed) j.failures++;
        else j.ok++;
        if (ping) j.pings++;
        else if (duration !== null && duration >= 0) j.durations.push(duration);
        j.timeline.push({
          started_at: iso(started ?? t - (duration ?? 0)),
          duration_ms: duration,
          outcome: timedOut ? 'timeout' : failed ? 'failed' : 'ok',
          exit_code: num(e.exit_code),
          signal: typeof e.signal === 'string' ? e.signal : null,
          cycle,
          ping,
        });
        break;
      }
      case 'crash_detected': {
        if (cycle !== null) j.starts.delete(cycle);
        if (!inside) break;
        j.crashes++;
        if (cycle !== null) j.crashedCycles.add(cycle);
        const started = Date.parse(str(e.started_at));
        j.timeline.push({ started_at: iso(Number.isFinite(started) ? started : t), duration_ms: null, outcome: 'crashed', exit_code: null, signal: null, cycle, ping: false });
        break;
      }
      case 'overlap_skipped':
        if (inside) j.overlaps++;
        break;
      case 'alert_opened': {
        const id = str(e.incident);
        j.open.set(id, { id, status: str(e.status), reason: str(e.reason), opened_at: e.ts, resolved_at: null });
        if (inside) j.opened++;
        break;
      }
      case 'alert_resolved': {
        const id = str(e.incident);
        const span = j.open.get(id);
        j.open.delete(id);
        if (!inside) break;
        j.resolved++;
        if (span) push(j.closed, { ...span, resolved_at: e.ts });
        break;
      }
      case 'config_rolled_back':
        if (!inside) break;
        j.rollbacks++;
        push(j.recovery, { at: e.ts, type: 'config_rolled_back', files: Array.isArray(e.files) ? e.files.map((f) => str((f as { path?: unknown })?.path)) : [] });
        break;
      case 'restart':
        if (!inside) break;
        j.restarts++;
        if (e.exit_code !== 0) j.restartFailures++;
        push(j.recovery, { at: e.ts, type: 'restart', exit_code: num(e.exit_code) });
        break;
      case 'recovery_verified':
        if (inside) push(j.recovery, { at: e.ts, type: 'recovery_verified', healthy: typeof e.healthy === 'boolean' ? e.healthy : null, reason: str(e.reason) });
        break;
      case 'recovery_blocked':
        if (!inside) break;
        j.recoveryBlocked++;
        push(j.recovery, { at: e.ts, type: 'recovery_blocked', reason: str(e.reason) });
        break;
      case 'notify_failed':
        if (inside) j.notifyFailures++;
        break;
      case 'alert_reminded':
      case 'paused':
      case 'resumed':
      case 'forgotten':
      case 'snapshot_saved':
      case 'snapshot_refused':
        // Counted as events of the job only.
        break;
      default: {
        const unruled: never = type;
        void unruled;
      }
    }
  }
  return jobs;
}

/** Appends, keeping the newest LIST_CAP entries (amortised: trims in batches). */
function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > LIST_CAP * 2) list.splice(0, list.length - LIST_CAP);
}
