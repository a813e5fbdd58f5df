// Evidence `host_down`: was the host down (booted after the due time) or asleep (suspended time
// seen as the gap between the clock that counts suspend and the one that does not). The clock
// readings come in as facts: this module reads none.

import { formatDuration } from '../duration.ts';
import type { ScheduleSpec, Timing } from '../schedule/types.ts';
import type { Evidence } from './types.ts';
import { clockAgo, clockText } from './when.ts';
import { isoOrNull } from '../iso-time.ts';

/** The host's clocks, read together by the caller; null where one could not be read. */
export interface HostClocks {
  /** When the host booted (/proc/stat `btime`), ms since the epoch. */
  bootMs: number | null;
  /** Time since boot, suspend included (CLOCK_BOOTTIME: /proc/uptime's first field), ms. */
  sinceBootMs: number | null;
  /** Time since boot, suspend left out (CLOCK_MONOTONIC), ms, read right after sinceBootMs. */
  awakeMs: number | null;
}

/** A host that slept less than this since boot is taken as never asleep (clock jitter, a short suspend). */
export const MIN_SLEEP_MS = 60_000;

/** The wall clock minus the boot time is the time since boot, within this, on a host whose clocks are not faked. */
export const CLOCK_AGREEMENT_MS = 5_000;

/** The due time of the job that missed its run, as the check judged it. */
export interface DueFacts {
  dueMs: number | null;
  graceMs: number | null;
  spec: ScheduleSpec | null;
}

/**
 * Total time suspended since boot, or null when it cannot be trusted: a clock unread, the wall
 * clock disagreeing with the kernel's time since boot (a faked clock, as faketime gives), or a
 * gap that is negative or longer than the time since boot.
 */
export function sleptMs(clocks: HostClocks, nowMs: number): number | null {
  const { bootMs, sinceBootMs, awakeMs } = clocks;
  if (bootMs === null || sinceBootMs === null || awakeMs === null) return null;
  if (Math.abs(nowMs - bootMs - sinceBootMs) > CLOCK_AGREEMENT_MS) return null;
  const slept = sinceBootMs - awakeMs;
  // /proc/uptime has 10 ms steps: a reading a little below the monotonic one is no sleep.
  if (slept < -1000 || slept > sinceBootMs) return null;
  return Math.max(0, slept);
}

/**
 * What the boot time and the suspended time say about a run due at `job.dueMs`: booted after
 * it is a cause while no run due after boot has passed its deadline, a clue once one has; a
 * sleep of a minute or more is a clue; up since before the due time without sleeping rules
 * both out. `timing` gives the first due time after boot.
 */
export function hostDownEvidence(job: DueFacts, clocks: HostClocks, nowMs: number, timing: (spec: ScheduleSpec, anchorMs: number) => Timing): Evidence[] {
  const { bootMs } = clocks;
  const { dueMs } = job;
  if (bootMs === null || dueMs === null) return [];
  const slept = sleptMs(clocks, nowMs);
  const items: Evidence[] = [];
  const booted = clockAgo(bootMs, nowMs);
  if (bootMs > dueMs) {
    const afterBoot = dueAfter(job, bootMs, timing);
    const facts = { booted_at: isoOrNull(bootMs), due_at: isoOrNull(dueMs), due_after_boot: isoOrNull(afterBoot), down_at_due: true };
    const due = clockText(dueMs, nowMs);
    if (afterBoot === null) {
      items.push({ kind: 'host_down', weight: 'clue', text: `the host was down when the run was due at ${due}: it booted ${booted}`, facts });
    } else if (nowMs <= afterBoot + (job.graceMs ?? 0)) {
      const next = clockText(afterBoot, nowMs);
      items.push({
        kind: 'host_down',
        weight: 'cause',
        text: `the host was down when the run was due at ${due}: it booted ${booted}; the next run is due ${next}`,
        facts,
      });
    } else {
      const text = `the host was down when the run was due at ${due} (it booted ${clockText(bootMs, nowMs)}), but the run due ${clockText(afterBoot, nowMs)} after boot did not happen either`;
      items.push({ kind: 'host_down', weight: 'clue', text, facts });
    }
  } else if (slept === null || slept < MIN_SLEEP_MS) {
    const sleep = slept === null ? ' (whether it slept since is not known)' : ', and has not slept';
    const facts = { booted_at: isoOrNull(bootMs), due_at: isoOrNull(dueMs), slept_s: slept === null ? null : Math.round(slept / 1000) };
    items.push({ kind: 'host_down', weight: 'clear', text: `the host has been up since ${booted}, before the run was due${sleep}`, facts });
  }
  if (slept !== null && slept >= MIN_SLEEP_MS) items.push(sleepClue(dueMs, bootMs, slept, clocks.awakeMs!, nowMs));
  return items;
}

/** The host slept: how long in all, and how much of the time since the due time at least, when the awake time tells. */
function sleepClue(dueMs: number, bootMs: number, slept: number, awakeMs: number, nowMs: number): Evidence {
  const sinceDue = nowMs - dueMs;
  // Awake no longer than awakeMs in all: the rest of the time since the due time was sleep.
  const asleepSinceDue = bootMs <= dueMs && sinceDue > awakeMs ? sinceDue - awakeMs : null;
  const most = asleepSinceDue === null ? '' : `; at least ${formatDuration(asleepSinceDue)} of the ${formatDuration(sinceDue)} since the run was due`;
  return {
    kind: 'host_down',
    weight: 'clue',
    text: `the host slept ${formatDuration(slept)} in total since it booted ${clockText(bootMs, nowMs)}${most}; a run due while asleep does not happen`,
    facts: {
      booted_at: isoOrNull(bootMs),
      due_at: isoOrNull(dueMs),
      slept_s: Math.round(slept / 1000),
      asleep_since_due_s: asleepSinceDue === null ? null : Math.round(asleepSinceDue / 1000),
    },
  };
}

/** The first due time after boot, or null when the schedule cannot tell. */
function dueAfter(job: DueFacts, bootMs: number, timing: (spec: ScheduleSpec, anchorMs: number) => Timing): number | null {
  if (!job.spec) return null;
  try {
    return timing(job.spec, bootMs).dueMs;
  } catch {
    return null;
  }
}
