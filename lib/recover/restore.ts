// Putting a known-good file back: atomically, with its mode, keeping its owner where allowed.
// A guarded path that is a symlink keeps being that symlink: the file it points to is rewritten.

import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeBytesAtomic } from './atomic.ts';
import { RecoverError } from './error.ts';
import { resolveWriteTarget } from './symlink.ts';

export { gitShow, gitRepoOf, gitKnownGood } from './git-source.ts';
export { resolveWriteTarget } from './symlink.ts';

/**
 * Replaces the file at `path` (through its symlinks) with `content` and `mode`: temp file in the
 * target's directory, fsync, rename, so readers never see a half-written config. Returns the file
 * written. Refuses to replace anything but a regular file, and never creates directories.
 */
export function restoreFile(path: string, content: Uint8Array, mode: number): { target: string } {
  const target = resolveWriteTarget(path);
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = lstatSync(target);
    if (!st.isFile()) throw new RecoverError(`${target} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}: not overwritten`, path, 'EISDIR');
    owner = { uid: st.uid, gid: st.gid };
  } catch (e) {
    if (e instanceof RecoverError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new RecoverError(`cannot inspect ${target}: ${(e as NodeJS.ErrnoException).code}`, path, (e as NodeJS.ErrnoException).code ?? null);
  }
  try {
    writeBytesAtomic(target, content, mode, owner);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? null;
    const why = code === 'ENOENT' ? `its directory ${dirname(target)} does not exist` : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new RecoverError(`cannot restore ${target}: ${why}`, path, code);
  }
  return { target };
}
