// Whether root may trust a directory or a file on this system: the path is walked once
// (path-walk.ts) and judged by the trust rule (rules/fs/trust.ts).

import { lstatSync, readlinkSync } from 'node:fs';
import type { EntryFacts } from '../../rules/fs/walk.ts';
import { trustOf, type PathEnd, type TrustProblem } from '../../rules/fs/trust.ts';
import { walkPath } from './path-walk.ts';

export type { EntryFacts } from '../../rules/fs/walk.ts';
export type { PathEnd, TrustProblem } from '../../rules/fs/trust.ts';

/** The file system as the trust walk sees it: lstat (null when nothing is there or it cannot be reached) and readlink, injected so made-up trees can be judged. */
export interface PathReader {
  lstat(path: string): EntryFacts | null;
  readlink(path: string): string;
}

/** Judges `target` (absolute) for hb running as root, or returns null when it is safe (the rule: trustOf). */
export function untrustedPath(target: string, fs: PathReader, end: PathEnd = 'dir'): TrustProblem | null {
  return trustOf(walkPath(target, fs), end);
}

/** The real file system, for untrustedPath. */
export const realPaths: PathReader = {
  lstat(path) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      // Missing, or not reachable even by root: opening the path fails the same way, and says why.
      return null;
    }
    return { uid: st.uid, mode: st.mode, kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other' };
  },
  readlink: (path) => readlinkSync(path),
};
