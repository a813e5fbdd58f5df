// Events of several state directories (a per-user fallback beside the chosen one) as one history.

import { timeOf, type HbEvent } from '../events/parse.ts';

/**
 * One list, oldest first. A single directory's log is already in append order and is returned
 * as is; several are merged by timestamp, stably, so each file's own order is kept for equal times.
 */
export function mergeByTime(lists: readonly HbEvent[][]): HbEvent[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  const keyed = nonEmpty.flat().map((e, i) => ({ e, i, t: timeOf(e) || 0 }));
  keyed.sort((a, b) => a.t - b.t || a.i - b.i);
  return keyed.map((k) => k.e);
}
