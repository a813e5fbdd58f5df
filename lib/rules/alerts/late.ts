// The early warning: one `late` notice when a job's due time passes and its deadline has not,
// for sinks that ask for it. Not an incident: nothing opens, nothing resolves. Pure.

import type { JobStatus } from '../health/types.ts';
import { isoOrNull } from '../iso-time.ts';

/** A `late` notice to send: when the job was due and when it turns stale. */
export interface LateNotice {
  dueMs: number;
  deadlineMs: number;
}

/**
 * Whether to send a `late` notice now, and the due time to remember (undefined: nothing). One
 * notice per due time: the remembered one is kept while the job's due time stays the same, so a
 * verdict that comes and goes (a run starting, a pause) does not send it twice; a run moves the
 * due time on and the memory goes.
 */
export function lateStep(
  remembered: string | undefined,
  health: { status: JobStatus; dueMs?: number | null; deadlineMs?: number | null },
  wanted: boolean,
): { due: string | undefined; notice: LateNotice | null } {
  const due = wanted ? isoOrNull(health.dueMs ?? null) : null;
  if (due === null) return { due: undefined, notice: null };
  if (remembered === due) return { due, notice: null };
  if (health.status !== 'late' || health.deadlineMs == null) return { due: undefined, notice: null };
  return { due, notice: { dueMs: health.dueMs!, deadlineMs: health.deadlineMs } };
}
