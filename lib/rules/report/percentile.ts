// The report's duration statistics, by nearest rank (lib/rules/percentile.ts).

import { nearestRank } from '../percentile.ts';

/** p50, p95 and max of unsorted durations; sorts a copy. */
export function durationStats(values: readonly number[]): { count: number; p50: number | null; p95: number | null; max: number | null } {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return { count: list.length, p50: nearestRank(list, 50), p95: nearestRank(list, 95), max: list.at(-1) ?? null };
}
