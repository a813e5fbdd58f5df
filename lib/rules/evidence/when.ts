// How evidence lines name an instant: a clock time a person on call reads at a glance.

import { formatDuration } from '../duration.ts';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant as "07:32 UTC", with its day ("Dec 1 07:32 UTC") when it is more than a day from now. */
export function clockText(ms: number, nowMs: number): string {
  const d = new Date(ms);
  const time = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
  return Math.abs(nowMs - ms) < DAY_MS ? time : `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${time}`;
}

/** An instant with how long ago it was: "07:32 UTC (2h ago)". */
export function clockAgo(ms: number, nowMs: number): string {
  return nowMs >= ms ? `${clockText(ms, nowMs)} (${formatDuration(nowMs - ms)} ago)` : clockText(ms, nowMs);
}
