// What a guarded file holds now: its bytes, hash, size and mode, or that it is missing, or why
// it cannot be used. Symlinks are followed: the guarded content is the content of their target.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { CurrentFile } from './plan.ts';

/** Guarded files larger than this are refused: configuration, not data. */
export const MAX_GUARDED_BYTES = 16 * 1024 * 1024;

/** A readable regular file; `content` is what was hashed (snapshot that, not a second read). */
export interface HashedFile {
  sha256: string;
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  content: Buffer;
}

/** The file as hashed, or missing (nothing at the path, or a dangling symlink), or an error. */
export type HashResult = HashedFile | { missing: true } | { error: string };

/** The sha256 of some bytes, as hex. */
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Reads and hashes `path`. Directories, devices, FIFOs and unreadable files are errors, not missing. */
export function hashFile(path: string): HashResult {
  let st;
  try {
    // stat, not lstat: a symlink is judged by its target.
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ENOTDIR') return { error: 'a parent of it is not a directory' };
    if (code === 'EACCES') return { error: 'permission denied' };
    if (code === 'ELOOP') return { error: 'symlink loop' };
    return { error: `cannot stat: ${code ?? (e as Error).message}` };
  }
  // Checked before opening: opening a FIFO would block the check.
  if (st.isDirectory()) return { error: 'is a directory' };
  if (!st.isFile()) return { error: 'not a regular file' };
  if (st.size > MAX_GUARDED_BYTES) return { error: `too large to guard (${st.size} bytes, at most ${MAX_GUARDED_BYTES})` };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { error: code === 'EACCES' ? 'permission denied' : `cannot open: ${code ?? (e as Error).message}` };
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile()) return { error: 'not a regular file' };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(65536);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_GUARDED_BYTES) return { error: `too large to guard (over ${MAX_GUARDED_BYTES} bytes)` };
      chunks.push(chunk.subarray(0, n));
    }
    const content = Buffer.concat(chunks, total);
    return { sha256: sha256(content), size: total, mode: now.mode & 0o7777, content };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'EISDIR' ? 'is a directory' : `cannot read: ${code ?? (e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** The planner's view of a hash result (content dropped). */
export function currentOf(path: string, r: HashResult): CurrentFile {
  if ('missing' in r) return { path, sha256: null };
  if ('error' in r) return { path, sha256: null, error: r.error };
  return { path, sha256: r.sha256 };
}
