// A brute-force reference for cron evaluation, written apart from lib/rules/schedule: its own literal
// reading of the five fields, local times straight from Intl, and a walk over time that applies
// Debian cron 3.0pl1's rules as stated (SPEC `hb next`) with no cleverness:
// - a minute matches when minute, hour and month are in their sets and the day passes Debian's
//   rule: day-of-month OR day-of-week when both are restricted, AND when either starts with `*`;
//   day-of-week 7 is Sunday;
// - a job whose minute or hour field starts with `*` follows the wall clock: a wall minute
//   skipped by a DST gap never runs, one repeated by an overlap runs at both instants;
// - any other job runs once per wall minute: at the first instant of an overlap only, and a
//   wall minute swallowed by a gap runs at the first instant after the gap.
// UTC is walked day by day, then minute by minute; a zone instant by instant, skipping only
// days the day rule refuses and, inside other days, minutes with no offset change among them.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** An expression as the reference reads it: a value set per field, and the two `*` flags that matter. */
export interface RefExpr {
  text: string;
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
  /** Minute or hour starts with `*`. */
  wildcard: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function fieldSet(text: string, min: number, max: number, names?: string[], base = 0): Set<number> {
  const num = (s: string) => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    return i >= 0 ? i + base : Number(s);
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, step = '1'] = item.split('/');
    let lo = min;
    let hi = max;
    if (range !== '*') {
      const [a, b] = range!.split('-');
      lo = num(a!);
      hi = b === undefined ? lo : num(b);
    }
    for (let v = lo; v <= hi; v += Number(step)) out.add(v);
  }
  return out;
}

/** Reads a (valid) expression literally. */
export function refParse(source: string): RefExpr {
  const text = MACROS[source.trim()] ?? source.trim();
  const [mi, h, dom, mo, dow] = text.split(/\s+/) as [string, string, string, string, string];
  const dows = fieldSet(dow, 0, 7, DAYS, 0);
  if (dows.has(7)) dows.add(0);
  return {
    text: source,
    minute: fieldSet(mi, 0, 59),
    hour: fieldSet(h, 0, 23),
    dom: fieldSet(dom, 1, 31),
    month: fieldSet(mo, 1, 12, MONTHS, 1),
    dow: dows,
    domStar: dom.startsWith('*'),
    dowStar: dow.startsWith('*'),
    wildcard: mi.startsWith('*') || h.startsWith('*'),
  };
}

/** A local (wall) date and time. */
export interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  dow: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The local fields of instant `ms` in `tz`, from Intl alone. */
export function local(tz: string, ms: number): Local {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(ms)) p[x.type] = x.value;
  return { year: +p.year!, month: +p.month!, day: +p.day!, hour: +p.hour!, minute: +p.minute!, dow: DAYS.indexOf(p.weekday!.toLowerCase()) };
}

const wallOf = (l: Local) => Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
const localOfWall = (wall: number): Local => {
  const d = new Date(wall);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dow: d.getUTCDay() };
};
/** The zone's offset in minutes at the whole minute `t`. */
const offsetMin = (tz: string, t: number) => (wallOf(local(tz, t)) - t) / MINUTE;

/** Debian's day rule on a local date. */
export function dayOk(e: RefExpr, l: Local): boolean {
  if (!e.month.has(l.month)) return false;
  const dom = e.dom.has(l.day);
  const dow = e.dow.has(l.dow);
  return e.domStar || e.dowStar ? dom && dow : dom || dow;
}

/** The whole expression on a local wall minute. */
export function matches(e: RefExpr, l: Local): boolean {
  return dayOk(e, l) && e.hour.has(l.hour) && e.minute.has(l.minute);
}

/** The first `n` fires strictly after `from` in UTC, walking days then minutes, within `years`. */
function refUtc(e: RefExpr, from: number, n: number, years: number): number[] {
  const out: number[] = [];
  const end = from + years * 366 * DAY;
  for (let day = Math.floor(from / DAY) * DAY; day < end && out.length < n; day += DAY) {
    if (!dayOk(e, localOfWall(day))) continue;
    for (let t = day; t < day + DAY && out.length < n; t += MINUTE) {
      if (t > from && matches(e, localOfWall(t))) out.push(t);
    }
  }
  return out;
}

// Whether wall minute `l` at instant `t` is the second pass of an overlap (its wall time was
// already read at an earlier instant: overlaps here are 30 minutes to 2 hours).
function secondPass(tz: string, t: number, l: Local): boolean {
  for (const back of [30, 60, 90, 120]) {
    const p = local(tz, t - back * MINUTE);
    if (p.year === l.year && p.month === l.month && p.day === l.day && p.hour === l.hour && p.minute === l.minute) return true;
  }
  return false;
}

// At instant `t` the clock jumped forward: some wall minute it skipped matches.
function gapSwallowsMatch(e: RefExpr, tz: string, t: number): boolean {
  const before = wallOf(local(tz, t - MINUTE));
  const after = wallOf(local(tz, t));
  for (let w = before + MINUTE; w < after; w += MINUTE) if (matches(e, localOfWall(w))) return true;
  return false;
}

// The local midnight (as a wall time) of the first date after `l`'s that passes the day rule.
function nextDayWall(e: RefExpr, l: Local, limit: number): number {
  let wall = Date.UTC(l.year, l.month - 1, l.day) + DAY;
  while (wall < limit && !dayOk(e, localOfWall(wall))) wall += DAY;
  return wall;
}

function refZone(e: RefExpr, tz: string, from: number, n: number, years: number): number[] {
  const out: number[] = [];
  const end = from + years * 366 * DAY;
  let t = Math.floor(from / MINUTE) * MINUTE + MINUTE;
  // A skip of `k` minutes within a day that may match is taken only when no offset change lies
  // inside it (a gap may hide a match); otherwise the walk goes on minute by minute.
  const skip = (k: number) => (k > 1 && offsetMin(tz, t) === offsetMin(tz, t + k * MINUTE) ? k : 1);
  while (t < end && out.length < n) {
    const l = local(tz, t);
    const wall = wallOf(l);
    const jumped = wall - t > wallOf(local(tz, t - MINUTE)) - (t - MINUTE);
    const fires = e.wildcard ? matches(e, l) : (matches(e, l) && !secondPass(tz, t, l)) || (jumped && gapSwallowsMatch(e, tz, t));
    if (fires) out.push(t);
    let k: number;
    if (!dayOk(e, l)) {
      // No minute of a day the rule refuses can fire, nor can a gap inside it hide one: go to
      // three hours (more than any offset change) before the next day the rule lets through.
      k = Math.floor((nextDayWall(e, l, wall + years * 366 * DAY) - 3 * HOUR - wall) / MINUTE);
      if (k < 1) k = skip(60 - l.minute);
    } else if (!e.hour.has(l.hour)) {
      k = skip(60 - l.minute);
    } else {
      let m = l.minute + 1;
      while (m < 60 && !e.minute.has(m)) m++;
      k = skip(m - l.minute);
    }
    t += k * MINUTE;
  }
  return out;
}

/** The first `n` fire instants strictly after `from` (ms), in zone `tz`, within `years` years. */
export function refNext(e: RefExpr, tz: string, from: number, n: number, years = 100): number[] {
  return tz === 'UTC' ? refUtc(e, from, n, years) : refZone(e, tz, from, n, years);
}
