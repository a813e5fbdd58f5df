// `min_duration`: a success faster than the job can do its work is suspicious. Pure.

import { formatDuration } from '../duration.ts';
import { OK, type Verdict } from './types.ts';

/** Suspicious when a run took less than `minMs` (absent: no limit). */
export function minDurationVerdict(durationMs: number, minMs: number | undefined): Verdict {
  if (minMs === undefined || durationMs >= minMs) return OK;
  return { outcome: 'suspicious', reason: `finished in ${formatDuration(durationMs)}, faster than its min_duration ${formatDuration(minMs)}` };
}
