// The search for the next wall-clock minute a cron expression matches, over the value sets the
// parser found: month, then day (Debian's day rule), then hour, then minute. Wall times are
// encoded as UTC milliseconds; time zones and DST are the caller's business (cron.ts).

const MINUTE = 60_000;

/** What a parsed expression allows, indexed by value (true = allowed); see parseCron. */
export interface FieldSets {
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  readonly dom: readonly boolean[];
  readonly month: readonly boolean[];
  /** 0-7, both 0 and 7 Sunday. */
  readonly dow: readonly boolean[];
  /** Both day fields restricted (neither starts with `*`): a day matches either, else both. */
  readonly orDays: boolean;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in month `m` (1-12) of year `y`, Gregorian. */
export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

// Sakamoto's method: 0 = Sunday, for any Gregorian date.
const WEEKDAY_OFFSET = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
function weekday(y: number, m: number, d: number): number {
  const yy = m < 3 ? y - 1 : y;
  return (yy + Math.floor(yy / 4) - Math.floor(yy / 100) + Math.floor(yy / 400) + WEEKDAY_OFFSET[m - 1]! + d) % 7;
}

/** Debian's day rule, literally: `dom || dow` when both are restricted, else `dom && dow`. */
export function dayMatches(sets: FieldSets, y: number, m: number, d: number): boolean {
  const w = weekday(y, m, d);
  const dow = sets.dow[w] === true || (w === 0 && sets.dow[7] === true);
  const dom = sets.dom[d] === true;
  return sets.orDays ? dom || dow : dom && dow;
}

/** The smallest allowed value at or above `from`, or -1. */
function atOrAbove(set: readonly boolean[], from: number, max: number): number {
  for (let v = from; v <= max; v++) if (set[v]) return v;
  return -1;
}

// Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear does not.
function wallMs(y: number, m: number, d: number, h: number, mi: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  date.setUTCHours(h, mi, 0, 0);
  return date.getTime();
}

/**
 * The first wall minute strictly after `wall` that `sets` match, or undefined when none falls
 * within `horizonYears` calendar years of it.
 */
export function firstMatch(sets: FieldSets, wall: number, horizonYears: number): number | undefined {
  if (!Number.isFinite(wall)) return undefined;
  const start = new Date(Math.floor(wall / MINUTE) * MINUTE + MINUTE);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth() + 1;
  let d = start.getUTCDate();
  let h = start.getUTCHours();
  let mi = start.getUTCMinutes();
  const lastYear = y + horizonYears;
  const nextDay = () => {
    d++;
    h = 0;
    mi = 0;
  };
  while (y <= lastYear) {
    if (!sets.month[m]) {
      const next = atOrAbove(sets.month, m, 12);
      if (next < 0) {
        y++;
        m = atOrAbove(sets.month, 1, 12);
      } else m = next;
      d = 1;
      h = 0;
      mi = 0;
      continue;
    }
    if (d > daysInMonth(y, m)) {
      if (++m > 12) {
        m = 1;
        y++;
      }
      d = 1;
      h = 0;
      mi = 0;
      continue;
    }
    if (!dayMatches(sets, y, m, d)) {
      nextDay();
      continue;
    }
    const hour = atOrAbove(sets.hour, h, 23);
    if (hour < 0) {
      nextDay();
      continue;
    }
    if (hour !== h) {
      h = hour;
      mi = 0;
    }
    const minute = atOrAbove(sets.minute, mi, 59);
    if (minute < 0) {
      if (++h > 23) nextDay();
      else mi = 0;
      continue;
    }
    return wallMs(y, m, d, h, minute);
  }
  return undefined;
}
