// A check writes its notifications to the outbox before the alert state. When it dies in between
// (kill -9, power loss, a full disk refusing the state), the outbox holds decisions the state never
// heard of. The next check replays them onto the state instead of deciding again: a second alert
// under a new incident id, or a second resolve, would break "one notification each way".

import type { Notification } from '../sinks/types.ts';
import { QUIET, type JobAlertState } from './incident.ts';

/** The notifications whose sending changes a job's alert state: an incident's, and the `late` notice remembered per due time (messages and run pings change nothing). */
export const INCIDENT_TYPES: ReadonlySet<string> = new Set(['alert', 'remind', 'escalate', 'resolve', 'late']);

/** What replaying found: the state as the dead check left it, and the notifications it had decided. */
export interface Replayed {
  states: Map<string, JobAlertState>;
  /** One per notification (not per sink), oldest first: its sinks may still lack a copy. */
  notifications: Notification[];
}

/**
 * Applies, in the order they were enqueued, the pending incident notifications that the stored
 * state does not record in its journal. `journal` null (a state written before journals existed,
 * or none at all yet) replays nothing: without it a pending alert cannot be told from one whose
 * sink is down while the state moved on.
 */
export function replayUnrecorded(states: Map<string, JobAlertState>, journal: ReadonlySet<string> | null, pending: readonly Notification[]): Replayed {
  const next = new Map(states);
  const notifications: Notification[] = [];
  if (journal === null) return { states: next, notifications };
  const seen = new Set<string>();
  for (const n of pending) {
    if (!INCIDENT_TYPES.has(n.type) || journal.has(n.id) || seen.has(n.id)) continue;
    if (n.type === 'late' ? !n.late : !n.incident) continue;
    seen.add(n.id);
    notifications.push(n);
    const prev = next.get(n.job) ?? QUIET;
    next.set(n.job, replayed(prev, n));
  }
  return { states: next, notifications };
}

/** A job's alert state once `n` (an incident notification, or a late notice) counts as sent. */
function replayed(prev: JobAlertState, n: Notification): JobAlertState {
  const late = prev.late_due === undefined ? {} : { late_due: prev.late_due };
  if (n.type === 'late') return { incident: prev.incident, late_due: n.late!.due };
  const { id, opened_at, status, reminders, escalated } = n.incident!;
  if (n.type === 'resolve') return prev.incident?.id === id ? { incident: null, ...late } : prev;
  const steps = escalated ? { escalated } : {};
  // An escalation is not a reminder: the reminders keep their own pace.
  if (n.type === 'escalate' && prev.incident?.id === id) return { incident: { ...prev.incident, ...steps }, ...late };
  return { incident: { id, opened_at, status, reminders, last_sent_at: n.ts, ...steps }, ...late };
}
