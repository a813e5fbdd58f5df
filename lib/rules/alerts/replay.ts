// A check writes its notifications to the outbox before the alert state. When it dies in between
// (kill -9, power loss, a full disk refusing the state), the outbox holds decisions the state never
// heard of. The next check replays them onto the state instead of deciding again: a second alert
// under a new incident id, or a second resolve, would break "one notification each way".

import type { Notification } from '../sinks/types.ts';
import { QUIET, type JobAlertState } from './incident.ts';

/** The notifications whose sending changes an incident (messages and run pings do not). */
export const INCIDENT_TYPES: ReadonlySet<string> = new Set(['alert', 'remind', 'resolve']);

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
    if (!INCIDENT_TYPES.has(n.type) || !n.incident || journal.has(n.id) || seen.has(n.id)) continue;
    seen.add(n.id);
    notifications.push(n);
    const prev = next.get(n.job) ?? QUIET;
    if (n.type === 'resolve') {
      if (prev.incident?.id === n.incident.id) next.set(n.job, QUIET);
      continue;
    }
    const { id, opened_at, status, reminders } = n.incident;
    next.set(n.job, { incident: { id, opened_at, status, reminders, last_sent_at: n.ts } });
  }
  return { states: next, notifications };
}
