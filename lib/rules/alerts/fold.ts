// Folding a dependant's incident into its root cause (`needs:`): a problem job whose root cause is
// another job that is a problem opens no incident of its own, and once the root recovers it is not
// alerted on for the runs it missed before then, until its next deadline after the recovery. Pure.

import { step, type AlertPolicy, type Draft, type HealthSnapshot, type JobAlertState } from './incident.ts';

/** What a check saw of a problem job that needs other jobs. */
export interface DependantSnapshot extends HealthSnapshot {
  /** Its last heartbeat's start, or the start of its run in progress or dead (the later), in ms; null: none. */
  lastMs: number | null;
}

/**
 * One check's step for a problem job with `job:` needs, once the explain stage has spoken:
 * `root` is the job its problem is folded into (null: none). `nextDeadlineMs` is the job's first
 * deadline after now (null: it has no schedule). `released` names the root it was folded into
 * when that root is no longer a problem (its resolve mentions this job).
 */
export function stepDependant(
  prev: JobAlertState,
  health: DependantSnapshot,
  policy: AlertPolicy,
  nowMs: number,
  newId: () => string,
  root: string | null,
  nextDeadlineMs: () => number | null,
): { state: JobAlertState; drafts: Draft[]; released: string | null } {
  // Its root is a problem: quiet, the root's incident speaks for both. One opened before keeps going, without reminders.
  if (root !== null) return { state: { incident: prev.incident, folded_into: root }, drafts: [], released: null };
  if (prev.incident) return { ...step(prev, health, policy, nowMs, newId), released: null };
  if (prev.folded_into !== undefined) {
    const until = nextDeadlineMs();
    const held = until !== null && until > nowMs ? { since: new Date(nowMs).toISOString(), until: new Date(until).toISOString() } : undefined;
    if (held) return { state: { incident: null, held }, drafts: [], released: prev.folded_into };
    return { ...step({ incident: null }, health, policy, nowMs, newId), released: prev.folded_into };
  }
  // Held: what it missed before its root recovered is not alerted on until its next deadline after that.
  if (prev.held && (health.lastMs === null || health.lastMs < Date.parse(prev.held.since)) && nowMs <= Date.parse(prev.held.until)) {
    return { state: { incident: null, held: prev.held }, drafts: [], released: null };
  }
  return { ...step({ incident: null }, health, policy, nowMs, newId), released: null };
}

/** The root's resolve message, naming the jobs folded into it that are released with it. */
export function withReleased(message: string, released: readonly string[]): string {
  return released.length === 0 ? message : `${message}; also back: ${[...released].sort().join(', ')}`;
}
