// Cron due times remembered between checks. `hb check` runs every minute over heartbeats that
// mostly have not changed; computing a due time in a zone starts ICU (~15 ms), so the answers are
// kept in the state directory and reused while the time-zone data is the same.

import { compileSchedule } from './compile.ts';
import type { Schedule, ScheduleSpec, Timing } from './types.ts';

/** What is persisted: the tz data version it was computed with, and key → [due, period]. */
export interface StoredTimings {
  v: 1;
  tzdata: string;
  entries: Record<string, [number, number]>;
}

/** A timing function backed by remembered answers, and what to write back. */
export interface TimingMemo {
  timing(spec: ScheduleSpec, anchorMs: number): Timing;
  /** The entries used by this run (old ones drop out), or null when nothing new was computed. */
  toStore(): StoredTimings | null;
}

/**
 * Wraps compileSchedule with remembered cron answers. Fires fall on whole minutes, so the
 * answer for a run anywhere in a minute is the answer for the minute's start; every-schedules
 * are plain arithmetic and not remembered. `zoneFor` gives the zone of a cron without one.
 */
export function timingMemo(stored: unknown, tzdata: string, zoneFor: (spec: ScheduleSpec) => string): TimingMemo {
  const old = isStored(stored) && stored.tzdata === tzdata ? stored.entries : {};
  const used: Record<string, [number, number]> = {};
  // Every-schedules by their period's text: each heartbeat brings its own spec object, and the
  // 10,000 jobs of a check share a handful of periods.
  const periods = new Map<string, Schedule>();
  let computed = 0;
  return {
    timing(spec, anchorMs) {
      if (!('cron' in spec)) {
        const every: unknown = spec.every;
        if (typeof every !== 'string') return compileSchedule(spec, 'UTC').timing(anchorMs);
        let schedule = periods.get(every);
        if (!schedule) periods.set(every, (schedule = compileSchedule(spec, 'UTC')));
        return schedule.timing(anchorMs);
      }
      const minute = Math.floor(anchorMs / 60_000) * 60_000;
      const tz = spec.tz ?? zoneFor(spec);
      const key = `${spec.cron}\u0000${tz}\u0000${minute}`;
      const hit = used[key] ?? old[key];
      if (Array.isArray(hit) && hit[0] > minute && hit[1] > 0 && Number.isFinite(hit[0]) && Number.isFinite(hit[1])) {
        used[key] = hit;
        return { dueMs: hit[0], periodMs: hit[1] };
      }
      const t = compileSchedule({ cron: spec.cron, tz }, tz).timing(minute);
      // JSON has no Infinity: a schedule never due again is simply computed each time.
      if (Number.isFinite(t.dueMs) && Number.isFinite(t.periodMs)) {
        used[key] = [t.dueMs, t.periodMs];
        computed++;
      }
      return t;
    },
    toStore: () => (computed > 0 ? { v: 1, tzdata, entries: used } : null),
  };
}

function isStored(x: unknown): x is StoredTimings {
  const s = x as StoredTimings | null;
  return typeof s === 'object' && s !== null && s.v === 1 && typeof s.tzdata === 'string' && typeof s.entries === 'object' && s.entries !== null;
}
