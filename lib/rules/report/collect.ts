// One pass over the event log: per-job counters, run timelines, incidents and recovery steps.

import { parseEvent, type HbEvent, type ReadKnown, type ReadOf } from '../events/parse.ts';
import { isoTime } from '../iso-time.ts';
import { LIST_CAP, TIMELINE_CAP, type IncidentSpan, type RecoveryStep, type TimelineRun } from './types.ts';

/** What one pass over the events learnt about one job. */
export interface JobTally {
  job: string;
  /** True when at least one of its events falls in the window. */
  seen: boolean;
  events: number;
  runs: number;
  ok: number;
  warnings: number;
  slow: number;
  suspicious: number;
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
  /** The newest runs by start, at least TIMELINE_CAP of them when there are that many (see pushRun). */
  timeline: TimelineRun[];
  /** Runs left out of `timeline` as older than the newest TIMELINE_CAP. */
  timelineDropped: number;
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
    warnings: 0,
    slow: 0,
    suspicious: 0,
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
    timelineDropped: 0,
    crashedCycles: new Set(),
    open: new Map(),
    closed: [],
    recovery: [],
    starts: new Map(),
    timedOut: new Set(),
  };
}

/** A known event of one type, with its time. */
type Read<T extends ReadKnown['type']> = ReadOf<T> & { ts: string };

/**
 * What one event hb writes adds to its job's tally: `t` is its time, `inside` whether it falls in
 * the window, `cycle` its cycle when it has one. One case per type: a type hb writes without a
 * case here does not type-check (the `never` below).
 */
export function countEvent(j: JobTally, e: ReadKnown & { ts: string }, t: number, inside: boolean, cycle: number | null): void {
  switch (e.type) {
    case 'run_started':
      if (cycle !== null) j.starts.set(cycle, t);
      return;
    case 'timeout':
      if (cycle !== null) j.timedOut.add(cycle);
      if (inside) j.timeouts++;
      return;
    case 'run_finished':
      return runFinished(j, e, t, inside, cycle);
    case 'crash_detected':
      return crashDetected(j, e, t, inside, cycle);
    case 'overlap_skipped':
      if (inside) j.overlaps++;
      return;
    case 'alert_opened': {
      const id = e.incident ?? '';
      j.open.set(id, { id, status: e.status ?? '', reason: e.reason ?? '', opened_at: e.ts, resolved_at: null });
      if (inside) j.opened++;
      return;
    }
    case 'alert_resolved': {
      const id = e.incident ?? '';
      const span = j.open.get(id);
      j.open.delete(id);
      if (!inside) return;
      j.resolved++;
      if (span) push(j.closed, { ...span, resolved_at: e.ts });
      return;
    }
    case 'config_rolled_back':
      if (!inside) return;
      j.rollbacks++;
      push(j.recovery, { at: e.ts, type: 'config_rolled_back', files: (e.files ?? []).map((f) => f.path ?? '') });
      return;
    case 'restart':
      if (!inside) return;
      j.restarts++;
      if (e.exit_code !== 0) j.restartFailures++;
      push(j.recovery, { at: e.ts, type: 'restart', exit_code: e.exit_code ?? null });
      return;
    case 'recovery_verified':
      if (inside) push(j.recovery, { at: e.ts, type: 'recovery_verified', healthy: e.healthy ?? null, reason: e.reason ?? '' });
      return;
    case 'recovery_blocked':
      if (!inside) return;
      j.recoveryBlocked++;
      push(j.recovery, { at: e.ts, type: 'recovery_blocked', reason: e.reason ?? '' });
      return;
    case 'notify_failed':
      if (inside) j.notifyFailures++;
      return;
    // Counted as an event of their job only.
    case 'alert_reminded':
    case 'alert_escalated':
    case 'paused':
    case 'resumed':
    case 'forgotten':
    case 'snapshot_saved':
    case 'snapshot_refused':
      return;
    default:
      return unhandled(e);
  }
}

/** Reached by no event: every type hb writes has its case above, or this does not type-check. */
function unhandled(e: never): void {
  void e;
}

function runFinished(j: JobTally, e: Read<'run_finished'>, t: number, inside: boolean, cycle: number | null): void {
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
  // A success hb judged a warning, slow or suspicious (an older hb's line has no outcome: ok).
  const judged = failed ? null : SUCCESS_OUTCOMES.get(e.outcome ?? '');
  j.runs++;
  if (failed) j.failures++;
  else j.ok++;
  if (judged) j[judged.counter]++;
  if (ping) j.pings++;
  else if (duration !== null && duration >= 0) j.durations.push(duration);
  pushRun(j, {
    started_at: iso(started ?? t - (duration ?? 0)),
    duration_ms: duration,
    outcome: timedOut ? 'timeout' : failed ? 'failed' : (judged?.outcome ?? 'ok'),
    exit_code: e.exit_code ?? null,
    signal: e.signal ?? null,
    cycle,
    ping,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  });
}

/** The outcomes of a successful run that the report counts apart, and the counter each adds to. */
const SUCCESS_OUTCOMES = new Map<string, { outcome: TimelineRun['outcome']; counter: 'warnings' | 'slow' | 'suspicious' }>([
  ['warning', { outcome: 'warning', counter: 'warnings' }],
  ['slow', { outcome: 'slow', counter: 'slow' }],
  ['suspicious', { outcome: 'suspicious', counter: 'suspicious' }],
]);

function crashDetected(j: JobTally, e: Read<'crash_detected'>, t: number, inside: boolean, cycle: number | null): void {
  if (cycle !== null) j.starts.delete(cycle);
  if (!inside) return;
  j.crashes++;
  if (cycle !== null) j.crashedCycles.add(cycle);
  const started = Date.parse(e.started_at ?? '');
  pushRun(j, {
    started_at: iso(Number.isFinite(started) ? started : t),
    duration_ms: null,
    outcome: 'crashed',
    exit_code: null,
    signal: null,
    cycle,
    ping: false,
  });
}

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
    const t = isoTime(e.ts);
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
    countEvent(j, e as ReadKnown & { ts: string }, t, inside, 'cycle' in e && e.cycle !== undefined ? e.cycle : null);
  }
  return jobs;
}

/**
 * Adds a run to the job's timeline, holding no more than twice TIMELINE_CAP: past that, the
 * oldest by start are dropped (and counted) down to TIMELINE_CAP, so a day of a job that runs
 * every second costs the report its newest runs only. The report shows the newest TIMELINE_CAP
 * (lib/rules/report/build.ts), which are always among those kept.
 */
function pushRun(j: JobTally, run: TimelineRun): void {
  const timeline = j.timeline;
  timeline.push(run);
  if (timeline.length <= TIMELINE_CAP * 2) return;
  timeline.sort(byStart);
  const drop = timeline.length - TIMELINE_CAP;
  timeline.splice(0, drop);
  j.timelineDropped += drop;
}

/** Orders runs by start (ISO text sorts as time); a stable sort keeps equal starts in log order. */
export const byStart = (a: TimelineRun, b: TimelineRun): number => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0);

/** Appends, keeping the newest LIST_CAP entries (amortised: trims in batches). */
function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > LIST_CAP * 2) list.splice(0, list.length - LIST_CAP);
}
