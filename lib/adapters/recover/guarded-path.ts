// Where a guarded path really is and who controls it: the path is walked once from `/` with
// lstat (fs/path-walk.ts); a symbolic link on the way is followed only to see what it leads to,
// and whoever could change it counts as controlling the file; a link at the guarded path itself
// is refused. The decisions are guarded-chain.ts's and control.ts's.

import { lstatSync, readlinkSync } from 'node:fs';
import { walkPath, type WalkReader } from '../fs/path-walk.ts';
import { controlOf, type ChainStep } from '../../rules/recover/control.ts';
import { guardedChain, lookFailed } from '../../rules/recover/guarded-chain.ts';

/** How hb may touch a guarded file (at `path`, its physical location), or why it must not (`refused`), or could not look (`error`). */
export type GuardedAccess = { as: 'root'; path: string } | { as: 'user'; uid: number; gid: number; path: string } | { refused: string } | { error: string };

/** The real file system: nothing there is null, any other failure is thrown for the walk to report. */
const system: WalkReader = {
  lstat(path) {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return { uid: st.uid, mode: st.mode, kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other' };
  },
  readlink: (path) => readlinkSync(path),
};

/** Finds who controls the absolute, normalised `path`; `groupOf` gives the gid hb acts in for a uid (null: unknown user). */
export function guardedAccess(path: string, groupOf: (uid: number) => number | null): GuardedAccess {
  const chain = guardedChain(walkPath(path, system));
  if (!('steps' in chain)) return chain;
  try {
    return decided(chain.steps, chain.path, groupOf);
  } catch (e) {
    // A user database that cannot be asked fails the look as a whole.
    return { error: lookFailed(e) };
  }
}

function decided(steps: ChainStep[], physical: string, groupOf: (uid: number) => number | null): GuardedAccess {
  const control = controlOf(steps);
  if ('refused' in control) return control;
  if (control.as === 'root') return { as: 'root', path: physical };
  const gid = groupOf(control.uid);
  if (gid === null) return { refused: `controlled by uid ${control.uid}, which has no entry in the user database: hb acts only as a known user` };
  return { as: 'user', uid: control.uid, gid, path: physical };
}
