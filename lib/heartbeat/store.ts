// The only writer of `<job>.last` and `<job>.run`, and the reader of a state directory.

import { lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { HbError } from '../errors.ts';
import { isTempName, writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import { join } from 'node:path';
import type { RunMarker } from '../health/types.ts';
import { parseHeartbeat, type HeartbeatRecord, type ReadHeartbeat } from './record.ts';
import { STATE_DIR_MODE } from '../state/modes.ts';

/** Path of a job's heartbeat file. */
export const lastPath = (dir: string, job: string) => join(dir, `${job}.last`);
/** Path of a job's running marker. */
export const runPath = (dir: string, job: string) => join(dir, `${job}.run`);

/**
 * Replaces `<job>.last` atomically: temp file in the same directory, mtime set to the heartbeat
 * time, fsync, rename. A crash at any instant leaves the old file or the new one, never a torn one.
 * The rename replaces whatever has the name (a symlink included) and never writes through it.
 * A state directory removed while the job ran is created again: the run still gets its heartbeat.
 */
export function writeHeartbeat(dir: string, record: HeartbeatRecord, opts: { fsync: boolean } = { fsync: true }): string {
  const path = lastPath(dir, record.job);
  const when = new Date(record.started_at);
  const write = () => writeAtomic(path, JSON.stringify(record) + '\n', { fsync: opts.fsync, mtime: when });
  try {
    write();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
    write();
  }
  return path;
}

/** Writes the running marker; not fsynced (a power loss ends the run and the boot id tells). */
export function writeRunMarker(dir: string, marker: RunMarker): void {
  writeAtomic(runPath(dir, marker.job), JSON.stringify(marker) + '\n', { fsync: false });
}

/** Removes the running marker if it is still the one this process wrote. */
export function removeRunMarker(dir: string, job: string, pid: number): void {
  const marker = readRunMarker(dir, job);
  if (marker && marker.pid !== pid) return;
  try {
    unlinkSync(runPath(dir, job));
  } catch {
    // Already gone.
  }
}

/** Reads a heartbeat file; null when it does not exist. */
export function readHeartbeat(dir: string, job: string): ReadHeartbeat | null {
  return readHeartbeatFile(lastPath(dir, job));
}

/**
 * Reads any `.last` file; stats it only when the content does not carry its own time. A symbolic
 * link or anything but a regular file is `corrupt` (with the reason), never read through.
 */
export function readHeartbeatFile(path: string): ReadHeartbeat | null {
  let text: string;
  try {
    text = readFileNoFollow(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') return { kind: 'corrupt', reason: 'is a symbolic link (hb does not follow links in its state directory)', mtimeMs: 0 };
    if (code === 'ENOTREG') return { kind: 'corrupt', reason: 'is not a regular file', mtimeMs: 0 };
    return { kind: 'corrupt', reason: `cannot read: ${code ?? (e as Error).message}`, mtimeMs: 0 };
  }
  const parsed = parseHeartbeat(text, 0);
  if (parsed.kind === 'record') return parsed;
  try {
    return { ...parsed, mtimeMs: lstatSync(path).mtimeMs };
  } catch {
    return null;
  }
}

/** Reads a running marker; null when absent or unreadable (a torn marker is never written). */
export function readRunMarker(dir: string, job: string): RunMarker | null {
  try {
    const data = JSON.parse(readFileNoFollow(runPath(dir, job))) as RunMarker;
    return typeof data === 'object' && data !== null && typeof data.pid === 'number' ? data : null;
  } catch {
    return null;
  }
}

/** The job names that have a `.last` or `.run` file in `dir` (invalid names are ignored), and temp files of atomic writes. */
export function listStateFiles(dir: string, isValidName: (name: string) => boolean): { last: Set<string>; run: Set<string>; temps: string[] } {
  const last = new Set<string>();
  const run = new Set<string>();
  const temps: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { last, run, temps };
    // An unreadable directory must not read as "no jobs, all healthy".
    throw new HbError(`cannot read the state directory ${dir} (${code ?? (e as Error).message}): run as its owner, or let this user in through the directory's group (docs/state.md)`, 2);
  }
  for (const name of names) {
    if (name.endsWith('.last')) {
      const job = name.slice(0, -5);
      if (isValidName(job)) last.add(job);
    } else if (name.endsWith('.run')) {
      const job = name.slice(0, -4);
      if (isValidName(job)) run.add(job);
    } else if (name.endsWith('.tmp') && isTempName(name)) temps.push(name);
  }
  return { last, run, temps };
}
