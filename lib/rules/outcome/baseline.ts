// `baseline:`: a success far outside the job's own usual duration, learned from its history, is
// suspicious (far too fast: an empty backup) or slow. Pure.

import { formatDuration } from '../duration.ts';
import type { RunLine } from '../history/runs.ts';
import { nearestRank } from '../percentile.ts';
import type { BaselineRule } from './rules.ts';
import { OK, type BaselineBand, type Verdict } from './types.ts';

/** `baseline: true`: the last 50 successes, judged from the 20th on, under p5/3 or over p95×3, 500ms of slack. */
export const DEFAULT_BASELINE: Readonly<BaselineRule> = { runs: 50, minRuns: 20, fast: 3, slow: 3, slackMs: 500 };

/** A verdict, and the band it was judged against (null: too few runs yet, nothing judged). */
export interface BaselineJudgement extends Verdict {
  band: BaselineBand | null;
}

/**
 * The durations of the last `runs` successful runs (status ok), oldest first. Successes judged
 * suspicious or slow count too: a change that lasts becomes the new normal as the window turns.
 */
export function successDurations(history: readonly RunLine[], runs: number): number[] {
  const out: number[] = [];
  for (let i = history.length - 1; i >= 0 && out.length < runs; i--) if (history[i]!.status === 'ok') out.push(history[i]!.duration_ms);
  return out.reverse();
}

/** The usual range (p5 to p95, nearest rank) of `durations` and the band it gives, or null under `minRuns`. */
export function baselineBand(durations: readonly number[], rule: BaselineRule): { p5: number; p95: number; band: BaselineBand } | null {
  if (durations.length === 0 || durations.length < rule.minRuns) return null;
  const sorted = Array.from(Float64Array.from(durations).sort());
  const p5 = nearestRank(sorted, 5)!;
  const p95 = nearestRank(sorted, 95)!;
  return { p5, p95, band: { runs: sorted.length, low_ms: p5 / rule.fast, high_ms: p95 * rule.slow } };
}

/**
 * Judges a successful run of `durationMs` against the earlier successes' `durations`: under
 * p5/fast by more than the slack is suspicious, over p95×slow by more than the slack is slow.
 * Callers never pass a failed run: its failure says more than its duration.
 */
export function baselineVerdict(durationMs: number, durations: readonly number[], rule: BaselineRule): BaselineJudgement {
  const found = baselineBand(durations, rule);
  if (!found) return { ...OK, band: null };
  const { p5, p95, band } = found;
  const usual = `its last ${band.runs} successful runs took ${shortDuration(p5)} to ${shortDuration(p95)}`;
  if (durationMs < band.low_ms && band.low_ms - durationMs > rule.slackMs) {
    return { outcome: 'suspicious', reason: `took ${shortDuration(durationMs)}; ${usual} (suspicious under ${shortDuration(band.low_ms)})`, band };
  }
  if (durationMs > band.high_ms && durationMs - band.high_ms > rule.slackMs) {
    return { outcome: 'slow', reason: `took ${shortDuration(durationMs)}; ${usual} (slow over ${shortDuration(band.high_ms)})`, band };
  }
  return { ...OK, band };
}

/** 10ms, 633ms, 1.9s, 42.5s, then formatDuration's 2m5s: a tenth of a second matters to short jobs. */
export function shortDuration(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${(Math.round(ms / 100) / 10).toString()}s`;
  return formatDuration(ms);
}
