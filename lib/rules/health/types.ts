// The verdict on one job, as `hb check` and `hb status` report it (text, JSON, Nagios, Prometheus).

import type { HeartbeatRecord } from '../heartbeat/record.ts';
import type { RunMarker } from '../heartbeat/run-marker.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import type { Evidence, RootCause } from '../evidence/types.ts';

/** Every status a job can have (SPEC §4). */
export type JobStatus =
  | 'ok'
  /** The last run succeeded with a warning (an exit code of `warn_codes`, a `warn_on` match): shown, not a problem. */
  | 'warning'
  | 'late'
  | 'stale'
  | 'failed'
  /** The last run succeeded far faster than usual or than its min_duration: an empty backup, a skipped step. */
  | 'suspicious'
  /** The last run succeeded far slower than its learned usual duration. */
  | 'slow'
  | 'crashed'
  | 'running'
  | 'overrunning'
  | 'never'
  | 'corrupt'
  | 'clock_skew'
  | 'paused'
  | 'unscheduled'
  | RecoveryStatus;

/** Dead-man recovery could not bring the job back: a person must act (SPEC §6). */
export type RecoveryStatus =
  /** The restart budget is spent and the job is still unhealthy. */
  | 'recovery_exhausted'
  /** hb restored or restarted, and the job is still unhealthy (or the restart itself failed). */
  | 'recovery_failed'
  /** hb would not act: a guarded file it refused to touch, or no known-good copy to restore. */
  | 'recovery_refused';

/** What recovery concluded for a job it could not bring back (kept in recover/<job>/outcome.json). */
export interface RecoveryOutcome {
  status: RecoveryStatus;
  /** One line a person can act on. */
  reason: string;
  /** When a check concluded it (ISO 8601). */
  at: string;
}

/** Statuses that make `hb check` exit 1. */
export const PROBLEM_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'stale',
  'failed',
  'suspicious',
  'slow',
  'crashed',
  'overrunning',
  'never',
  'corrupt',
  'clock_skew',
  'recovery_exhausted',
  'recovery_failed',
  'recovery_refused',
]);

/** Where a job's schedule came from. */
export type ScheduleSource = 'heartbeat' | 'config' | 'crontab';

/** The evaluated state of one job. Field names are part of the JSON contract (docs/cli.md). */
export interface JobHealth {
  job: string;
  status: JobStatus;
  problem: boolean;
  /** One line a person can act on: why the job has this status. */
  reason: string;
  /** Seconds since the last heartbeat (its started_at, else mtime); null when there is none. */
  age_s: number | null;
  period_s: number | null;
  grace_s: number | null;
  /** age_s / period_s, rounded to 3 decimals. */
  ratio: number | null;
  /** When the next run is/was due (ISO 8601 UTC). */
  due: string | null;
  /** When the job becomes stale (due + grace). */
  deadline: string | null;
  schedule: ScheduleSpec | null;
  schedule_source: ScheduleSource | null;
  /** Last successful run's start (ISO); from the record, else null. */
  last_success_at: string | null;
  last: HeartbeatRecord | null;
  running: RunMarker | null;
  /** The `.last` file this verdict read, when there is one. */
  file: string | null;
  /** Why a problem job missed its run, most likely cause first (lib/check/explain.ts); empty when nothing was gathered. */
  evidence: Evidence[];
  /** The problem this job's incident is folded into (a job it `needs:` that is itself a problem); null: none. */
  root_cause: RootCause | null;
}
