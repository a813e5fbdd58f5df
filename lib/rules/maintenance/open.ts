// Whether a maintenance window is open at an instant, and which window a job is in during a check. Pure.

import { compileSchedule } from '../schedule/compile.ts';
import type { MaintenanceWindow } from './types.ts';

/** A window a job is in: when it closes, and the window as written (for the reason). */
export interface OpenWindow {
  untilMs: number;
  text: string;
}

/** How many later fires an open window follows when they start before it ends (windows that overlap or abut are one stretch). */
const CHAIN_MAX = 64;

/**
 * When the window opened by the fires of `next` (the fires strictly after an instant, ascending)
 * and lasting `durationMs` closes, if it is open at `nowMs`; null when it is closed. A window is
 * open when some fire f has f ≤ now < f + duration, in absolute time: the first fire after
 * now − duration is that f when there is one. Windows that overlap or abut the open one extend it
 * (at most CHAIN_MAX fires on: the next check sees further).
 */
export function openUntil(next: (fromMs: number, n: number) => number[], durationMs: number, nowMs: number): number | null {
  const [first] = next(nowMs - durationMs, 1);
  if (first === undefined || first > nowMs) return null;
  let end = first + durationMs;
  let from = first;
  for (let followed = 0; followed < CHAIN_MAX;) {
    const fires = next(from, 8);
    let extended = false;
    for (const f of fires) {
      if (f > end) break;
      end = Math.max(end, f + durationMs);
      from = f;
      followed++;
      extended = true;
    }
    if (!extended || fires.length < 8) break;
  }
  return end;
}

/** Whether `window` is open at `nowMs`, and until when. */
export function windowOpenAt(window: MaintenanceWindow, nowMs: number): OpenWindow | null {
  const { cron, tz } = window.schedule;
  const schedule = compileSchedule({ cron, tz }, tz);
  const untilMs = openUntil((from, n) => schedule.next(from, n), window.durationMs, nowMs);
  return untilMs === null ? null : { untilMs, text: window.text };
}

/** The window a job is in during one check (its own windows or a global one that applies to it); null: none. */
export type MaintenanceLookup = (job: string, own: MaintenanceWindow[] | undefined) => OpenWindow | null;

/**
 * The lookup for one check at `nowMs`. Each window is decided once per check whatever number of
 * jobs shares it (by its cron, zone and duration); a config without windows costs a job nothing.
 * When several are open, the one that closes last is named. `openAt` decides one window (tests count its calls).
 */
export function maintenanceAt(globals: MaintenanceWindow[] | undefined, nowMs: number, openAt = windowOpenAt): MaintenanceLookup {
  const decided = new Map<string, OpenWindow | null>();
  const decide = (w: MaintenanceWindow): OpenWindow | null => {
    const key = `${w.schedule.cron}\u0000${w.schedule.tz}\u0000${w.durationMs}`;
    let open = decided.get(key);
    if (open === undefined) decided.set(key, (open = openAt(w, nowMs)));
    return open === null ? null : { untilMs: open.untilMs, text: w.text };
  };
  const scoped = (globals ?? []).map((w) => ({ window: w, jobs: w.jobs ? new Set(w.jobs) : null }));
  return (job, own) => {
    if (scoped.length === 0 && !own?.length) return null;
    let best: OpenWindow | null = null;
    const consider = (w: MaintenanceWindow) => {
      const open = decide(w);
      if (open && (best === null || open.untilMs > best.untilMs)) best = open;
    };
    for (const w of own ?? []) consider(w);
    for (const { window, jobs } of scoped) if (jobs === null || jobs.has(job)) consider(window);
    return best;
  };
}
