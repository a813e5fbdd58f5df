// Byte-exact atomic writes and owner-only directories for recovery: a reader sees the old file or
// the new one, never a torn one, and a crash leaves at most a hidden temp file behind.

import { basename, dirname, join } from 'node:path';
import { chmodSync, closeSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

let counter = 0;

/** The temp-file prefix next to `path`; hidden, so `conf.d/*.conf` globs never pick one up. */
export const tempPrefix = (path: string): string => `.${basename(path)}.hb-`;

/**
 * Writes `content` to `path` through a temp file in the same directory: exact `mode` (umask does
 * not apply), `owner` when given and allowed, fsync, rename, then fsync of the directory.
 */
export function writeBytesAtomic(path: string, content: Uint8Array, mode: number, owner?: { uid: number; gid: number }): void {
  const dir = dirname(path);
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${++counter}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    let off = 0;
    while (off < content.length) off += writeSync(fd, content, off);
    if (owner) {
      try {
        fchownSync(fd, owner.uid, owner.gid);
      } catch {
        // Not root: the file stays ours, which is all an unprivileged hb can do.
      }
    }
    // After chown, which clears setuid/setgid bits.
    fchmodSync(fd, mode & 0o7777);
    fsyncSync(fd);
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
  fsyncDir(dir);
}

/** Makes the rename durable; best effort (some filesystems refuse to fsync a directory). */
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

/** Creates `dir` (and parents) and makes it owner-only (0700), whatever the umask or its old mode. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
