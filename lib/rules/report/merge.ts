// Events of several state directories (a per-user fallback beside the chosen one) as one history.

import { timeOf, type HbEvent } from '../events/parse.ts';

/** The head of one stream being merged: its next event and that event's time (0 when it has none). */
interface Head {
  e: HbEvent;
  t: number;
  rest: Iterator<HbEvent>;
}

/**
 * One stream, oldest first, pulled one event at a time from each source. A single directory's
 * log is already in append order and is returned as is; several are merged by timestamp, each
 * keeping its own order, the earlier source first for equal times. A line without a time counts as
 * the epoch, so it comes out as soon as it is reached.
 */
export function mergeByTime(streams: readonly Iterable<HbEvent>[]): Iterable<HbEvent> {
  if (streams.length === 1) return streams[0]!;
  return merged(streams);
}

function* merged(streams: readonly Iterable<HbEvent>[]): Generator<HbEvent> {
  const heads: Head[] = [];
  const advance = (rest: Iterator<HbEvent>): Head | null => {
    const next = rest.next();
    return next.done ? null : { e: next.value, t: timeOf(next.value) || 0, rest };
  };
  for (const s of streams) {
    const h = advance(s[Symbol.iterator]());
    if (h) heads.push(h);
  }
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) if (heads[i]!.t < heads[min]!.t) min = i;
    const h = heads[min]!;
    yield h.e;
    const next = advance(h.rest);
    if (next) heads[min] = next;
    else heads.splice(min, 1);
  }
}
