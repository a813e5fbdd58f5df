// The daemon's scheduling decisions, pure: when each job fires next, which fires start a run and
// which are skipped, and how a reload changes the plan. Time always comes in as `nowMs`.
//
// Fire times come from the schedule itself (compileSchedule(...).next), never from adding an
// interval to the moment the daemon woke up, so a late wake-up never shifts later fires.

import { compileSchedule } from '../schedule/compile.ts';
import type { Schedule } from '../schedule/types.ts';
import { mayOverlap, sameSchedule, type DaemonJob } from './jobs.ts';

/** One job's place in the plan. */
export interface Slot {
  job: DaemonJob;
  /** `every` fires on the grid anchorMs + k·period (its last heartbeat, else the daemon's start). */
  anchorMs: number;
  /** The next fire, strictly in the future when the slot was last planned. */
  dueMs: number;
}

/** The whole plan; `lastNowMs` lets a step notice that the clock went backwards. */
export interface Plan {
  slots: readonly Slot[];
  lastNowMs: number;
}

/** What to do about one fire that came due. `missed` counts fires that passed while the daemon was late. */
export interface Decision {
  type: 'start' | 'skip';
  job: DaemonJob;
  dueMs: number;
  missed: number;
}

/** How a reload changed the plan, by job name. */
export interface PlanChanges {
  added: string[];
  removed: string[];
  /** The schedule changed: the next fire is planned afresh. */
  rescheduled: string[];
  /** Something else changed (lock, overlap); the next fire stays. */
  updated: string[];
}

const MISSED_SCAN = 100;

const scheduleOf = (job: DaemonJob): Schedule => compileSchedule(job.schedule, 'UTC');

/**
 * The first fire strictly after `nowMs`. `every`: the next point of the grid anchorMs + k·period,
 * so restarts and late wake-ups keep the phase; cron: the schedule's own next fire.
 */
export function fireAfter(job: DaemonJob, anchorMs: number, nowMs: number): number {
  const schedule = scheduleOf(job);
  if ('every' in job.schedule) {
    const period = schedule.timing(anchorMs).periodMs;
    const steps = Math.max(0, Math.floor((nowMs - anchorMs) / period));
    return schedule.next(anchorMs + steps * period, 1)[0]!;
  }
  return schedule.next(nowMs, 1)[0] ?? Infinity;
}

/** A new slot: `every` keeps the phase of `anchorMs` (a heartbeat; never later than now). */
export function planSlot(job: DaemonJob, anchorMs: number | undefined, nowMs: number): Slot {
  const anchor = 'every' in job.schedule && anchorMs !== undefined && anchorMs <= nowMs ? anchorMs : nowMs;
  return { job, anchorMs: anchor, dueMs: fireAfter(job, anchor, nowMs) };
}

/** The plan at start: fires that passed while the daemon was down are not replayed. */
export function createPlan(jobs: readonly DaemonJob[], anchors: ReadonlyMap<string, number>, nowMs: number): Plan {
  return { slots: jobs.map((job) => planSlot(job, anchors.get(job.name), nowMs)), lastNowMs: nowMs };
}

/**
 * Everything that came due by `nowMs`: one decision per slot (never a burst for missed fires),
 * `skip` when a run of the job is still going and the job may not overlap (mayOverlap). Each fired slot moves to its
 * next fire after `nowMs`.
 */
export function stepPlan(plan: Plan, nowMs: number, isRunning: (job: string) => boolean): { plan: Plan; decisions: Decision[] } {
  const decisions: Decision[] = [];
  const clockWentBack = nowMs < plan.lastNowMs;
  const slots = plan.slots.map((slot) => {
    let s = slot;
    // After the clock was set back, a fire planned from the old time could be far away.
    if (clockWentBack) {
      const anchorMs = Math.min(s.anchorMs, nowMs);
      const dueMs = Math.min(s.dueMs, fireAfter(s.job, anchorMs, nowMs));
      s = { ...s, anchorMs, dueMs };
    }
    if (s.dueMs > nowMs) return s;
    const skip = !mayOverlap(s.job) && isRunning(s.job.name);
    decisions.push({ type: skip ? 'skip' : 'start', job: s.job, dueMs: s.dueMs, missed: missedFires(s, nowMs) });
    return { ...s, dueMs: fireAfter(s.job, s.anchorMs, nowMs) };
  });
  return { plan: { slots, lastNowMs: nowMs }, decisions };
}

/** Fires after `slot.dueMs` up to `nowMs` (a late wake-up); cron counts at most MISSED_SCAN. */
function missedFires(slot: Slot, nowMs: number): number {
  if ('every' in slot.job.schedule) {
    const period = scheduleOf(slot.job).timing(slot.anchorMs).periodMs;
    return Math.max(0, Math.floor((nowMs - slot.anchorMs) / period) - Math.floor((slot.dueMs - slot.anchorMs) / period));
  }
  return scheduleOf(slot.job)
    .next(slot.dueMs, MISSED_SCAN)
    .filter((t) => t <= nowMs).length;
}

/** When the next fire is due (ms since the epoch), or null with nothing to run. */
export function nextWake(plan: Plan): number | null {
  let min = Infinity;
  for (const s of plan.slots) if (s.dueMs < min) min = s.dueMs;
  return Number.isFinite(min) ? min : null;
}

/**
 * The plan after a config reload: a job whose schedule is unchanged keeps its next fire (a
 * reload never delays or repeats it), a new or rescheduled job is planned from now, a removed
 * one is dropped (a run of it still going is left to finish).
 */
export function reloadPlan(plan: Plan, jobs: readonly DaemonJob[], anchors: ReadonlyMap<string, number>, nowMs: number): { plan: Plan; changes: PlanChanges } {
  const old = new Map(plan.slots.map((s) => [s.job.name, s]));
  const changes: PlanChanges = { added: [], removed: [], rescheduled: [], updated: [] };
  const slots = jobs.map((job) => {
    const prev = old.get(job.name);
    if (!prev) {
      changes.added.push(job.name);
      return planSlot(job, anchors.get(job.name), nowMs);
    }
    if (!sameSchedule(prev.job.schedule, job.schedule)) {
      changes.rescheduled.push(job.name);
      return planSlot(job, anchors.get(job.name), nowMs);
    }
    if (prev.job.lock !== job.lock || mayOverlap(prev.job) !== mayOverlap(job) || prev.job.kind !== job.kind) changes.updated.push(job.name);
    return { ...prev, job };
  });
  const kept = new Set(jobs.map((j) => j.name));
  changes.removed = plan.slots.map((s) => s.job.name).filter((name) => !kept.has(name));
  // Keep the later clock reading, so a clock set back before the reload is still noticed.
  return { plan: { slots, lastNowMs: Math.max(plan.lastNowMs, nowMs) }, changes };
}
