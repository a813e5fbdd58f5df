// The incident state machine (SPEC §5): a job's health and its previous alert state in, the next
// state and the notifications to send out. Pure: the caller persists state and delivers.

import type { JobStatus } from '../health/types.ts';
import { lateStep, type LateNotice } from './late.ts';

/** An open incident, as remembered between checks. */
export interface Incident {
  id: string;
  opened_at: string;
  /** The status that opened it (the title of tracker issues). */
  status: JobStatus;
  reminders: number;
  /** When the last alert or reminder went out. */
  last_sent_at: string;
  /** How many escalation steps were sent (absent: none, as in a state written before escalation existed). */
  escalated?: number;
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
  /** The due time (ISO 8601) a `late` notice went out for, while it is still the job's due time. */
  late_due?: string;
}

/** A job's alerting settings. */
export interface AlertPolicy {
  /** Remind this often while an incident stays open; null: never. */
  remindMs: number | null;
  /** When each escalation step is due, in ms after the incident opened, ascending (absent: no steps). */
  escalateAfterMs?: readonly number[];
  /** Some sink of the job asks for `late` notices. */
  late?: boolean;
}

/** What a check saw of the job. */
export interface HealthSnapshot {
  status: JobStatus;
  problem: boolean;
  /** When the job is due and when it turns stale (ms), when known: a `late` notice says both. */
  dueMs?: number | null;
  deadlineMs?: number | null;
}

/** A notification to send, before it gets the job's facts and an id. */
export interface Draft {
  type: 'alert' | 'remind' | 'resolve' | 'escalate';
  status: JobStatus;
  incident: Incident;
  /** On an `escalate`: its step (from 1) and how long after the incident opened it was due. */
  escalation?: { step: number; afterMs: number };
}

/** Statuses that neither open nor close an incident: the outcome is not known yet. */
const HOLDING: ReadonlySet<JobStatus> = new Set<JobStatus>(['running', 'paused']);

/** The state of a job hb has not alerted about. */
export const QUIET: JobAlertState = { incident: null };

/**
 * One check's step for one job. Quiet by default: exactly one `alert` when the job becomes a
 * problem, one `resolve` when it ends, `remind`s only when asked for, one `escalate` per step as
 * the incident stays open, and one `late` notice per due time for a job whose sinks ask for it.
 */
export function step(
  prev: JobAlertState,
  health: HealthSnapshot,
  policy: AlertPolicy,
  nowMs: number,
  newId: () => string,
): { state: JobAlertState; drafts: Draft[]; late: LateNotice | null } {
  const late = lateStep(prev.late_due, health, policy.late === true);
  const { incident, drafts } = incidentStep(prev.incident, health, policy, nowMs, newId);
  return { state: late.due === undefined ? { incident } : { incident, late_due: late.due }, drafts, late: late.notice };
}

function incidentStep(
  open: Incident | null,
  health: HealthSnapshot,
  policy: AlertPolicy,
  nowMs: number,
  newId: () => string,
): { incident: Incident | null; drafts: Draft[] } {
  const now = new Date(nowMs).toISOString();
  if (HOLDING.has(health.status)) return { incident: open, drafts: [] };
  if (!health.problem) {
    if (!open) return { incident: null, drafts: [] };
    return { incident: null, drafts: [{ type: 'resolve', status: health.status, incident: open }] };
  }
  if (!open) {
    const incident: Incident = { id: newId(), opened_at: now, status: health.status, reminders: 0, last_sent_at: now };
    return { incident, drafts: [{ type: 'alert', status: health.status, incident }] };
  }
  const drafts: Draft[] = [];
  let incident = open;
  // Every step now due, in order, once each: a check that runs late catches up on all of them.
  const steps = policy.escalateAfterMs ?? [];
  const openFor = nowMs - Date.parse(open.opened_at);
  for (let i = open.escalated ?? 0; i < steps.length && openFor >= steps[i]!; i++) {
    incident = { ...incident, escalated: i + 1 };
    drafts.push({ type: 'escalate', status: health.status, incident, escalation: { step: i + 1, afterMs: steps[i]! } });
  }
  if (policy.remindMs !== null && nowMs - Date.parse(incident.last_sent_at) >= policy.remindMs) {
    incident = { ...incident, reminders: incident.reminders + 1, last_sent_at: now };
    drafts.push({ type: 'remind', status: health.status, incident });
  }
  return { incident, drafts };
}
