// The built-in liveness probe, `health: {pid_file: PATH}`: the agent is alive when the process
// its pid file names runs — not a zombie, not a later process that got the same id (SPEC §4's
// rule for run markers, with the pid file's mtime as the claim's start). `kill -0 $(cat pid)`
// calls both of those alive.

import { lstatSync } from 'node:fs';
import { readBoundedNoFollow } from '../fs/no-follow.ts';
import { PID_FILE_MAX_BYTES, pidInText } from '../../rules/run/pid-text.ts';
import { gatherFacts, isRunGone } from '../run/proc.ts';
import type { ProbeResult } from './probe.ts';

/** The pid a pid file names and when it was written, or why it names none. */
export type ProbePidFileRead = { pid: number; writtenMs: number } | { problem: string };

/**
 * Reads a pid file without following a link at its name and without blocking on a FIFO (the
 * state directory's reader); only a regular file of one number is a pid file. Messages never
 * echo the content (root may be asked to read a path its owner chose).
 */
export function readProbePidFile(path: string): ProbePidFileRead {
  let text: string;
  let writtenMs: number;
  try {
    const read = readBoundedNoFollow(path, PID_FILE_MAX_BYTES);
    if (!read.complete) return { problem: `pid file ${path} does not hold a process id` };
    text = read.text;
    writtenMs = lstatSync(path).mtimeMs;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `pid file ${path} does not exist` };
    if (code === 'ELOOP') return { problem: `pid file ${path} is a symbolic link (not followed)` };
    if (code === 'ENOTREG') return { problem: `pid file ${path} is not a regular file` };
    return { problem: `pid file ${path} cannot be read (${code ?? (e as Error).message})` };
  }
  const pid = pidInText(text);
  if (pid === null) return { problem: `pid file ${path} does not hold a process id` };
  return { pid, writtenMs };
}

/** Alive when the pid file's process runs and started before the file was written. */
export function probePidFile(path: string, procRoot = '/proc'): ProbeResult {
  const read = readProbePidFile(path);
  if ('problem' in read) return { healthy: false, reason: read.problem };
  const claim = { pid: read.pid, started_at: new Date(read.writtenMs).toISOString(), boot_id: null, pid_started_ms: null };
  const verdict = isRunGone(claim, gatherFacts(read.pid, procRoot));
  return { healthy: !verdict.gone, reason: `pid file ${path}: ${verdict.reason}` };
}
