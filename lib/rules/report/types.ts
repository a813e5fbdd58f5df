// The nightly report's shape: what `hb report --format json` prints (docs/report.md). Stable.

import type { JobStatus } from '../health/types.ts';
import type { FailedOutput } from '../history/failed-output.ts';
import type { Evidence, RootCause } from '../evidence/types.ts';

/**
 * How one run ended, as the timeline colours it. `running` is the run in progress now; `warning`,
 * `slow` and `suspicious` are successes hb judged so (docs/configuration.md, "Outcome rules").
 */
export type RunOutcome = 'ok' | 'warning' | 'slow' | 'suspicious' | 'failed' | 'timeout' | 'crashed' | 'running';

/** One mark on a job's timeline. */
export interface TimelineRun {
  /** When the run started (ISO 8601 UTC). */
  started_at: string;
  /** Wall time; null for a crashed or running run (it never finished). */
  duration_ms: number | null;
  outcome: RunOutcome;
  exit_code: number | null;
  signal: string | null;
  cycle: number | null;
  /** True for `hb tick` without a command. */
  ping: boolean;
  /** Why hb judged the run so (a warning, a suspicious run, a failed expectation); only when the event gave one. */
  reason?: string;
}

/** An incident that was open at some moment of the window. */
export interface IncidentSpan {
  id: string;
  status: string;
  reason: string;
  opened_at: string;
  /** Null while it is still open at the end of the window. */
  resolved_at: string | null;
}

/** A dead-man recovery step inside the window (docs/recovery.md). */
export interface RecoveryStep {
  at: string;
  type: 'config_rolled_back' | 'restart' | 'recovery_verified' | 'recovery_blocked';
  /** config_rolled_back: the files restored. */
  files?: string[];
  /** restart: the restart command's exit code. */
  exit_code?: number | null;
  /** recovery_verified: healthy again or not (null: unknown). */
  healthy?: boolean | null;
  reason?: string;
}

/** Duration statistics of the timed runs (pings excluded); nearest-rank percentiles. */
export interface DurationStats {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Everything the report says about one job. */
export interface JobReport {
  job: string;
  /** The current verdict (as `hb check` says it), null for a job known only from its events. */
  status: JobStatus | null;
  problem: boolean;
  reason: string | null;
  /** Why the job missed its run, most likely first, as `hb check --json` gives it ([] when nothing was found). */
  evidence: Evidence[];
  /** The problem this job's incident is folded into, as `hb check --json` gives it; null when none. */
  root_cause: RootCause | null;
  runs: number;
  ok: number;
  /** Successful runs (counted in `ok`) that hb judged a warning, slow or suspicious. */
  warnings: number;
  slow: number;
  suspicious: number;
  failures: number;
  timeouts: number;
  crashes: number;
  pings: number;
  overlaps: number;
  incidents: { opened: number; resolved: number; open: number; list: IncidentSpan[] };
  rollbacks: number;
  restarts: number;
  restart_failures: number;
  notify_failures: number;
  recovery_blocked: number;
  duration_ms: DurationStats;
  /** Runs in the window, oldest first; at most TIMELINE_CAP (the newest ones). */
  timeline: TimelineRun[];
  /** Older runs left out of `timeline` by the cap. */
  timeline_omitted: number;
  recovery: RecoveryStep[];
  /**
   * The output kept of the newest failed runs in the window (history/<job>.failed.jsonl), oldest
   * first, each tail cut to its end (lib/rules/report/failed-outputs.ts); [] when none was kept.
   */
  failed_outputs: FailedOutput[];
  /** Failed runs in the window with output kept that the report leaves out (see hb log JOB --output). */
  failed_outputs_omitted: number;
}

/** Why a job is a blocker. */
export interface BlockerReason {
  kind: 'unhealthy' | 'open_incident' | 'recovery_blocked';
  text: string;
  /** When it started (incident opened, recovery blocked); null for the current verdict. */
  since: string | null;
  /** `unhealthy` only: the cause line under the reason (the root or likely cause, then the rest), when something was found. */
  cause?: string;
}

/** A job that needs a person, promoted to the top of the report. */
export interface Blocker {
  job: string;
  status: JobStatus | null;
  reasons: BlockerReason[];
}

/** Sums over every job. */
export interface ReportTotals {
  jobs: number;
  events: number;
  runs: number;
  ok: number;
  warnings: number;
  slow: number;
  suspicious: number;
  failures: number;
  timeouts: number;
  crashes: number;
  incidents_opened: number;
  open_incidents: number;
  rollbacks: number;
  restarts: number;
  notify_failures: number;
  blockers: number;
}

/** The whole report. */
export interface Report {
  generated_at: string;
  since: string;
  until: string;
  host: string;
  blockers: Blocker[];
  jobs: JobReport[];
  totals: ReportTotals;
}

/** Runs kept per job timeline: a job every minute for a day fits, a runaway loop does not bloat the report. */
export const TIMELINE_CAP = 2000;
/** Incidents and recovery steps kept per job. */
export const LIST_CAP = 200;
