// A job hb has no schedule for can never be judged late: which verdicts say so, the words every
// output uses for it (check, nagios, doctor, the tick hint), and when a run says it once.

import type { ReadHeartbeat } from '../heartbeat/record.ts';
import { CHECK_JOB, REPORT_JOB } from '../job-name.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import type { JobStatus } from './types.ts';

/** The config's `unscheduled:` setting: `warn` (the default) lists such jobs, `problem` makes them problems. */
export type UnscheduledSetting = 'warn' | 'problem';

/** The settings `unscheduled:` accepts, for validation messages. */
export const UNSCHEDULED_SETTINGS: readonly UnscheduledSetting[] = ['warn', 'problem'];

// hb's own names: the meta-heartbeat, where neither the config nor a crontab line gives it a
// schedule, is shown and never judged (SPEC §5); `jobs.hb-report` only routes the report's sinks.
const OWN_JOBS: ReadonlySet<string> = new Set([CHECK_JOB, REPORT_JOB]);

/** Whether `job` is one whose want of a schedule hb reports (any but hb-check and hb-report). */
export function needsSchedule(job: string): boolean {
  return !OWN_JOBS.has(job);
}

/** Whether an unscheduled job is a problem under `setting`. */
export function unscheduledIsProblem(job: string, setting: UnscheduledSetting | undefined): boolean {
  return setting === 'problem' && needsSchedule(job);
}

/** Whether `hb check` lists and counts a verdict as a job without a schedule (not a problem; Nagios WARNING). */
export function warnsUnscheduled(job: string, v: { status: JobStatus; problem: boolean }): boolean {
  return v.status === 'unscheduled' && !v.problem && needsSchedule(job);
}

/** How to give `job` a schedule, in words a person can act on. */
export function scheduleFix(job: string): string {
  return `add --every 15m or --cron '30 2 * * *' to its hb tick or hb wrap line, or every/cron under jobs.${job} in the config`;
}

/** The reason `hb check` gives for an unscheduled job. */
export function unscheduledReason(job: string): string {
  if (job === CHECK_JOB)
    return `no schedule for the meta-heartbeat (none under jobs.${CHECK_JOB}, no crontab line running hb check that hb reads): shown, never judged`;
  if (job === REPORT_JOB) return `routes hb report --send to its sinks; needs no schedule: shown, never judged`;
  return `no schedule, so hb cannot tell when it is late: ${scheduleFix(job)}`;
}

/** The summary clause for `n` unscheduled jobs (n > 0). */
export function unscheduledSummary(n: number): string {
  return n === 1 ? '1 job has no schedule: hb cannot tell when it is late' : `${n} jobs have no schedule: hb cannot tell when they are late`;
}

/**
 * Whether a run that recorded `schedule` after `previous` has just left its job without a
 * schedule: its first heartbeat, or the one before it had a schedule. Only then does a tick or
 * wrap look further (the crontab) and hint, so cron mails the hint once, not at every run.
 */
export function becameUnscheduled(job: string, schedule: ScheduleSpec | null, previous: ReadHeartbeat | null): boolean {
  if (schedule || !needsSchedule(job)) return false;
  return previous === null || (previous.kind === 'record' && Boolean(previous.record.schedule));
}

/** The one stderr line of such a run, when no crontab line gives the job a schedule either. */
export function unscheduledHint(job: string): string {
  return `hb: hint: job ${job} has no schedule, so hb check cannot tell when it is late and lists it as unscheduled: ${scheduleFix(job)} (said once)`;
}
