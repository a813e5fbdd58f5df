// Short human forms of times and durations shared by `hb log` and the report renderers.

import { formatDuration } from '../duration.ts';
import { visible } from '../visible.ts';
import { isCanonicalIso } from '../iso-time.ts';

/** `2026-11-20 09:00:05Z` for an ISO time; the text itself when it is not a time. */
export function shortTime(ts: unknown): string {
  // hb's own form needs no parsing: the date and the time are where toISOString put them.
  if (typeof ts === 'string' && isCanonicalIso(ts)) return `${ts.slice(0, 10)} ${ts.slice(11, 19)}Z`;
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  if (!Number.isFinite(t)) return String(ts);
  const s = new Date(t).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}Z`;
}

/** `250ms`, `1.2s`, `45s`, `3m20s`, `1h5m`: a tenth of a second where it matters, else formatDuration. */
export function shortDuration(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toFixed(1)}s`;
  return formatDuration(ms);
}

/** A window's length as people say it: `24h`, `7d`, `90m`, else the compact form. */
export function windowLabel(ms: number): string {
  const day = 86_400_000;
  const hour = 3_600_000;
  if (ms % day === 0 && ms >= 2 * day) return `${ms / day}d`;
  if (ms % hour === 0) return `${ms / hour}h`;
  if (ms % 60_000 === 0 && ms < hour) return `${ms / 60_000}m`;
  return formatDuration(ms);
}

/** Text on one line with control characters made visible (`\n`, `\u001b`): output is a terminal. */
export const oneLine = visible;
