// The rules a job gives for judging a finished run, as validated from its config and wrap's flags.
// Each part is optional; absent parts judge nothing. Pure data: patterns stay text (the compiled
// config is JSON) and are compiled where a run is judged.

/** Exit codes and output patterns (docs/configuration.md "Outcome rules"). */
export interface OutcomeRules {
  /** Exit codes that mean success (default [0]). */
  okCodes?: number[];
  /** Exit codes that mean success with a warning (rsync's 24). */
  warnCodes?: number[];
  /** Regular expressions: a match in the output tail fails the run. */
  failOn?: string[];
  /** A match in the output tail makes the run a warning. */
  warnOn?: string[];
  /** Each must match somewhere in the output tail, or the run fails. */
  require?: string[];
  /** Artifact checks run right after the run. */
  expect?: ExpectRule[];
  /** Judge each success against the durations of the job's earlier runs. */
  baseline?: BaselineRule;
  /** `hb wrap --quiet` / `quiet: true`: pass output through only when the run failed. */
  quiet?: boolean;
}

/** One artifact the run must leave (`expect:` entry). */
export interface ExpectRule {
  /** An absolute file path or glob; for a glob, the newest match is checked. */
  path: string;
  /** Must be modified at or after the run's start (default true). */
  fresh: boolean;
  minBytes?: number;
  /** At least this fraction (0–1] of the last good artifact's size. */
  minRatio?: number;
  /** A command run on the file (`{}` is its path); it must exit 0. */
  verify?: string | string[];
  verifyTimeoutMs?: number;
}

/** Learned duration band (`baseline:`). */
export interface BaselineRule {
  /** How many of the latest successful runs make the band. */
  runs: number;
  /** No verdict until this many runs are known. */
  minRuns: number;
  /** Suspicious under p5 divided by this. */
  fast: number;
  /** Slow over p95 multiplied by this. */
  slow: number;
  /** A run within this much of the band's edge is never flagged (start-up noise of short jobs). */
  slackMs: number;
}
