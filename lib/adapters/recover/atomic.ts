// Byte-exact atomic writes and owner-only directories for recovery: a reader sees the old file or
// the new one, never a torn one, and a crash leaves at most a hidden temp file behind.

import { chmodSync } from 'node:fs';
import { writeAtomic } from '../fs/atomic.ts';
import { makeDirs } from '../fs/make-dirs.ts';

export { fsyncDir } from '../fs/atomic.ts';

/** Byte-exact, exact mode, owner kept when allowed, fsynced file and directory. */
export function writeBytesAtomic(path: string, content: Uint8Array, mode: number, owner?: { uid: number; gid: number }): void {
  writeAtomic(path, content, { fsync: true, mode, owner, syncDir: true });
}

/** Creates `dir` (and parents) and makes it owner-only (0700), whatever the umask or its old mode. */
export function ensurePrivateDir(dir: string): void {
  makeDirs(dir, 0o700);
  chmodSync(dir, 0o700);
}
