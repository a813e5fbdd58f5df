// Process facts read from /proc, and the pure rule (SPEC §4) that decides from them whether
// the process behind a `.run` marker or a lock is gone. Reading and deciding are apart so the
// rule is table-tested with plain data.

import type { RunMarker } from '../../rules/heartbeat/run-marker.ts';
import { readTextQuiet } from '../fs/quiet.ts';

/**
 * Clock ticks per second for /proc/<pid>/stat times. USER_HZ is 100 on every Linux
 * architecture Node runs on; asking `getconf CLK_TCK` would mean spawning a process.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Process start times from /proc are only this exact: tick granularity plus btime in whole seconds. */
export const START_TIME_SLACK_MS = 2000;

/** Two readings of the same process's start time differ by at most this (btime is recomputed). */
export const SAME_START_TOLERANCE_MS = 1000;

/** What /proc says about one pid, plus the current boot; null where it could not be read. */
export interface ProcessFacts {
  bootId: string | null;
  /** The one-letter state from /proc/<pid>/stat (R, S, D, Z, ...); null when there is no such process. */
  state: string | null;
  /** When the process started, ms since the epoch. */
  startMs: number | null;
}

/** The fields of a `.run` marker (or lock holder) that say which process it belongs to. */
export type ProcessClaim = Pick<RunMarker, 'pid' | 'started_at' | 'boot_id' | 'pid_started_ms'>;

/** The verdict on a claim, with a reason a person can read. */
export interface GoneVerdict {
  gone: boolean;
  reason: string;
}

/** The kernel's id for this boot, or null when it cannot be read. */
export function bootId(procRoot = '/proc'): string | null {
  const id = readTextQuiet(`${procRoot}/sys/kernel/random/boot_id`)?.trim();
  return id ? id : null;
}

/** The boot time from /proc/stat's `btime` line, ms since the epoch. */
export function bootTimeMs(procRoot = '/proc'): number | null {
  const text = readTextQuiet(`${procRoot}/stat`);
  const m = text === null ? null : /^btime\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) * 1000 : null;
}

/** The fields hb needs from a /proc/<pid>/stat line; null when the line is malformed. */
export function parseStatLine(line: string): { state: string; startTicks: number } | null {
  // comm (field 2) is in parentheses and may itself hold spaces and ')': the fields resume
  // after the LAST ')'.
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); starttime is field 22.
  const state = fields[0];
  const startTicks = Number(fields[22 - 3]);
  if (!state || !/^[A-Za-z]$/.test(state) || !Number.isSafeInteger(startTicks) || startTicks < 0) {
    return null;
  }
  return { state, startTicks };
}

/** The process name (field 2, comm) of a /proc/<pid>/stat line, or null when the line is malformed. */
export function statComm(line: string): string | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  return open >= 0 && close > open ? line.slice(open + 1, close) : null;
}

/** The single-letter state of `pid` ('Z' for a zombie), or null if there is no such process. */
export function processState(pid: number, procRoot = '/proc'): string | null {
  return readStat(pid, procRoot)?.state ?? null;
}

/** When `pid` started, ms since the epoch, or null if there is no such process. */
export function processStartMs(pid: number, procRoot = '/proc'): number | null {
  const stat = readStat(pid, procRoot);
  const btime = stat ? bootTimeMs(procRoot) : null;
  return stat && btime !== null ? startMsFrom(stat.startTicks, btime) : null;
}

/** Reads everything isRunGone needs about `pid` (one read of its stat line). */
export function gatherFacts(pid: number, procRoot = '/proc'): ProcessFacts {
  const stat = readStat(pid, procRoot);
  const btime = stat ? bootTimeMs(procRoot) : null;
  return {
    bootId: bootId(procRoot),
    state: stat?.state ?? null,
    startMs: stat && btime !== null ? startMsFrom(stat.startTicks, btime) : null,
  };
}

/** Whether a process with this pid exists (the holder of a claimed outbox item, a lock). */
export function processExists(pid: number): boolean {
  return gatherFacts(pid).state !== null;
}

/**
 * SPEC §4: a claim's process is gone when the claim is from another boot, no process has the
 * pid, the process is a zombie (exited, not yet reaped), or it is a different process that got
 * the pid later. Unknown facts (null) never make a live process look dead.
 */
export function isRunGone(claim: ProcessClaim, facts: ProcessFacts): GoneVerdict {
  const { pid } = claim;
  if (claim.boot_id && facts.bootId && claim.boot_id !== facts.bootId) {
    return { gone: true, reason: `the run is from a previous boot (boot id ${claim.boot_id})` };
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    return { gone: true, reason: `the run has no valid process id (${String(pid)})` };
  }
  if (facts.state === null) return { gone: true, reason: `process ${pid} is not running` };
  if (facts.state === 'Z' || facts.state === 'X') {
    return { gone: true, reason: `process ${pid} has exited (zombie, not yet reaped)` };
  }
  if (facts.startMs !== null) {
    // Prefer the start time recorded for the same process: same source, same granularity.
    if (claim.pid_started_ms !== null && claim.pid_started_ms !== undefined) {
      if (Math.abs(facts.startMs - claim.pid_started_ms) > SAME_START_TOLERANCE_MS) {
        return { gone: true, reason: reusedReason(pid, facts.startMs, claim.pid_started_ms) };
      }
    } else {
      const runMs = Date.parse(claim.started_at);
      if (Number.isFinite(runMs) && facts.startMs > runMs + START_TIME_SLACK_MS) {
        return { gone: true, reason: reusedReason(pid, facts.startMs, runMs) };
      }
    }
  }
  return { gone: false, reason: `process ${pid} is running` };
}

function reusedReason(pid: number, startMs: number, expectedMs: number): string {
  return (
    `process id ${pid} was reused: the process now using it started at ` +
    `${new Date(startMs).toISOString()}, the run's at ${new Date(expectedMs).toISOString()}`
  );
}

/** When a process started, ms since the epoch, from its stat line's start ticks and the boot time. */
export function startMsFrom(startTicks: number, btimeMs: number): number {
  return btimeMs + Math.round((startTicks * 1000) / CLOCK_TICKS_PER_SECOND);
}

function readStat(pid: number, procRoot: string): { state: string; startTicks: number } | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const line = readTextQuiet(`${procRoot}/${pid}/stat`);
  return line === null ? null : parseStatLine(line);
}
