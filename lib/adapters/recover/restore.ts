// Putting a known-good file back: atomically, as whoever controls the file (root only where root
// alone does), never through a symbolic link, never with a setuid, setgid or sticky bit.

import { actAs, type Acting } from './act-as.ts';
import { RecoverError } from '../../rules/recover/error.ts';
import { guardedAccess } from './guarded-path.ts';
import { primaryGid } from './primary-gid.ts';
import { safeMode } from '../../rules/recover/safe-mode.ts';

export { gitShow, gitRepoOf, gitKnownGood } from './git-source.ts';

/**
 * Replaces the file at `path` with `content` and `mode` (without its special bits): temp file in
 * the same directory, fsync, rename, so readers never see a half-written config. Returns the file
 * written. Refuses a symbolic link, anything but a regular file, and a path nobody hb may act for
 * controls; never creates directories. As root it keeps the replaced file's owner.
 */
export function restoreFile(
  path: string,
  content: Uint8Array,
  mode: number,
  acting: Acting,
  groupOf: (uid: number) => number | null = primaryGid,
): { target: string } {
  const access = guardedAccess(path, groupOf);
  if ('refused' in access) throw new RecoverError(`cannot restore ${path}: ${access.refused}`, path, 'EPERM');
  if ('error' in access) throw new RecoverError(`cannot restore ${path}: ${access.error}`, path, null);
  const as = access.as === 'user' ? access : null;
  const reply = actAs(as, { op: 'write', path: access.path, content, mode: safeMode(mode), keepOwner: as === null }, acting);
  if ('error' in reply) throw new RecoverError(`cannot restore ${path}: ${reply.error}`, path, reply.code);
  return { target: access.path };
}
