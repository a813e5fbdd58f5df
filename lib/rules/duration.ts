// Durations as users write them: 90s, 15m, 2h, 1d, 1w, 1h30m, or plain seconds.

import { visible } from './visible.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

// Past 2^53 ms (285,000 years) milliseconds stop being exact; 1e400s would be Infinity.
const fits = (ms: number) => (Number.isSafeInteger(ms) ? ms : undefined);

/** Parses a duration into milliseconds; undefined when the text is not one (or is too long to count in ms). */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return fits(Number(s) * 1000);
  if (s === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = PART.lastIndex;
  }
  return end === s.length && end > 0 ? fits(Math.round(total)) : undefined;
}

/** The minimum of configDuration that means "longer than 0": the smallest positive number. */
export const ABOVE_ZERO = Number.MIN_VALUE;

/**
 * A duration as a config file gives it — a number of seconds, or a duration string — in ms;
 * undefined when it is neither, or shorter than `minMs` (ABOVE_ZERO: it must be longer than 0).
 * The one rule behind every duration key of the config; each caller says what it expected.
 */
export function configDuration(value: unknown, minMs: number): number | undefined {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? parseDuration(value) : undefined;
  return ms !== undefined && ms >= minMs ? ms : undefined;
}

/** Whether `text` is written as a duration, whether or not its value can be counted. */
export const looksLikeDuration = (text: string): boolean => /^(?:\d+|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)$/.test(text.trim());

/** The message for a text refused as a duration (not one, zero, or too long), saying what would be valid. */
export function durationHint(text: string): string {
  if (parseDuration(text) === 0) return `"${visible(text)}" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)`;
  if (looksLikeDuration(text)) {
    return `"${visible(text)}" is too long for a duration (at most 285,000 years; expected e.g. 90s, 15m, 2h, 1d, 1h30m)`;
  }
  return `"${visible(text)}" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)`;
}

/** A compact human form: 15m, 2h, 1h30m, 3d4h, 45s, 250ms. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  rest = Math.round(rest / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return (neg ? '-' : '') + parts.join('');
}
