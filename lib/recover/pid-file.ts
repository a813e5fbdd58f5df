// The built-in liveness probe, `health: {pid_file: PATH}`: the agent is alive when the process
// its pid file names runs — not a zombie, not a later process that got the same id (SPEC §4's
// rule for run markers, with the pid file's mtime as the claim's start). `kill -0 $(cat pid)`
// calls both of those alive.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { gatherFacts, isRunGone } from '../run/proc.ts';
import type { ProbeResult } from './probe.ts';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
/** A pid file holds a number and a newline; anything longer is not one. */
const MAX_BYTES = 32;

/** The pid a pid file names and when it was written, or why it names none. */
export type PidFileRead = { pid: number; writtenMs: number } | { problem: string };

/**
 * Reads a pid file without following a link at its name and without blocking on a FIFO; only a
 * regular file of one number is a pid file. Messages never echo the content (root may be asked
 * to read a path its owner chose).
 */
export function readPidFile(path: string): PidFileRead {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `pid file ${path} does not exist` };
    if (code === 'ELOOP') return { problem: `pid file ${path} is a symbolic link (not followed)` };
    return { problem: `pid file ${path} cannot be read (${code ?? (e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: `pid file ${path} is not a regular file` };
    const buf = Buffer.alloc(MAX_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = n <= MAX_BYTES ? /^\s*(\d{1,10})\s*$/.exec(buf.toString('latin1', 0, n)) : null;
    const pid = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(pid) || pid <= 0) return { problem: `pid file ${path} does not hold a process id` };
    return { pid, writtenMs: st.mtimeMs };
  } catch (e) {
    return { problem: `pid file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/** Alive when the pid file's process runs and started before the file was written. */
export function probePidFile(path: string, procRoot = '/proc'): ProbeResult {
  const read = readPidFile(path);
  if ('problem' in read) return { healthy: false, reason: read.problem };
  const claim = { pid: read.pid, started_at: new Date(read.writtenMs).toISOString(), boot_id: null, pid_started_ms: null };
  const verdict = isRunGone(claim, gatherFacts(read.pid, procRoot));
  return { healthy: !verdict.gone, reason: `pid file ${path}: ${verdict.reason}` };
}
