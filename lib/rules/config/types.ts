// The validated configuration, with durations in milliseconds.

import type { ScheduleSpec } from '../schedule/types.ts';
import type { SinkConfig } from '../sinks/validate.ts';
import type { RecoverPolicy } from '../recover/types.ts';
import type { UnscheduledSetting } from '../health/unscheduled.ts';
import type { OutcomeRules } from '../outcome/rules.ts';
import type { Need } from '../needs/types.ts';
import type { MaintenanceWindow } from '../maintenance/types.ts';
import type { EscalationStep } from '../escalate/types.ts';

/** A job as configured under `jobs:`; every field optional (no config at all is valid). */
export interface JobConfig {
  name: string;
  schedule?: ScheduleSpec;
  graceMs?: number;
  /** A string runs through /bin/sh -c (as cron does); a list runs without a shell. */
  command?: string | string[];
  timeoutMs?: number;
  lock?: boolean;
  /** hb daemon may start a run while the previous one is still going (default false). */
  overlap?: boolean;
  tailBytes?: number;
  maxRuntimeMs?: number;
  minDurationMs?: number;
  /** `alert_after` as written: deprecated, read as `tolerate: {failed_runs}` (failedRuns); kept so hb doctor can name it. */
  alertAfter?: number;
  /** `tolerate: {failed_runs: N}`: failed runs in a row before the failure is a problem (default 1). */
  failedRuns?: number;
  /** How a finished run's outcome is decided beyond exit 0 (lib/rules/outcome/rules.ts). */
  outcome?: OutcomeRules;
  remindMs?: number;
  /** The job's own sinks, in addition to the global ones. */
  notify?: SinkConfig[];
  /** Dead-man recovery (SPEC §6), validated. */
  recover?: RecoverPolicy;
  /** What the job depends on (`needs:`): jobs whose problems its own fold into, preconditions probed at check time. */
  needs?: Need[];
  /** The job's own maintenance windows, besides the global ones that apply to it. */
  maintenance?: MaintenanceWindow[];
  /** The job's escalation steps (absent: the global ones). */
  escalate?: EscalationStep[];
}

/** The whole config file. */
export interface HbConfig {
  /** The file it came from, or null when no config file exists. */
  file: string | null;
  stateDir?: string;
  /** Each job's grace, timeout, max_runtime and tail when it sets none. */
  defaults: { graceMs?: number; timeoutMs?: number; maxRuntimeMs?: number; tailBytes?: number };
  /** What a job with no schedule anywhere is: `warn` (absent: listed, not a problem) or `problem`. */
  unscheduled?: UnscheduledSetting;
  /** `events_keep`: how long the event log's rotated files are kept (absent: a week, lib/rules/events/retention.ts). */
  eventsKeepMs?: number;
  notify: SinkConfig[];
  /** Global maintenance windows (`maintenance:`), each for every job or the jobs it names. */
  maintenance?: MaintenanceWindow[];
  /** Global escalation steps (`escalate:`), for jobs with none of their own. */
  escalate?: EscalationStep[];
  /** `cron_log:` where cron's own log is read from for evidence (absent: the usual places). */
  cronLog?: string[];
  jobs: Map<string, JobConfig>;
}

/** The config used when no file exists. */
export function emptyConfig(): HbConfig {
  return { file: null, defaults: {}, notify: [], jobs: new Map() };
}

/** Every sink a job's notifications go to: its own, then the global ones. */
export function sinksOf(config: HbConfig, job: string): SinkConfig[] {
  return [...(config.jobs.get(job)?.notify ?? []), ...config.notify];
}

/** The escalation steps of a job: its own, else the global ones (none: an empty list). */
export function escalationOf(config: HbConfig, job: string): EscalationStep[] {
  return config.jobs.get(job)?.escalate ?? config.escalate ?? [];
}

/** Every configured sink, global and per job, those of escalation steps included. */
export function allSinks(config: HbConfig): SinkConfig[] {
  const steps = [...(config.escalate ?? []), ...[...config.jobs.values()].flatMap((j) => j.escalate ?? [])];
  return [...config.notify, ...[...config.jobs.values()].flatMap((j) => j.notify ?? []), ...steps.flatMap((s) => s.notify)];
}
