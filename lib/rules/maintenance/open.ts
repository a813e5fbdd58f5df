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

/** What a window is at an instant: open or not, and until when that holds (Infinity: for good). */
export interface WindowState {
  open: boolean;
  /** Open: when the window closes. Closed: when it next opens. */
  untilMs: number;
}

/**
 * Whether the window opened by the fires of `next` (the fires strictly after an instant,
 * ascending) and lasting `durationMs` is open at `nowMs`, and until when that holds. A window is
 * open when some fire f has f ≤ now < f + duration, in absolute time: the first fire after
 * now − duration is that f when there is one; when it is later, the window is closed until it.
 * Windows that overlap or abut the open one extend it (at most CHAIN_MAX fires on: the next
 * check sees further).
 */
export function windowState(next: (fromMs: number, n: number) => number[], durationMs: number, nowMs: number): WindowState {
  const [first] = next(nowMs - durationMs, 1);
  if (first === undefined) return { open: false, untilMs: Infinity };
  if (first > nowMs) return { open: false, untilMs: first };
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
  return { open: true, untilMs: end };
}

/**
 * Whether the windows opened by `next`'s fires close at some instant within `horizonMs` after
 * `fromMs`: false when each window opens before (or as) the one before it ends for that long, so
 * its jobs would be paused for good. Walks fire by fire: a window that closes returns early.
 */
export function closesWithin(next: (fromMs: number, n: number) => number[], durationMs: number, fromMs: number, horizonMs: number): boolean {
  const [first] = next(fromMs, 1);
  if (first === undefined) return true;
  let end = first + durationMs;
  let from = first;
  while (end <= fromMs + horizonMs) {
    const fires = next(from, 256);
    for (const f of fires) {
      if (f > end) return true;
      end = Math.max(end, f + durationMs);
      from = f;
    }
    if (fires.length < 256) return true;
  }
  return false;
}

/** What `window` is at `nowMs`, from its cron's fires in its zone. */
export function decideWindow(window: MaintenanceWindow, nowMs: number): WindowState {
  const { cron, tz } = window.schedule;
  const schedule = compileSchedule({ cron, tz }, tz);
  return windowState((from, n) => schedule.next(from, n), window.durationMs, nowMs);
}

/** Whether `window` is open at `nowMs`, and until when. */
export function windowOpenAt(window: MaintenanceWindow, nowMs: number): OpenWindow | null {
  const state = decideWindow(window, nowMs);
  return state.open ? { untilMs: state.untilMs, text: window.text } : null;
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

/** The windows that apply to `job`: its own, then the global ones for every job or naming it. */
export function windowsOf(job: string, own: MaintenanceWindow[] | undefined, globals: MaintenanceWindow[] | undefined): MaintenanceWindow[] {
  return [...(own ?? []), ...(globals ?? []).filter((w) => !w.jobs || w.jobs.includes(job))];
}

/** One opening of a window: when it opens and closes (ms), and which window it is. */
export interface WindowTime {
  opensMs: number;
  closesMs: number;
  window: MaintenanceWindow;
}

/** The first `n` openings of `windows` that have not closed by `fromMs` (an open one first), earliest first. */
export function upcomingWindows(windows: MaintenanceWindow[], fromMs: number, n: number): WindowTime[] {
  const all: WindowTime[] = [];
  for (const window of windows) {
    const { cron, tz } = window.schedule;
    const schedule = compileSchedule({ cron, tz }, tz);
    for (const opensMs of schedule.next(fromMs - window.durationMs, n)) all.push({ opensMs, closesMs: opensMs + window.durationMs, window });
  }
  return all.sort((a, b) => a.opensMs - b.opensMs || a.closesMs - b.closesMs).slice(0, n);
}
