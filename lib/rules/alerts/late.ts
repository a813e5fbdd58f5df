// The early warning: one `late` notice when a job's due time passes and its deadline has not,
// for sinks that ask for it. Not an incident: nothing opens, nothing resolves. Pure.

import type { JobStatus } from '../health/types.ts';

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
  if (!wanted || health.dueMs == null || Math.abs(health.dueMs) > 8.64e15) return { due: undefined, notice: null };
  const due = new Date(health.dueMs).toISOString();
  if (remembered === due) return { due, notice: null };
  if (health.status !== 'late' || health.deadlineMs == null) return { due: undefined, notice: null };
  return { due, notice: { dueMs: health.dueMs, deadlineMs: health.deadlineMs } };
}
