// The incident state machine (SPEC §5): a job's health and its previous alert state in, the next
// state and the notifications to send out. Pure: the caller persists state and delivers.

import type { JobStatus } from '../health/types.ts';

/** An open incident, as remembered between checks. */
export interface Incident {
  id: string;
  opened_at: string;
  /** The status that opened it (the title of tracker issues). */
  status: JobStatus;
  reminders: number;
  /** When the last alert or reminder went out. */
  last_sent_at: string;
}

/**
 * What is remembered per job between checks. How many failed runs in a row open an incident
 * (`tolerate`) is the job's own count, in its heartbeat: a check only asks whether it is a problem.
 */
export interface JobAlertState {
  incident: Incident | null;
  /** The job this one's problem is folded into (its root cause, itself a problem): no incident of its own (lib/rules/alerts/fold.ts). */
  folded_into?: string;
  /** After the root it was folded into recovered: runs missed before `since` are not alerted on until `until`, its next deadline after it. */
  held?: { since: string; until: string };
}

/** A job's alerting settings. */
export interface AlertPolicy {
  /** Remind this often while an incident stays open; null: never. */
  remindMs: number | null;
}

/** What a check saw of the job. */
export interface HealthSnapshot {
  status: JobStatus;
  problem: boolean;
}

/** A notification to send, before it gets the job's facts and an id. */
export interface Draft {
  type: 'alert' | 'remind' | 'resolve';
  status: JobStatus;
  incident: Incident;
}

/** Statuses that neither open nor close an incident: the outcome is not known yet. */
const HOLDING: ReadonlySet<JobStatus> = new Set<JobStatus>(['running', 'paused']);

/** The state of a job hb has not alerted about. */
export const QUIET: JobAlertState = { incident: null };

/**
 * One check's step for one job. Quiet by default: exactly one `alert` when the job becomes a
 * problem, one `resolve` when it ends, and `remind`s only when asked for.
 */
export function step(
  prev: JobAlertState,
  health: HealthSnapshot,
  policy: AlertPolicy,
  nowMs: number,
  newId: () => string,
): { state: JobAlertState; drafts: Draft[] } {
  const now = new Date(nowMs).toISOString();
  if (HOLDING.has(health.status)) return { state: { incident: prev.incident }, drafts: [] };
  if (!health.problem) {
    if (!prev.incident) return { state: QUIET, drafts: [] };
    return { state: QUIET, drafts: [{ type: 'resolve', status: health.status, incident: prev.incident }] };
  }
  if (prev.incident) {
    const due = policy.remindMs !== null && nowMs - Date.parse(prev.incident.last_sent_at) >= policy.remindMs;
    if (!due) return { state: { incident: prev.incident }, drafts: [] };
    const incident = { ...prev.incident, reminders: prev.incident.reminders + 1, last_sent_at: now };
    return { state: { incident }, drafts: [{ type: 'remind', status: health.status, incident }] };
  }
  const incident: Incident = { id: newId(), opened_at: now, status: health.status, reminders: 0, last_sent_at: now };
  return { state: { incident }, drafts: [{ type: 'alert', status: health.status, incident }] };
}
