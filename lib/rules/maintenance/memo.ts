// Maintenance windows decided in one check remembered for the next ones. A window's state holds
// until its next opening or its end, and finding a fire in a zone starts ICU (~15 ms on an idle
// host, far more on a busy one): a check a minute over a config with windows reuses the answer
// while it holds and the time-zone data is the same. Pure: lib/adapters/health/meta-cache.ts
// reads and writes what it keeps.

import { decideWindow, type OpenWindow } from './open.ts';
import type { MaintenanceWindow } from './types.ts';

/** What is persisted: the tz data version, and per window (cron, zone, duration) [decided at, holds until, open until or null]. */
export interface StoredWindows {
  v: 1;
  tzdata: string;
  entries: Record<string, [number, number, number | null]>;
}

/** A window decider backed by remembered answers, and what to write back. */
export interface WindowMemo {
  openAt(window: MaintenanceWindow, nowMs: number): OpenWindow | null;
  /** The entries used by this check (old ones drop out), or null when nothing new was decided. */
  toStore(): StoredWindows | null;
}

/** Wraps decideWindow with answers kept from earlier checks; `load` reads them, only once a window is asked about. */
export function windowMemo(load: () => unknown, tzdata: string, decide = decideWindow): WindowMemo {
  let old: Record<string, unknown> | null = null;
  const used: StoredWindows['entries'] = {};
  let decided = 0;
  return {
    openAt(window, nowMs) {
      if (old === null) {
        const stored = load() as StoredWindows | null;
        old = isStored(stored) && stored.tzdata === tzdata ? stored.entries : {};
      }
      const key = `${window.schedule.cron}\u0000${window.schedule.tz}\u0000${window.durationMs}`;
      const hit = used[key] ?? old[key];
      if (holds(hit, nowMs)) {
        used[key] = hit;
        return hit[2] === null ? null : { untilMs: hit[2], text: window.text };
      }
      const state = decide(window, nowMs);
      // JSON has no Infinity: a window that never opens again is decided each time.
      if (Number.isFinite(state.untilMs)) {
        used[key] = [nowMs, state.untilMs, state.open ? state.untilMs : null];
        decided++;
      }
      return state.open ? { untilMs: state.untilMs, text: window.text } : null;
    },
    toStore: () => (decided > 0 ? { v: 1, tzdata, entries: used } : null),
  };
}

/** Whether a remembered answer is well formed and holds at `nowMs` (a clock set back decides again). */
function holds(x: unknown, nowMs: number): x is [number, number, number | null] {
  if (!Array.isArray(x) || x.length !== 3) return false;
  const [from, until, open] = x as unknown[];
  if (typeof from !== 'number' || typeof until !== 'number' || !(from <= nowMs && nowMs < until)) return false;
  return open === null || open === until;
}

function isStored(x: unknown): x is StoredWindows {
  const s = x as StoredWindows | null;
  return typeof s === 'object' && s !== null && s.v === 1 && typeof s.tzdata === 'string' && typeof s.entries === 'object' && s.entries !== null;
}
