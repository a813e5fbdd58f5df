// Time-zone arithmetic between instants and wall-clock times, with Intl only (no tz database of our own).
// A "wall" time is the zone's local clock reading encoded as if it were UTC milliseconds.

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// Zones that never change offset: skip Intl entirely on the hot path.
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

// One formatter per zone: constructing one costs ~50 µs, formatting ~1 µs. null marks an unknown zone.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

// Offsets per zone per UTC hour; NaN marks an hour that contains a transition (computed exactly).
const hourOffsets = new Map<string, Map<number, number>>();
const HOUR_CACHE_LIMIT = 50_000;

const FORMAT = /^(\d{1,2})\/(\d{1,2})\/(\d+),? (\d{1,2}):(\d{2}):(\d{2})$/;

function formatter(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is a zone Intl knows (an IANA name such as Europe/Berlin, or UTC). */
export function isValidTimeZone(tz: string): boolean {
  return UTC_ZONES.has(tz) || (tz.trim() !== '' && formatter(tz) !== null);
}

/** True for the zones whose offset is always zero (they take the fast path). */
export function isUtc(tz: string): boolean {
  return UTC_ZONES.has(tz);
}

/** True when `a` and `b` name one zone (aliases such as Etc/UTC and UTC, or Asia/Calcutta and Asia/Kolkata). */
export function sameZone(a: string, b: string): boolean {
  if (a === b || (UTC_ZONES.has(a) && UTC_ZONES.has(b))) return true;
  const fa = formatter(a);
  const fb = formatter(b);
  return fa !== null && fb !== null && fa.resolvedOptions().timeZone === fb.resolvedOptions().timeZone;
}

/** The message for a zone Intl does not know, saying what would be valid. */
export function timeZoneHint(tz: string): string {
  return `unknown time zone "${tz}" (expected an IANA name such as Europe/Berlin or UTC)`;
}

function exactOffset(tz: string, ms: number): number {
  const f = formatter(tz);
  if (f === null) throw new RangeError(timeZoneHint(tz));
  const secondMs = Math.floor(ms / SECOND) * SECOND;
  // format() plus a regex is several times faster than formatToParts().
  const m = FORMAT.exec(f.format(secondMs));
  let wall: number;
  if (m) {
    wall = Date.UTC(+m[3]!, +m[1]! - 1, +m[2]!, +m[4]!, +m[5]!, +m[6]!);
  } else {
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(secondMs)) p[part.type] = Number(part.value);
    wall = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
  }
  return wall - secondMs;
}

/** The zone's UTC offset in milliseconds (local minus UTC) at instant `ms`; throws on an unknown zone. */
export function offsetAt(tz: string, ms: number): number {
  if (UTC_ZONES.has(tz)) return 0;
  let cache = hourOffsets.get(tz);
  if (!cache) hourOffsets.set(tz, (cache = new Map<number, number>()));
  const hour = Math.floor(ms / HOUR);
  let off = cache.get(hour);
  if (off === undefined) {
    const start = hour * HOUR;
    const first = exactOffset(tz, start);
    off = exactOffset(tz, start + HOUR - SECOND) === first ? first : NaN;
    if (cache.size >= HOUR_CACHE_LIMIT) cache.clear();
    cache.set(hour, off);
  }
  return Number.isNaN(off) ? exactOffset(tz, ms) : off;
}

/** The wall-clock reading (as UTC-encoded ms) of instant `ms` in `tz`. */
export function toWall(tz: string, ms: number): number {
  return ms + offsetAt(tz, ms);
}

/**
 * The instants a wall-clock time denotes in `tz`, ascending: one normally, none in a DST gap,
 * two in an overlap (first the earlier, summer-time one).
 */
export function wallToInstants(tz: string, wall: number): number[] {
  if (UTC_ZONES.has(tz)) return [wall];
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetAt(tz, wall - DAY);
  const after = offsetAt(tz, wall + DAY);
  const out: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off;
    if (offsetAt(tz, t) === off) out.push(t);
  }
  if (out.length === 0 && before === after) {
    // Two transitions within two days: try the offset in force where the first guess landed.
    const off = offsetAt(tz, wall - before);
    if (offsetAt(tz, wall - off) === off) out.push(wall - off);
  }
  return out.sort((a, b) => a - b);
}

/** The first valid instant after the DST gap that swallows wall time `wall` (the transition itself). */
export function gapEnd(tz: string, wall: number): number {
  const before = offsetAt(tz, wall - DAY);
  const after = offsetAt(tz, wall + DAY);
  // lo is still on the old offset, hi already on the new one; transitions fall on whole seconds.
  let lo = wall - Math.max(before, after);
  let hi = wall - Math.min(before, after);
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
    if (offsetAt(tz, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function wallIso(wall: number): string {
  const d = new Date(wall);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

// ISO offsets have no seconds; old local-mean-time offsets do, so those instants show in UTC.
function isoOffset(tz: string, t: number): number {
  const off = offsetAt(tz, t);
  return off % 60_000 === 0 ? off : 0;
}

/** ISO 8601 in the zone with its UTC offset and no milliseconds: 2026-03-29T03:00:00+02:00. */
export function formatIsoInZone(ms: number, tz: string): string {
  const t = Math.floor(ms / SECOND) * SECOND;
  const off = isoOffset(tz, t);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / 60_000;
  return `${wallIso(t + off)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** ISO 8601 in UTC without milliseconds: 2026-03-29T01:00:00Z. */
export function formatIsoUtc(ms: number): string {
  return `${wallIso(Math.floor(ms / SECOND) * SECOND)}Z`;
}

/** The last moment of year 9999: ISO 8601 has four-digit years, and `--from` reads no others. */
export const LAST_ISO_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether `ms` is written with a four-digit year (up to 9999) both in UTC and in `tz`. */
export function withinIsoYears(ms: number, tz: string): boolean {
  const t = Math.floor(ms / SECOND) * SECOND;
  return t <= LAST_ISO_MS && t + isoOffset(tz, t) <= LAST_ISO_MS;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads an ISO 8601 date or date-time. Without an offset the text is a wall-clock time in `tz`
 * (the earlier instant in an overlap, the end of the gap in a gap). Undefined when not ISO.
 */
export function parseIsoInZone(text: string, tz: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v)));
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const wall = Date.UTC(y!, mo! - 1, d, h, mi, s, ms);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over into March; a real date reads back unchanged.
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const zone = m[8];
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') return wall;
    const digits = zone.replace(':', '');
    const offMin = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0);
    if (offMin > 18 * 60) return undefined;
    return wall - (zone[0] === '-' ? -offMin : offMin) * 60_000;
  }
  const instants = wallToInstants(tz, wall);
  return instants.length > 0 ? instants[0] : gapEnd(tz, wall);
}
