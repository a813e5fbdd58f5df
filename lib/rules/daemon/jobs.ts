// Which configured jobs `hb daemon` runs, and with which schedule (pure: the config comes in).

import { PING_ONLY_REASON, pingOnly } from '../config/ping-only.ts';
import type { HbConfig } from '../config/types.ts';
import { CHECK_JOB } from '../job-name.ts';
import type { ScheduleSpec } from '../schedule/types.ts';

/** The meta-heartbeat's schedule when `jobs.hb-check` gives none: cron's usual `* * * * *`. */
export const DEFAULT_CHECK_SCHEDULE: ScheduleSpec = { every: '1m' };

/** One thing the daemon starts on a schedule. */
export interface DaemonJob {
  name: string;
  /** `tick` runs `hb tick NAME`; `check` runs `hb check` (the meta-heartbeat). */
  kind: 'tick' | 'check';
  /** Always with its zone for cron, so every reader computes the same instants. */
  schedule: ScheduleSpec;
  /** The job's own lock (`lock: true`): its tick also takes the job's lock file. */
  lock: boolean;
  /** `overlap: true`: a fire may start a run while the previous one goes (absent: it may not). */
  overlap?: boolean;
}

/** Whether a fire may start a run while another run of the job goes: only with overlap: true, never with lock. */
export const mayOverlap = (job: DaemonJob): boolean => job.overlap === true && !job.lock;

/** A configured job the daemon does not run, and why (logged once at start and on reload). */
export interface IgnoredJob {
  name: string;
  reason: string;
}

/** What the daemon runs from a config. */
export interface JobSelection {
  jobs: DaemonJob[];
  ignored: IgnoredJob[];
}

/**
 * Picks the daemon's jobs: every job with both a schedule and a command, plus the meta-heartbeat
 * on `jobs.hb-check`'s schedule (else every minute). A scheduled job without a command is left
 * alone: its heartbeat comes from elsewhere, and pinging it would hide that source failing.
 */
export function selectJobs(config: HbConfig, hostTz: string): JobSelection {
  const jobs: DaemonJob[] = [];
  const ignored: IgnoredJob[] = [];
  for (const job of [...config.jobs.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (job.name === CHECK_JOB) continue;
    if (pingOnly(job)) ignored.push({ name: job.name, reason: PING_ONLY_REASON });
    else if (job.schedule)
      jobs.push({ name: job.name, kind: 'tick', schedule: withZone(job.schedule, hostTz), lock: job.lock ?? false, ...(job.overlap ? { overlap: true } : {}) });
    else if (job.command !== undefined) ignored.push({ name: job.name, reason: 'it has a command but no schedule (every or cron)' });
  }
  const check = config.jobs.get(CHECK_JOB)?.schedule ?? DEFAULT_CHECK_SCHEDULE;
  jobs.push({ name: CHECK_JOB, kind: 'check', schedule: withZone(check, hostTz), lock: true });
  return { jobs, ignored };
}

/** A cron schedule without `tz` runs in the host's zone, as cron runs it. */
function withZone(spec: ScheduleSpec, hostTz: string): ScheduleSpec {
  return 'cron' in spec ? { cron: spec.cron, tz: spec.tz ?? hostTz } : { every: spec.every };
}

/** The schedule as one short phrase: `every 500ms`, `cron 30 2 * * * (Europe/Berlin)`. */
export function scheduleText(spec: ScheduleSpec): string {
  return 'cron' in spec ? `cron ${spec.cron}${spec.tz ? ` (${spec.tz})` : ''}` : `every ${spec.every}`;
}

/** Whether two schedules fire at the same instants (same spec and zone). */
export function sameSchedule(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return scheduleText(a) === scheduleText(b);
}

/** What the log calls a run of the job: `tick backup`, or `check` for the meta-heartbeat. */
export const runLabel = (job: DaemonJob) => (job.kind === 'check' ? 'check' : `tick ${job.name}`);
