// How far behind its schedule the daemon runs: the start lag of each fire, the fires lost, and
// the minutes in which it fell behind (one log line for each such minute). Pure: time comes in.

import { formatDuration } from '../duration.ts';

/** A fire that starts more than this after it was due counts as late: the daemon is past capacity. */
export const LATE_START_MS = 2000;

/** One minute of fires (a UTC minute of the wall clock). */
interface Window {
  startMs: number;
  fires: number;
  late: number;
  lost: number;
  lags: number[];
  peakWaiting: number;
}

/** The last complete minute that had fires, as the status file shows it. */
export interface MinuteLoad {
  from: string;
  fires: number;
  late: number;
  lost: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  peak_waiting: number;
}

/** What the status file and `hb daemon status` say about the daemon's load since it started. */
export interface LoadStats {
  running: number;
  waiting: number;
  max_concurrent: number;
  /** Fires that came due and started (or were skipped for overlap). */
  fires: number;
  /** Fires that started more than LATE_START_MS after they were due. */
  late: number;
  /** Fires that never ran: a late wake-up's missed fires, and fires dropped because one of the job already waited. */
  lost: number;
  /** Minutes with a late or lost fire. */
  overload_minutes: number;
  last_overload_at: string | null;
  last_minute: MinuteLoad | null;
}

const MINUTE_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const hm = (ms: number) => iso(ms).slice(11, 16) + 'Z';

/** The value at fraction `q` of sorted `xs` (nearest rank), 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Counts fires per minute and says, once per minute in which the daemon fell behind, by how much. */
export class LoadMeter {
  private window: Window | null = null;
  private totals = { fires: 0, late: 0, lost: 0, overloadMinutes: 0, lastOverloadMs: null as number | null };
  private last: MinuteLoad | null = null;
  private closed = false;

  /** A fire due at `dueMs` started at `startMs` (a skip for overlap counts, with its decision time). */
  started(dueMs: number, startMs: number, waiting: number): string | null {
    const line = this.roll(startMs);
    const w = this.current(startMs);
    const lag = Math.max(0, startMs - dueMs);
    w.fires++;
    w.lags.push(lag);
    if (lag > LATE_START_MS) w.late++;
    w.peakWaiting = Math.max(w.peakWaiting, waiting);
    this.totals.fires++;
    if (lag > LATE_START_MS) this.totals.late++;
    return line;
  }

  /** `count` fires that will never run (missed by a late wake-up, or dropped); `waiting`: the queue now. */
  lost(count: number, nowMs: number, waiting: number): string | null {
    if (count <= 0) return this.roll(nowMs);
    const line = this.roll(nowMs);
    const w = this.current(nowMs);
    w.lost += count;
    w.peakWaiting = Math.max(w.peakWaiting, waiting);
    this.totals.lost += count;
    return line;
  }

  /** A fire joined the queue: remembered for the minute's peak. */
  queued(waiting: number, nowMs: number): string | null {
    const line = this.roll(nowMs);
    const w = this.current(nowMs);
    w.peakWaiting = Math.max(w.peakWaiting, waiting);
    return line;
  }

  /**
   * Closes the minute before `nowMs`'s if it has ended; returns its one log line when the daemon
   * fell behind in it, else null. Called on every event and when the minute ends (closesAt).
   */
  roll(nowMs: number): string | null {
    const w = this.window;
    if (!w || nowMs - w.startMs < MINUTE_MS) return null;
    this.window = null;
    this.closed = true;
    const lags = w.lags.sort((a, b) => a - b);
    this.last = {
      from: iso(w.startMs),
      fires: w.fires,
      late: w.late,
      lost: w.lost,
      lag_p50_ms: quantile(lags, 0.5),
      lag_p99_ms: quantile(lags, 0.99),
      lag_max_ms: quantile(lags, 1),
      peak_waiting: w.peakWaiting,
    };
    if (w.late === 0 && w.lost === 0) return null;
    this.totals.overloadMinutes++;
    this.totals.lastOverloadMs = w.startMs;
    return overloadLine(this.last, w.startMs);
  }

  /** When the minute being counted ends (the loop wakes then, so its line is not held back for the next fire), or null. */
  closesAt(): number | null {
    return this.window ? this.window.startMs + MINUTE_MS : null;
  }

  /** Closes the minute being counted although it has not ended (the daemon stops): its line, or null. */
  flush(nowMs: number): string | null {
    return this.window ? this.roll(Math.max(nowMs, this.window.startMs + MINUTE_MS)) : null;
  }

  /** Whether a minute was closed since the last call (the counters then changed for the status file). */
  closedSinceLastAsked(): boolean {
    const closed = this.closed;
    this.closed = false;
    return closed;
  }

  /** The counters for the status file. */
  stats(running: number, waiting: number, maxConcurrent: number): LoadStats {
    return {
      running,
      waiting,
      max_concurrent: maxConcurrent,
      fires: this.totals.fires,
      late: this.totals.late,
      lost: this.totals.lost,
      overload_minutes: this.totals.overloadMinutes,
      last_overload_at: this.totals.lastOverloadMs === null ? null : iso(this.totals.lastOverloadMs),
      last_minute: this.last,
    };
  }

  private current(nowMs: number): Window {
    if (!this.window) this.window = { startMs: nowMs - (nowMs % MINUTE_MS), fires: 0, late: 0, lost: 0, lags: [], peakWaiting: 0 };
    return this.window;
  }
}

/** The one line for a minute in which the daemon fell behind. */
function overloadLine(m: MinuteLoad, startMs: number): string {
  const parts = [
    `${m.late} of ${m.fires} fire${m.fires === 1 ? '' : 's'} started more than ${formatDuration(LATE_START_MS)} after they were due (worst ${lagText(m.lag_max_ms)}, p99 ${lagText(m.lag_p99_ms)})`,
    `${m.lost} lost`,
    `up to ${m.peak_waiting} waiting for a free run`,
  ];
  return `overloaded in the minute from ${hm(startMs)}: ${parts.join(', ')}; raise --max-concurrent if runs are long, or spread the jobs' schedules`;
}

const lagText = (ms: number) => (ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`);
