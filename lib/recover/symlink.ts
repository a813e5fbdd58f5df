// The symlink rule of recovery: a guarded path is judged and restored through its symlinks, so
// the link stays a link and the file it points to holds the known-good content.

import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RecoverError } from './error.ts';

/** Links followed before giving up, as the kernel does (ELOOP). */
const MAX_HOPS = 40;

/**
 * The file a write to `path` must replace: `path` itself, or the end of its symlink chain (which
 * may not exist yet, for a dangling link). Once a link is followed, the path is physical.
 */
export function resolveWriteTarget(path: string): string {
  let current = path;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    let st;
    try {
      st = lstatSync(current);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw new RecoverError(`cannot inspect ${current}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path, (e as NodeJS.ErrnoException).code ?? null);
    }
    if (!st.isSymbolicLink()) return current;
    // Against the link's physical directory, as the kernel does: `..` in a link under a
    // symlinked directory climbs from where the link really is.
    current = resolve(realpathSync(dirname(current)), readlinkSync(current));
  }
  throw new RecoverError(`${path}: more than ${MAX_HOPS} symlinks (a loop?): not restored`, path, 'ELOOP');
}
