// Cron expressions with Debian cron 3.0pl1 semantics: Debian's grammar, each field parsed into
// the set of values it allows, a search of wall-clock time over those sets (as UTC, so it never
// sees DST) with Debian's day rule, then Debian's DST rules applied to the wall times found.

import { firstMatch, type FieldSets } from './search.ts';
import { gapEnd, offsetAt, wallToInstants } from './tz.ts';

/** An expression that breaks Debian cron's grammar or can never fire; the message says why. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

interface Field {
  name: string;
  min: number;
  max: number;
  /** Debian takes larger steps and fires once per cycle: almost surely a mistake, so refused. */
  maxStep: number;
  names?: readonly string[];
  nameBase?: number;
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59, maxStep: 60 },
  { name: 'hour', min: 0, max: 23, maxStep: 24 },
  { name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  { name: 'month', min: 1, max: 12, maxStep: 12, nameBase: 1, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 7, maxStep: 7, nameBase: 0, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SHAPE = 'expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily';
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ITEM = /^(?:(\*)|([a-z]+|\d+)(?:-([a-z]+|\d+))?)(?:\/(\d+))?$/i;
const DAY = 86_400_000;
// No schedule that passes parseCron is further apart than ~40 years (29 Feb on a Sunday, AND mode).
const HORIZON_YEARS = 50;

interface ParsedField {
  text: string;
  /** Starts with `*`: Debian's flag for "unrestricted", which also decides OR vs AND of the day fields. */
  star: boolean;
  values: boolean[];
  normalized: string;
}

/** One parsed field: what other outputs (systemd's OnCalendar=) are built from, never re-parsed. */
export interface CronField {
  /** Starts with `*`: Debian's flag for "unrestricted", which also decides OR vs AND of the day fields. */
  readonly star: boolean;
  /** The values the field allows, ascending (day-of-week may hold 0 and 7, both Sunday). */
  readonly values: readonly number[];
}

/** A validated cron expression, ready to evaluate. */
export class CronExpr {
  /** The expression as written. */
  readonly source: string;
  /** The five fields after macro translation, names replaced by numbers. */
  readonly fields: string;
  /** Minute or hour field starts with `*`: such jobs follow the wall clock through DST. */
  readonly wildcard: boolean;
  /** minute, hour, day-of-month, month, day-of-week as parsed. */
  readonly parts: readonly [CronField, CronField, CronField, CronField, CronField];
  readonly #sets: FieldSets;

  constructor(source: string, fields: string, wildcard: boolean, sets: FieldSets, parts: CronExpr['parts']) {
    this.source = source;
    this.fields = fields;
    this.wildcard = wildcard;
    this.#sets = sets;
    this.parts = parts;
  }

  /** The first matching wall-clock time strictly after `wall` (both UTC-encoded), if any within the horizon. */
  nextWall(wall: number): number | undefined {
    return firstMatch(this.#sets, wall, HORIZON_YEARS);
  }
}

const hint = (f: Field) =>
  `expected *, a number ${f.min}-${f.max}` +
  (f.names ? ` or a name ${f.names[0]}-${f.names[f.names.length - 1]}` : '') +
  (f.name === 'day-of-week' ? ' (0 and 7 are Sunday)' : '') +
  ', a range such as 1-5, a step such as */15 or 1-30/5, or a comma list of these';

function value(text: string, token: string, f: Field): number {
  let v: number;
  if (/^\d+$/.test(text)) v = Number(text);
  else {
    const i = f.names?.indexOf(text.toLowerCase()) ?? -1;
    if (i < 0) {
      if (!f.names) throw new CronSyntaxError(`"${token}" in the ${f.name} field is not valid (${hint(f)})`);
      const kind = f.name === 'month' ? 'month' : 'day';
      throw new CronSyntaxError(`"${text}" in the ${f.name} field is not a ${kind} name (expected ${f.names.join(', ')})`);
    }
    v = i + f.nameBase!;
  }
  if (v < f.min || v > f.max) {
    throw new CronSyntaxError(`${text} in the ${f.name} field is out of range (expected ${f.min}-${f.max})`);
  }
  return v;
}

// Forms other cron dialects (croner, Quartz) accept and Debian does not: say which one it is.
function extension(token: string, f: Field): string | undefined {
  const days = f.name === 'day-of-month' || f.name === 'day-of-week';
  const ext = (what: string) => `"${token}" in the ${f.name} field: ${what} is not Debian cron syntax (${hint(f)})`;
  if (token.includes('#')) return ext('"#" (nth weekday of the month)');
  if (token.includes('?')) return ext('"?" (no specific value)');
  if (days && /^(?:L|LW|L-\d+|\d+L|[a-z]{3}L)$/i.test(token)) {
    return ext(f.name === 'day-of-month' ? '"L" (last day of the month)' : '"L" (last such weekday of the month)');
  }
  if (days && /^\d+W$/i.test(token)) return ext('"W" (nearest weekday)');
  return undefined;
}

// Why a token that is not an extension fails the grammar.
function diagnose(token: string, f: Field): string {
  const single = /^([a-z]+|\d+)\/(\d+)$/i.exec(token);
  if (single) {
    return `"${token}" in the ${f.name} field: a step needs * or a range before it ` + `(write */${single[2]} or ${single[1]}-${f.max}/${single[2]})`;
  }
  if (token === '') return `empty item in the ${f.name} field (a comma needs a value on both sides)`;
  return `"${token}" in the ${f.name} field is not valid (${hint(f)})`;
}

function parseItem(token: string, f: Field, values: boolean[]): string {
  const ext = extension(token, f);
  if (ext) throw new CronSyntaxError(ext);
  const m = ITEM.exec(token);
  if (!m || (m[2] !== undefined && m[3] === undefined && m[4] !== undefined)) {
    throw new CronSyntaxError(diagnose(token, f));
  }
  const [, star, a, b, stepText] = m;
  const lo = star ? f.min : value(a!, token, f);
  const hi = star ? f.max : b !== undefined ? value(b, token, f) : lo;
  if (lo > hi) {
    const sunday = f.name === 'day-of-week' && hi === 0 ? ` (Sunday is also 7: write ${lo}-7)` : '';
    throw new CronSyntaxError(`range ${a}-${b} in the ${f.name} field is reversed: cron never fires it${sunday}`);
  }
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step === 0) {
    throw new CronSyntaxError(`step 0 in "${token}" in the ${f.name} field never advances (a step must be at least 1)`);
  }
  if (step > f.maxStep) {
    throw new CronSyntaxError(`step ${step} in "${token}" in the ${f.name} field is larger than the field (a step can be 1-${f.maxStep})`);
  }
  for (let v = lo; v <= hi; v += step) values[v] = true;
  const base = star ? '*' : lo === hi && b === undefined ? String(lo) : `${lo}-${hi}`;
  return stepText === undefined ? base : `${base}/${step}`;
}

function parseField(text: string, f: Field): ParsedField {
  const values: boolean[] = [];
  const normalized = text
    .split(',')
    .map((token) => parseItem(token, f, values))
    .join(',');
  return { text, star: text.startsWith('*'), values, normalized };
}

function compile(source: string): CronExpr {
  let text = source.trim();
  if (text === '') throw new CronSyntaxError(`empty cron expression (${SHAPE})`);
  if (text.startsWith('@')) {
    if (text === '@reboot') throw new CronSyntaxError('@reboot has no schedule to be late against');
    const macro = MACROS[text];
    if (!macro) {
      throw new CronSyntaxError(`unknown macro "${text}" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`);
    }
    text = macro;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    const extra = parts.length > 5 ? ' (cron has no seconds field, and the command is not part of the schedule)' : '';
    throw new CronSyntaxError(`${SHAPE}, found ${parts.length}${extra}`);
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!)) as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  // Debian ORs the day fields unless either starts with `*` (so `*/2` counts as a star).
  const orDays = !dom.star && !dow.star;
  if (!orDays && !someDateExists(dom.values, month.values)) {
    throw new CronSyntaxError(`day-of-month ${dom.text} never falls in month ${month.text}: cron never fires it`);
  }
  const fields = [minute, hour, dom, month, dow].map((p) => p.normalized).join(' ');
  const sets: FieldSets = { minute: minute.values, hour: hour.values, dom: dom.values, month: month.values, dow: dow.values, orDays };
  const part = (p: ParsedField): CronField => ({ star: p.star, values: p.values.flatMap((on, v) => (on ? [v] : [])) });
  return new CronExpr(source, fields, minute.star || hour.star, sets, [part(minute), part(hour), part(dom), part(month), part(dow)]);
}

function someDateExists(days: boolean[], months: boolean[]): boolean {
  for (let m = 1; m <= 12; m++) {
    if (!months[m]) continue;
    for (let d = 1; d <= DAYS_IN_MONTH[m]!; d++) if (days[d]) return true;
  }
  return false;
}

// Compiled once per expression text: hb check compiles every job's schedule on every run.
const cache = new Map<string, CronExpr>();
const CACHE_LIMIT = 1000;

/** Validates `expr` against Debian cron's grammar and compiles it; throws CronSyntaxError. */
export function parseCron(expr: string): CronExpr {
  let c = cache.get(expr);
  if (!c) {
    c = compile(expr);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(expr, c);
  }
  return c;
}

// Debian's DST rules: wildcard jobs follow the wall clock (gap times vanish, overlap times run
// twice); fixed-time jobs run once, at the end of a gap or at the first of two overlap instants.
function instantsOf(expr: CronExpr, tz: string, wall: number): number[] {
  const ts = wallToInstants(tz, wall);
  if (ts.length === 1 || (ts.length === 2 && expr.wildcard)) return ts;
  if (ts.length === 2) return [ts[0]!];
  return expr.wildcard ? [] : [gapEnd(tz, wall)];
}

function insertSorted(out: number[], t: number): void {
  let i = out.length;
  while (i > 0 && out[i - 1]! > t) i--;
  if (i === 0 || out[i - 1] !== t) out.splice(i, 0, t);
}

/** The next `n` instants strictly after `fromMs` at which `expr` fires in zone `tz`, ascending. */
export function nextFires(expr: CronExpr, tz: string, fromMs: number, n: number): number[] {
  const out: number[] = [];
  if (!(n > 0) || !Number.isFinite(fromMs)) return out;
  // Start from the smallest wall reading any later instant can have: a fall-back within the next
  // day moves the wall clock back, and a gap's end can stand for wall times before it.
  let wall = fromMs + Math.min(offsetAt(tz, fromMs), offsetAt(tz, fromMs + DAY));
  for (;;) {
    const w = expr.nextWall(wall);
    if (w === undefined) break;
    wall = w;
    const ts = instantsOf(expr, tz, w);
    for (const t of ts) if (t > fromMs) insertSorted(out, t);
    // The earliest instant of successive wall matches never decreases, so nothing later can
    // come before the n-th found (overlaps may add a later second instant out of order).
    if (ts.length > 0 && out.length >= n && ts[0]! >= out[n - 1]!) break;
  }
  return out.slice(0, n);
}
