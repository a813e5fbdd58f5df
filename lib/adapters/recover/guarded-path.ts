// Where a guarded path really is and who controls it: every name from `/` down is looked at
// without following it (lstat). A symbolic link on the way is followed only to see what it leads
// to, and whoever could change it counts as controlling the file; a link at the guarded path
// itself is refused. The decision itself is control.ts's.

import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { controlOf, type ChainStep } from '../../rules/recover/control.ts';

/** How hb may touch a guarded file (at `path`, its physical location), or why it must not (`refused`), or could not look (`error`). */
export type GuardedAccess = { as: 'root'; path: string } | { as: 'user'; uid: number; gid: number; path: string } | { refused: string } | { error: string };

/** Links followed on the way before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;

/** Finds who controls the absolute, normalised `path`; `groupOf` gives the gid hb acts in for a uid (null: unknown user). */
export function guardedAccess(path: string, groupOf: (uid: number) => number | null): GuardedAccess {
  let pending = path.split('/').filter(Boolean);
  let dir = '/';
  let dirSt: Stats;
  const steps: ChainStep[] = [];
  let links = 0;
  try {
    dirSt = lstatSync('/');
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        // `dir` has no link in it: its parent is the physical one.
        dir = dirname(dir);
        dirSt = lstatSync(dir);
        continue;
      }
      const at = join(dir, name);
      let st: Stats | null = null;
      try {
        st = lstatSync(at);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      steps.push({ dir, uid: dirSt.uid, mode: dirSt.mode & 0o7777, name, entryUid: st ? st.uid : null });
      // Nothing by that name: the file is missing (and so is the rest of its path).
      if (!st) return decided(steps, join(at, ...pending), groupOf);
      if (st.isSymbolicLink()) {
        if (pending.length === 0) return { refused: 'is a symbolic link: hb never follows a link at a guarded path' };
        if (++links > MAX_LINKS) return { error: `more than ${MAX_LINKS} symbolic links on its path (a loop?)` };
        const target = readlinkSync(at);
        pending = [...target.split('/').filter(Boolean), ...pending];
        if (target.startsWith('/')) {
          dir = '/';
          dirSt = lstatSync('/');
        }
        continue;
      }
      if (pending.length === 0) return decided(steps, at, groupOf);
      if (!st.isDirectory()) return { error: 'a parent of it is not a directory' };
      dir = at;
      dirSt = st;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'EACCES' ? 'permission denied on its path' : `cannot inspect its path: ${code ?? (e as Error).message}` };
  }
  return { error: 'not a path to a file' };
}

function decided(steps: ChainStep[], physical: string, groupOf: (uid: number) => number | null): GuardedAccess {
  const control = controlOf(steps);
  if ('refused' in control) return control;
  if (control.as === 'root') return { as: 'root', path: physical };
  const gid = groupOf(control.uid);
  if (gid === null) return { refused: `controlled by uid ${control.uid}, which has no entry in the user database: hb acts only as a known user` };
  return { as: 'user', uid: control.uid, gid, path: physical };
}
