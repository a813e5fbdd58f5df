// The daemon's PID file (a plain pid, as systemd, start-stop-daemon and `kill $(cat F)` expect)
// and the lock behind it: one daemon per state directory, a dead daemon's files taken over.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { acquireLock, type LockInfo } from '../run/lock.ts';
import { gatherFacts, isRunGone, type GoneVerdict, type ProcessClaim, type ProcessFacts } from '../run/proc.ts';
import { infoPathFor, readDaemonInfo, type DaemonInfo } from './status.ts';
import { unlinkQuiet } from '../fs/quiet.ts';

/** The default PID file in a state directory. */
export const defaultPidFile = (stateDir: string) => join(stateDir, 'daemon.pid');

/** The lock that keeps a second daemon off the same state directory. */
export const daemonLockPath = (stateDir: string) => join(stateDir, 'daemon.lock');

/** What a PID file holds. */
export type PidFileRead =
  | { kind: 'absent' }
  | { kind: 'invalid'; text: string }
  | { kind: 'pid'; pid: number; mtimeMs: number };

/** Reads a PID file; its mtime stands in for the process's start where nothing better is known. */
export function readPidFile(path: string): PidFileRead {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw e;
  }
  const m = /^\s*(\d{1,10})\s*$/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? { kind: 'pid', pid, mtimeMs } : { kind: 'invalid', text: text.slice(0, 40) };
}

/**
 * Whether the process a PID file names is gone (SPEC §4 rule). `known` (from the daemon's status
 * file) pins the exact process; without it the file's mtime does: the daemon started before it
 * wrote its PID file, so a process that started later merely reuses the pid.
 */
export function pidFileVerdict(read: { pid: number; mtimeMs: number }, facts: ProcessFacts, known?: ProcessClaim | null): GoneVerdict {
  const claim: ProcessClaim = known && known.pid === read.pid
    ? known
    : { pid: read.pid, started_at: new Date(read.mtimeMs).toISOString(), boot_id: null, pid_started_ms: null };
  return isRunGone(claim, facts);
}

/** A daemon that may run: call `release` when it stops. */
export interface DaemonClaim {
  ok: true;
  /** Removes the PID file (if it is still ours) and the lock. */
  release(): void;
  /** Why a previous daemon's lock or PID file was taken over, for the log. */
  replaced: string[];
}

/** Another daemon is running. */
export interface DaemonRefusal {
  ok: false;
  pid: number | null;
  reason: string;
}

/**
 * Takes the state directory's daemon lock, then the PID file: refuses when a live daemon holds
 * either, takes over what a dead one left, and writes `pid` into the PID file.
 */
export function claimDaemon(stateDir: string, pidFile: string, info: LockInfo, factsOf: (pid: number) => ProcessFacts = gatherFacts): DaemonClaim | DaemonRefusal {
  const lock = acquireLock(daemonLockPath(stateDir), { ...info, job: 'hb daemon' }, { factsOf });
  if (!lock.acquired) {
    return { ok: false, pid: lock.holder?.pid ?? null, reason: `a daemon already runs on state directory ${stateDir}: ${lock.reason}` };
  }
  const replaced: string[] = [];
  if (lock.replaced) replaced.push(`took over the lock of a daemon that is gone (${lock.replaced.reason})`);
  const existing = readPidFile(pidFile);
  if (existing.kind === 'pid' && existing.pid !== info.pid) {
    const verdict = pidFileVerdict(existing, factsOf(existing.pid));
    if (!verdict.gone) {
      lock.release();
      return { ok: false, pid: existing.pid, reason: `PID file ${pidFile} belongs to running process ${existing.pid}` };
    }
    replaced.push(`replaced stale PID file ${pidFile} (${verdict.reason})`);
  } else if (existing.kind === 'invalid') {
    replaced.push(`replaced PID file ${pidFile}, which held no pid ("${existing.text.trim()}")`);
  }
  try {
    writeAtomic(pidFile, `${info.pid}\n`, { fsync: false });
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    ok: true,
    replaced,
    release: () => {
      const now = readPidFile(pidFile);
      if (now.kind === 'pid' && now.pid === info.pid) unlinkQuiet(pidFile);
      lock.release();
    },
  };
}

/** The daemon behind a PID file as `status` and `stop` see it: its pid, status file and claim, or why none runs. */
export interface FoundDaemon {
  pid: number | null;
  info: DaemonInfo | null;
  claim: ProcessClaim | null;
  notRunning: string | null;
}

/** Reads the PID file and the status file beside it, and judges whether that process still runs. */
export function findDaemon(pidFile: string, factsOf: (pid: number) => ProcessFacts = gatherFacts): FoundDaemon {
  const read = readPidFile(pidFile);
  if (read.kind === 'absent') return { pid: null, info: null, claim: null, notRunning: `no PID file ${pidFile}` };
  if (read.kind === 'invalid') return { pid: null, info: null, claim: null, notRunning: `PID file ${pidFile} holds no pid ("${read.text.trim()}")` };
  const stored = readDaemonInfo(infoPathFor(pidFile));
  const info = stored?.pid === read.pid ? stored : null;
  const claim: ProcessClaim = info
    ? { pid: info.pid, started_at: info.started_at, boot_id: info.boot_id, pid_started_ms: info.pid_started_ms }
    : { pid: read.pid, started_at: new Date(read.mtimeMs).toISOString(), boot_id: null, pid_started_ms: null };
  const verdict = pidFileVerdict(read, factsOf(read.pid), claim);
  return { pid: read.pid, info, claim, notRunning: verdict.gone ? `stale PID file ${pidFile}: ${verdict.reason}` : null };
}

