// What a guarded file holds now: its bytes, hash, size and mode, or that it is missing, or why
// it cannot be used. Read as whoever controls it (guarded-path.ts), never through a symbolic
// link, and its mode without setuid, setgid or sticky bits.

import { sha256 } from '../../rules/sha256.ts';
import { actAs, type Acting } from './act-as.ts';
import { guardedAccess } from './guarded-path.ts';
import type { CurrentFile } from '../../rules/recover/plan.ts';
import { primaryGid } from './primary-gid.ts';

/** Guarded files larger than this are refused: configuration, not data. */
export const MAX_GUARDED_BYTES = 16 * 1024 * 1024;

/** A readable regular file; `content` is what was hashed (snapshot that, not a second read). */
export interface HashedFile {
  sha256: string;
  size: number;
  /** Permission bits (mode & 0o777: never setuid, setgid or sticky). */
  mode: number;
  content: Buffer;
}

/** The file as hashed, or missing, or an error; `unsafe` when hb refuses it (a link, a path others control). */
export type HashResult = HashedFile | { missing: true } | { error: string; unsafe?: true };

/** Reads and hashes `path` as whoever controls it. Directories, devices, FIFOs, links and unreadable files are errors, not missing. */
export function hashFile(path: string, acting: Acting, groupOf: (uid: number) => number | null = primaryGid): HashResult {
  const access = guardedAccess(path, groupOf);
  if ('refused' in access) return { error: access.refused, unsafe: true };
  if ('error' in access) return { error: access.error };
  const reply = actAs(access.as === 'user' ? access : null, { op: 'read', path: access.path, max: MAX_GUARDED_BYTES }, acting);
  if ('missing' in reply) return { missing: true };
  if ('error' in reply) return reply.code === 'ELOOP' ? { error: reply.error, unsafe: true } : { error: reply.error };
  if ('written' in reply) return { error: 'unexpected answer to a read' };
  return { sha256: sha256(reply.content), size: reply.content.length, mode: reply.mode, content: reply.content };
}

/** The planner's view of a hash result (content dropped). */
export function currentOf(path: string, r: HashResult): CurrentFile {
  if ('missing' in r) return { path, sha256: null };
  if ('error' in r) return { path, sha256: null, error: r.error };
  return { path, sha256: r.sha256 };
}
