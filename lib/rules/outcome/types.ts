// What hb makes of a finished run beyond its exit code: the outcome, its reason, and the rules a
// job's config (or wrap's flags) gives for deciding it. Pure.

/**
 * A run's outcome, worst last in severity: `ok`; `warning` (shown, never paged: rsync's exit 24);
 * `slow` and `suspicious` (a success far outside the job's usual duration, or under its
 * min_duration: paged once per regression); `failed` (the record's status is `error`).
 */
export type RunOutcome = 'ok' | 'warning' | 'slow' | 'suspicious' | 'failed';

/** Severity of each outcome: the larger, the worse. */
export const OUTCOME_RANK: Readonly<Record<RunOutcome, number>> = { ok: 0, warning: 1, slow: 2, suspicious: 3, failed: 4 };

/** One stage's conclusion: the outcome and one line a person understands (null for ok). */
export interface Verdict {
  outcome: RunOutcome;
  reason: string | null;
}

/** The verdict of a run nothing found fault with. */
export const OK: Verdict = { outcome: 'ok', reason: null };

/**
 * The worst of the verdicts; its reason is the first one given among the equally bad (stages run
 * in order of trust), so exit 3 (no reason: the exit code says it) and a fail_on match carry the line.
 */
export function worst(verdicts: readonly Verdict[]): Verdict {
  let out = OK;
  for (const v of verdicts) {
    if (OUTCOME_RANK[v.outcome] > OUTCOME_RANK[out.outcome]) out = v;
    else if (v.outcome === out.outcome && out.reason === null && v.reason !== null) out = v;
  }
  return out;
}

/** Failed runs in a row that a failed record ends (a record from before the count: one). */
export function failedInARow(record: { failed_streak?: number }): number {
  return Math.max(1, record.failed_streak ?? 1);
}

/** What one artifact check found (the heartbeat's `expect` list, one entry per configured path). */
export interface ArtifactResult {
  /** The path or glob as configured. */
  path: string;
  /** The file checked (the newest match of a glob); null when nothing matched. */
  file: string | null;
  /** Its size in bytes; null when there is no file. */
  size: number | null;
  ok: boolean;
  /** Why it is not ok; null when it is. */
  reason: string | null;
  /** The size of the last artifact that passed, carried from run to run (what min_ratio compares with); null: none yet. */
  ref_size: number | null;
}

/** The duration band a run was judged against (the heartbeat's `baseline`). */
export interface BaselineBand {
  /** How many earlier successful runs made the band. */
  runs: number;
  /** Under this a success is suspicious (p5 / fast). */
  low_ms: number;
  /** Over this it is slow (p95 × slow). */
  high_ms: number;
}
