// The one atomic file writer: a temp file in the same directory, written whole, then renamed over
// the target. A reader sees the old file or the new one, never a torn one.

import { closeSync, fchmodSync, fchownSync, fsyncSync, futimesSync, lstatSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';
import { writeAll } from './no-follow.ts';

/** How to write: durability, the final mode (exact, umask ignored), mtime and owner. */
export interface AtomicWrite {
  /** fsync the file before the rename (a heartbeat, a snapshot); off for caches and markers. */
  fsync: boolean;
  /** Permission bits of the new file (default STATE_FILE_MODE, 0640), set exactly. */
  mode?: number;
  /** The file's mtime when it appears (a heartbeat's time). */
  mtime?: Date;
  /** Keep this owner when allowed (a restored config file keeps its owner). */
  owner?: { uid: number; gid: number };
  /** Also fsync the directory, so the rename itself survives a power loss. */
  syncDir?: boolean;
}

let counter = 0;

/**
 * The temp name beside `path`: hidden (a `conf.d/*.conf` glob never picks it up) and ending in
 * `.tmp` (node_exporter reads only `*.prom`, hb only `*.last`/`*.run`/`*.json`). The random part
 * makes it unguessable, so nobody can plant a file under it in advance.
 */
export const tempPathFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.hb-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}.tmp`);

/** Temp names tried before giving up when each is already taken (by a planted file or link). */
const TEMP_TRIES = 4;

/** Creates a new temp file beside `path`: O_EXCL, so an existing name (a symlink included) is never opened. */
function createTemp(path: string): { tmp: string; fd: number } {
  for (let attempt = 1; ; attempt++) {
    const tmp = tempPathFor(path);
    try {
      return { tmp, fd: openSync(tmp, 'wx', 0o600) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= TEMP_TRIES) throw e;
    }
  }
}

/**
 * Writes `content` to `path` atomically; on failure removes the temp file and rethrows. The
 * rename replaces whatever has the name (a symlink is replaced, never written through); the
 * temp file is only ever touched through its own descriptor until the rename. Content given as
 * pieces (any iterable of strings) is written piece by piece, never joined in memory.
 */
export function writeAtomic(path: string, content: string | Uint8Array | Iterable<string>, opts: AtomicWrite): void {
  const created = createTemp(path);
  const tmp = created.tmp;
  let fd: number | undefined = created.fd;
  try {
    if (typeof content === 'string') writeAll(fd, Buffer.from(content));
    else if (content instanceof Uint8Array) writeAll(fd, content);
    else for (const piece of content) writeAll(fd, Buffer.from(piece));
    if (opts.owner) {
      try {
        fchownSync(fd, opts.owner.uid, opts.owner.gid);
      } catch {
        // Not root: the file stays ours, which is all an unprivileged hb can do.
      }
    }
    // After chown, which clears setuid/setgid bits.
    fchmodSync(fd, (opts.mode ?? STATE_FILE_MODE) & 0o7777);
    if (opts.mtime) futimesSync(fd, opts.mtime, opts.mtime);
    if (opts.fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw e;
  }
  if (opts.syncDir) fsyncDir(dirname(path));
}

/** Makes a rename durable; best effort (some filesystems refuse to fsync a directory). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The rename happened; only its durability across a power loss is less certain.
  }
}

// A temp name of ours: `.NAME.hb-PID-N[-RANDOM].tmp`.
const TEMP_NAME = /^\..+\.hb-(\d+)-\d+(?:-[a-z0-9]+)?\.tmp$/;

/** Whether a directory entry is one of writeAtomic's temp files. */
export const isTempName = (name: string): boolean => TEMP_NAME.test(name);

/**
 * Removes temp files left by writers killed between create and rename (kill -9, power loss):
 * those whose process is gone and that are a minute old, and any an hour old. A temp file is
 * never a heartbeat, so removing one costs nothing but the clutter.
 */
export function removeOrphanTemps(dir: string, names: readonly string[], nowMs: number, isAlive: (pid: number) => boolean): number {
  let removed = 0;
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      const ageMs = nowMs - st.mtimeMs;
      if (!st.isFile() || ageMs < 60_000 || (ageMs < 3_600_000 && isAlive(pid))) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}
