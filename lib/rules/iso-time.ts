// hb's own timestamps (`2026-11-20T08:00:00.000Z`, from toISOString) read without Date.parse's
// general parser: a report or hb log meets one on every line of a week's log; and written back for
// an instant that may be none. Pure.

/** The value of the ASCII digits of `s` from `at` for `n` characters; NaN when one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** True when `s` has toISOString's shape: `YYYY-MM-DDTHH:MM:SS.mmmZ` (the digits are checked by the reader). */
const shaped = (s: string) =>
  s.length === 24 && s[4] === '-' && s[7] === '-' && s[10] === 'T' && s[13] === ':' && s[16] === ':' && s[19] === '.' && s[23] === 'Z';

/**
 * `Date.parse`, with a quick path for the one form hb writes. Anything else, or a field out of
 * the quick path's range, goes to Date.parse, so the answer is always Date.parse's.
 */
export function isoTime(s: string): number {
  if (shaped(s)) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const sec = digits(s, 17, 2);
    const ms = digits(s, 20, 3);
    // NaN (not a digit) fails every test. Date.UTC rolls a 31st of a short month over just as
    // Date.parse does; it reads years below 100 as 19xx.
    if (y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 59 && ms >= 0) return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  }
  return Date.parse(s);
}

/**
 * True when `s` is exactly what toISOString gives for the time it names (so it can be shown as it
 * stands): its form, a year from 1000, and every field in range (days up to the 28th, beyond
 * which the month decides; those go the long way).
 */
export function isCanonicalIso(s: string): boolean {
  if (!shaped(s)) return false;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  return (
    y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && digits(s, 11, 2) <= 23 && digits(s, 14, 2) <= 59 && digits(s, 17, 2) <= 59 && digits(s, 20, 3) >= 0
  );
}

/** The largest instant from the epoch a Date holds, either way (ECMAScript's ±8.64e15 ms). */
export const MAX_DATE_MS = 8.64e15;

/** ISO 8601 UTC, or null for no instant or one no Date can hold (a cron never due again, an absurd `every`). */
export function isoOrNull(ms: number | null): string | null {
  return ms !== null && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : null;
}
