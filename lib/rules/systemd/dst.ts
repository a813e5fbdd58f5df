// Where a systemd timer and Debian cron part ways: at DST changes. systemd never runs a wall time
// that does not exist and runs a repeated one once, at its first instant; Debian cron (and hb's
// lateness rule) runs a fixed-time job caught in a gap at the gap's end, and a wildcard job
// twice in an overlap. This module finds the first such difference a job would meet.

import type { CronExpr } from '../schedule/cron.ts';
import { isUtc, offsetAt } from '../schedule/tz.ts';

const SECOND = 1000;
const DAY = 86_400_000;

/** A change of a zone's UTC offset at instant `atMs`, from `beforeMs` to `afterMs` (local minus UTC). */
export interface Transition {
  atMs: number;
  beforeMs: number;
  afterMs: number;
}

/** How far ahead jobs are checked: 28 years, one full cycle of weekdays over dates. */
export const DST_HORIZON_MS = 28 * 366 * DAY;

// Scanning 28 years costs ~90 ms per zone: remember each zone's answer for the process.
const memo = new Map<string, Transition[]>();

/** The offset changes of `tz` in [fromMs, toMs), found day by day and pinned to the second. */
export function offsetTransitions(tz: string, fromMs: number, toMs: number): Transition[] {
  if (isUtc(tz)) return [];
  const key = `${tz}\u0000${fromMs}\u0000${toMs}`;
  const known = memo.get(key);
  if (known) return known;
  const out: Transition[] = [];
  let t = fromMs;
  let off = offsetAt(tz, t);
  while (t < toMs) {
    const next = Math.min(t + DAY, toMs);
    const offNext = offsetAt(tz, next);
    if (offNext !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > SECOND) {
        const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
        if (offsetAt(tz, mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ atMs: hi, beforeMs: off, afterMs: offNext });
    }
    t = next;
    off = offNext;
  }
  memo.set(key, out);
  return out;
}

/** A wall time of the job that a systemd timer would run at a different instant than cron. */
export interface DstConflict {
  /** `gap`: clocks go forward and skip wall times; `overlap`: clocks go back and repeat them. */
  kind: 'gap' | 'overlap';
  transition: Transition;
  /** The skipped or repeated wall-clock range [fromWall, toWall), UTC-encoded. */
  fromWall: number;
  toWall: number;
  /** The job's first wall time inside that range. */
  wall: number;
}

/** The first DST change in `transitions` at which a timer for `expr` would not fire when cron does. */
export function firstDstConflict(expr: CronExpr, transitions: readonly Transition[]): DstConflict | undefined {
  for (const transition of transitions) {
    const { atMs, beforeMs, afterMs } = transition;
    const kind = afterMs > beforeMs ? 'gap' : 'overlap';
    // Gaps differ for fixed-time jobs only (cron runs them at the gap's end; both skip wildcard
    // ones); overlaps for wildcard jobs only (cron runs them twice; both run fixed ones once).
    if ((kind === 'gap') === expr.wildcard) continue;
    const fromWall = atMs + Math.min(beforeMs, afterMs);
    const toWall = atMs + Math.max(beforeMs, afterMs);
    const wall = expr.nextWall(fromWall - SECOND);
    if (wall !== undefined && wall < toWall) return { kind, transition, fromWall, toWall, wall };
  }
  return undefined;
}

/**
 * True when `expr` in a zone with these offsets fires at exactly the instants it would fire in
 * UTC: a wildcard job on every hour of every day whose minutes read the same on both clocks
 * (offsets of whole hours, or a minute set that a half-hour offset maps onto itself, like every 15 minutes).
 * cron's "run a repeated hour twice, skip a missing one" is then what a UTC timer does by itself.
 */
export function sameInstantsInUtc(expr: CronExpr, currentOffsetMs: number, transitions: readonly Transition[]): boolean {
  const [minute, hour, dom, month, dow] = expr.parts;
  const everyDay = dom.values.length === 31 && month.values.length === 12 && new Set(dow.values.map((d) => d % 7)).size === 7;
  if (!expr.wildcard || hour.values.length !== 24 || !everyDay) return false;
  const minutes = new Set(minute.values);
  const offsets = new Set([currentOffsetMs, ...transitions.flatMap((t) => [t.beforeMs, t.afterMs])]);
  return [...offsets].every((o) => {
    if (o % 60_000 !== 0) return false;
    const shift = (((o / 60_000) % 60) + 60) % 60;
    return minute.values.every((m) => minutes.has((m + shift) % 60));
  });
}
