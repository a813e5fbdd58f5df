// Where things go on a report timeline: positions across the window and round-time axis ticks.

/** One axis tick: its instant, its position (0…1 across the window) and its label. */
export interface Tick {
  ms: number;
  x: number;
  label: string;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Tick spacings a person reads easily, smallest first. */
const STEPS = [MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

/** Position of `ms` across [since, until], clamped to 0…1 (a run that began before the window sits at its left edge). */
export function position(ms: number, sinceMs: number, untilMs: number): number {
  const span = untilMs - sinceMs;
  if (!(span > 0)) return 0;
  return Math.min(1, Math.max(0, (ms - sinceMs) / span));
}

/**
 * Ticks at round UTC times strictly inside the window (every 3 h for a day, every day for a
 * week), at most `max` of them.
 * Labels are `HH:MM`, or `MM-DD` at midnight and for steps of a day or more.
 */
export function ticks(sinceMs: number, untilMs: number, max = 8): Tick[] {
  const span = untilMs - sinceMs;
  if (!(span > 0)) return [];
  const step = STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / DAY) * DAY;
  const out: Tick[] = [];
  // Strictly inside: a label on an edge would hang over the lane's neighbours.
  for (let ms = Math.floor(sinceMs / step) * step + step; ms < untilMs; ms += step) {
    const iso = new Date(ms).toISOString();
    const midnight = iso.slice(11, 16) === '00:00';
    out.push({ ms, x: position(ms, sinceMs, untilMs), label: midnight || step >= DAY ? iso.slice(5, 10) : iso.slice(11, 16) });
  }
  return out;
}
