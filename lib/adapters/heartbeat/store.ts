// The only writer of `<job>.last` and `<job>.run`, and the reader of a state directory.

import { lstatSync, readdirSync, unlinkSync, type Dirent } from 'node:fs';
import { HbError } from '../../rules/errors.ts';
import { isTempName, writeAtomic } from '../fs/atomic.ts';
import { fileKind, readBoundedNoFollow, STATE_READ_MAX_BYTES, type BoundedRead } from '../fs/no-follow.ts';
import { join, normalize } from 'node:path';
import { parseHeartbeat, type HeartbeatRecord, type ReadHeartbeat } from '../../rules/heartbeat/record.ts';
import { parseRunMarker, type ReadRun, type RunMarker } from '../../rules/heartbeat/run-marker.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

/** Path of a job's heartbeat file. */
export const lastPath = (dir: string, job: string) => join(dir, `${job}.last`);
/** Path of a job's running marker. */
export const runPath = (dir: string, job: string) => join(dir, `${job}.run`);

/**
 * What goes before a file name in `dir` so that `prefix + name` is `join(dir, name)` for any name
 * that is one plain path segment (a valid job name with its extension): a scan normalises the
 * directory once instead of once per file.
 */
export function fileNamePrefix(dir: string): string {
  const base = normalize(dir);
  if (base === '.' || base === './') return '';
  return base.endsWith('/') ? base : `${base}/`;
}

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
    makeDirs(dir, STATE_DIR_MODE);
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
 * Reads any `.last` file, at most STATE_READ_MAX_BYTES of it; stats it only when the content does
 * not carry its own time. A symbolic link or anything but a regular file is `corrupt` (with the
 * reason), never read through; `listedAs` is what the directory listing already saw there
 * (listStateFiles' `odd`), so such a file is not even opened.
 */
export function readHeartbeatFile(path: string, listedAs: string | null = null): ReadHeartbeat | null {
  if (listedAs !== null) return { kind: 'corrupt', reason: oddReason(listedAs), mtimeMs: 0 };
  let read: BoundedRead;
  try {
    read = readBoundedNoFollow(path, STATE_READ_MAX_BYTES);
  } catch (e) {
    const why = unreadableReason(e);
    return why === null ? null : { kind: 'corrupt', reason: why, mtimeMs: 0 };
  }
  // A heartbeat record is far smaller; a big file of plain text is still a touch (SPEC §2).
  const parsed =
    !read.complete && read.text.trimStart().startsWith('{')
      ? { kind: 'corrupt' as const, reason: `is larger than ${STATE_READ_MAX_BYTES / 1024 / 1024} MiB: not a heartbeat record`, mtimeMs: 0 }
      : parseHeartbeat(read.text, 0);
  if (parsed.kind === 'record') return parsed;
  try {
    return { ...parsed, mtimeMs: lstatSync(path).mtimeMs };
  } catch {
    return null;
  }
}

/** Reads a running marker; null when absent or not a valid marker (a torn marker is never written). */
export function readRunMarker(dir: string, job: string): RunMarker | null {
  const read = readRunFile(runPath(dir, job));
  return read?.kind === 'marker' ? read.marker : null;
}

/**
 * Reads a `.run` file: the marker, or why it is not one (a link, a FIFO, a directory, an
 * unreadable, oversized, empty or garbled file); null when it does not exist. `listedAs` as for
 * readHeartbeatFile.
 */
export function readRunFile(path: string, listedAs: string | null = null): ReadRun | null {
  if (listedAs !== null) return { kind: 'invalid', reason: oddReason(listedAs) };
  let read: BoundedRead;
  try {
    read = readBoundedNoFollow(path, STATE_READ_MAX_BYTES);
  } catch (e) {
    const why = unreadableReason(e);
    return why === null ? null : { kind: 'invalid', reason: why };
  }
  if (!read.complete) return { kind: 'invalid', reason: `is larger than ${STATE_READ_MAX_BYTES / 1024 / 1024} MiB: not a run marker` };
  return parseRunMarker(read.text);
}

const LINK_REASON = 'is a symbolic link (hb does not follow links in its state directory)';

/** The reason for a file the listing saw as `kind` (fileKind's words) instead of a regular file. */
function oddReason(kind: string): string {
  if (kind === 'a symbolic link') return LINK_REASON;
  return kind.startsWith('not ') ? `is ${kind}` : `is ${kind}, not a regular file`;
}

/** Why a read failed, as a reason; null when the file is simply not there. */
function unreadableReason(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException & { kind?: string };
  if (err.code === 'ENOENT') return null;
  if (err.code === 'ELOOP') return LINK_REASON;
  if (err.code === 'ENOTREG') return oddReason(err.kind ?? 'not a regular file');
  return `cannot read: ${err.code ?? err.message}`;
}

/** A state directory's job files: names with a `.last` or `.run`, those that are not regular files, and temp files. */
export interface StateListing {
  last: Set<string>;
  run: Set<string>;
  /** File name (`x.run`) → what it is instead of a regular file (fileKind's words), from the listing alone. */
  odd: Map<string, string>;
  temps: string[];
}

/**
 * The job names that have a `.last` or `.run` file in `dir` (invalid names are ignored), and temp
 * files of atomic writes. The entry types come with the listing (no extra system call), so a
 * FIFO, a device or a directory under a job's name is known before anything opens it.
 */
export function listStateFiles(dir: string, isValidName: (name: string) => boolean): StateListing {
  const listing: StateListing = { last: new Set(), run: new Set(), odd: new Map(), temps: [] };
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return listing;
    // An unreadable directory must not read as "no jobs, all healthy".
    throw new HbError(
      `cannot read the state directory ${dir} (${code ?? (e as Error).message}): run as its owner, or let this user in through the directory's group (docs/state.md)`,
      2,
    );
  }
  for (const entry of entries) {
    const name = entry.name;
    const set = name.endsWith('.last') ? listing.last : name.endsWith('.run') ? listing.run : null;
    if (set) {
      const job = name.slice(0, name.lastIndexOf('.'));
      if (!isValidName(job)) continue;
      set.add(job);
      if (!entry.isFile()) listing.odd.set(name, fileKind(entry));
    } else if (name.endsWith('.tmp') && isTempName(name)) listing.temps.push(name);
  }
  return listing;
}
