// Why a job has its status, as one word from a fixed list: what an alert annotation, a fleet
// panel or an agent can branch on where the free-text reason is for people.

import type { JobHealth, JobStatus } from './types.ts';

/** Every reason class, in the order documentation lists them. */
export const REASON_CLASSES = [
  /** Nothing is wrong: ok, warning, running. */
  'none',
  /** Due and not yet stale. */
  'late',
  /** No heartbeat since its deadline. */
  'missed',
  /** Configured, and no heartbeat one period and grace after hb first saw it. */
  'never_ran',
  /** Stale or never ran because a job or precondition it `needs:` is a problem (the root cause is elsewhere). */
  'dependency',
  /** The last run exited with a code that counts as failure. */
  'exit_code',
  /** The last run was killed by a signal. */
  'signal',
  /** The last run hit its timeout. */
  'timeout',
  /** An `expect:` artifact was missing, too small or too old. */
  'artifact',
  /** The last run exited 0 and hb judged it failed (fail_on, an empty output rule, a stage's reason). */
  'judged',
  /** The last run succeeded far faster than usual or than its min_duration. */
  'too_fast',
  /** The last run succeeded far slower than usual. */
  'too_slow',
  /** A run started and its process is gone without a heartbeat. */
  'crashed',
  /** The current run has gone on longer than its limit. */
  'overrunning',
  /** The heartbeat or the schedule cannot be read. */
  'corrupt',
  /** The heartbeat lies in the future. */
  'clock_skew',
  /** Dead-man recovery could not bring the job back. */
  'recovery',
  /** Paused by `hb pause` or inside a maintenance window. */
  'paused',
  /** A heartbeat with no schedule anywhere. */
  'unscheduled',
] as const;

/** One of REASON_CLASSES. */
export type ReasonClass = (typeof REASON_CLASSES)[number];

// The class a status has on its own; `failed` and the missed-run statuses look further.
const BY_STATUS: Record<JobStatus, ReasonClass> = {
  ok: 'none',
  warning: 'none',
  running: 'none',
  late: 'late',
  stale: 'missed',
  never: 'never_ran',
  failed: 'exit_code',
  suspicious: 'too_fast',
  slow: 'too_slow',
  crashed: 'crashed',
  overrunning: 'overrunning',
  corrupt: 'corrupt',
  clock_skew: 'clock_skew',
  paused: 'paused',
  unscheduled: 'unscheduled',
  recovery_exhausted: 'recovery',
  recovery_failed: 'recovery',
  recovery_refused: 'recovery',
};

/** The reason class of a job's verdict. */
export function reasonClass(j: Pick<JobHealth, 'status' | 'last' | 'root_cause'>): ReasonClass {
  if ((j.status === 'stale' || j.status === 'never') && j.root_cause) return 'dependency';
  if (j.status !== 'failed' || !j.last) return BY_STATUS[j.status];
  const last = j.last;
  if (last.timed_out) return 'timeout';
  if (last.signal) return 'signal';
  if (last.expect?.some((a) => !a.ok)) return 'artifact';
  if (last.exit_code !== null && last.exit_code !== 0) return 'exit_code';
  return 'judged';
}
