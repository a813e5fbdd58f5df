// Nearest-rank percentiles: always a value that was measured, never an interpolation.

/**
 * The p-th percentile (0 < p ≤ 100) of `sorted` (ascending) by the nearest-rank method: the
 * value at rank ⌈p/100 · n⌉. Null for no values.
 */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  // p·n first: (95 · 20) / 100 is exactly 19, where 0.95 · 20 may not be.
  const rank = Math.max(1, Math.ceil((p * n) / 100));
  return sorted[Math.min(rank, n) - 1]!;
}
