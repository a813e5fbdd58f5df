// The daemon's PID file (a plain pid, as systemd, start-stop-daemon and `kill $(cat F)` expect)
// and the lock behind it: one daemon per state directory, a dead daemon's files taken over.
// A PID file is read as untrusted input: bounded, never through a link, never a FIFO or device.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readBoundedNoFollow } from '../fs/no-follow.ts';
import { identityProblem, readIdentity, type ProcessIdentity } from './identity.ts';
import { acquireLock, type LockInfo } from '../run/lock.ts';
import { PID_FILE_MAX_BYTES, pidInText } from '../../rules/run/pid-text.ts';
import { gatherFacts, isRunGone, type GoneVerdict, type ProcessClaim, type ProcessFacts } from '../run/proc.ts';
import { infoPathFor, readDaemonInfo, type DaemonInfo } from './status.ts';
import { unlinkQuiet } from '../fs/quiet.ts';
import { UsageError } from '../../rules/errors.ts';

/** The default PID file in a state directory. */
export const defaultPidFile = (stateDir: string) => join(stateDir, 'daemon.pid');

/** The lock that keeps a second daemon off the same state directory. */
export const daemonLockPath = (stateDir: string) => join(stateDir, 'daemon.lock');

export { PID_FILE_MAX_BYTES } from '../../rules/run/pid-text.ts';

/** What a PID file holds; `unusable` says why it can be no PID file (a device, a FIFO, a link, too big). */
export type PidFileRead =
  { kind: 'absent' } | { kind: 'unusable'; reason: string } | { kind: 'invalid'; text: string } | { kind: 'pid'; pid: number; mtimeMs: number; uid: number };

/**
 * Reads a PID file: at most PID_FILE_MAX_BYTES, opened non-blocking without following a link,
 * a regular file only. Its mtime stands in for the process's start where nothing better is
 * known; its owner is who wrote it (or could replace it).
 */
export function readPidFile(path: string): PidFileRead {
  let text: string;
  try {
    const read = readBoundedNoFollow(path, PID_FILE_MAX_BYTES);
    if (!read.complete) return { kind: 'unusable', reason: `${path} holds more than ${PID_FILE_MAX_BYTES} bytes; a PID file holds one pid` };
    text = read.text;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { kind?: string };
    if (err.code === 'ENOENT') return { kind: 'absent' };
    if (err.code === 'ENOTREG') {
      const kind = err.kind ?? 'not a regular file';
      return {
        kind: 'unusable',
        reason: `${path} is ${kind.startsWith('not ') ? kind : `${kind}, not a regular file`}; a PID file is a regular file holding one pid`,
      };
    }
    if (err.code === 'ELOOP') return { kind: 'unusable', reason: `${path} is a symbolic link; hb reads a PID file only where it is, never through a link` };
    throw e;
  }
  const pid = pidInText(text);
  if (pid === null) return { kind: 'invalid', text: text.slice(0, 40) };
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw e;
  }
  return { kind: 'pid', pid, mtimeMs: st.mtimeMs, uid: st.uid };
}

/**
 * Whether the process a PID file names is gone (SPEC §4 rule). `known` (from the daemon's status
 * file) pins the exact process; without it the file's mtime does: the daemon started before it
 * wrote its PID file, so a process that started later merely reuses the pid.
 */
export function pidFileVerdict(read: { pid: number; mtimeMs: number }, facts: ProcessFacts, known?: ProcessClaim | null): GoneVerdict {
  const claim: ProcessClaim =
    known && known.pid === read.pid ? known : { pid: read.pid, started_at: new Date(read.mtimeMs).toISOString(), boot_id: null, pid_started_ms: null };
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
export function claimDaemon(
  stateDir: string,
  pidFile: string,
  info: LockInfo,
  factsOf: (pid: number) => ProcessFacts = gatherFacts,
): DaemonClaim | DaemonRefusal {
  const before = readPidFile(pidFile);
  if (before.kind === 'unusable') return { ok: false, pid: null, reason: before.reason };
  const lock = acquireLock(daemonLockPath(stateDir), { ...info, job: 'hb daemon' }, { factsOf });
  if (!lock.acquired) {
    return { ok: false, pid: lock.holder?.pid ?? null, reason: `a daemon already runs on state directory ${stateDir}: ${lock.reason}` };
  }
  const replaced: string[] = [];
  if (lock.replaced) replaced.push(`took over the lock of a daemon that is gone (${lock.replaced.reason})`);
  const existing = readPidFile(pidFile);
  if (existing.kind === 'unusable') {
    lock.release();
    return { ok: false, pid: null, reason: existing.reason };
  }
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
  /** A live process has the pid, but hb cannot verify it as the daemon it recorded: why. Never signal it. */
  refused: string | null;
}

/**
 * Reads the PID file and the status file beside it, and judges whether that process still runs
 * and is the daemon recorded there: same start time, an hb daemon's command line, the PID
 * file's owner. A PID file that can be no PID file (a device, a FIFO, huge) throws a UsageError.
 */
export function findDaemon(
  pidFile: string,
  factsOf: (pid: number) => ProcessFacts = gatherFacts,
  identify: (pid: number) => ProcessIdentity = readIdentity,
): FoundDaemon {
  const read = readPidFile(pidFile);
  const none = { pid: null, info: null, claim: null, refused: null };
  if (read.kind === 'absent') return { ...none, notRunning: `no PID file ${pidFile}` };
  if (read.kind === 'unusable') throw new UsageError(read.reason);
  if (read.kind === 'invalid') return { ...none, notRunning: `PID file ${pidFile} holds no pid ("${read.text.trim()}")` };
  const infoPath = infoPathFor(pidFile);
  const stored = readDaemonInfo(infoPath);
  const info = stored?.pid === read.pid ? stored : null;
  const claim: ProcessClaim = info
    ? { pid: info.pid, started_at: info.started_at, boot_id: info.boot_id, pid_started_ms: info.pid_started_ms }
    : { pid: read.pid, started_at: new Date(read.mtimeMs).toISOString(), boot_id: null, pid_started_ms: null };
  const verdict = pidFileVerdict(read, factsOf(read.pid), claim);
  if (verdict.gone) return { pid: read.pid, info, claim, notRunning: `stale PID file ${pidFile}: ${verdict.reason}`, refused: null };
  const why = !info
    ? stored
      ? `its status file ${infoPath} records pid ${stored.pid}`
      : `no status file ${infoPath} records it`
    : info.pid_started_ms === null || info.pid_started_ms === undefined
      ? `its status file ${infoPath} records no start time`
      : identityProblem({ pid: read.pid, live: identify(read.pid), recordedArgv: info.cmdline ?? null, pidFileUid: read.uid });
  const refused =
    why === null
      ? null
      : `PID file ${pidFile} names process ${read.pid}, which is not an hb daemon hb can verify: ${why}; hb acts only on a daemon it started and recorded`;
  return { pid: read.pid, info, claim, notRunning: null, refused };
}
