// What a walk of a guarded path says about it: the parent chain controlOf decides from, with the
// file's physical path; or a refusal (a link at the guarded path); or why it could not be
// looked at (a parent that is not a directory, a link loop, an error looking).

import { join } from 'node:path';
import type { ChainStep } from './control.ts';
import { MAX_LINKS, type Walk } from '../fs/walk.ts';

/** The chain to decide from and the physical path of the file, or a refusal, or an error. */
export type GuardedChain = { steps: ChainStep[]; path: string } | { refused: string } | { error: string };

/** Reads the walk of a guarded path, name by name, as far as it decides. */
export function guardedChain(walk: Walk): GuardedChain {
  const steps: ChainStep[] = [];
  for (const step of walk.steps) {
    const { dirFacts, entry, rest } = step;
    steps.push({ dir: step.dir, uid: dirFacts.uid, mode: dirFacts.mode & 0o7777, name: step.name, entryUid: entry ? entry.uid : null });
    // Nothing by that name: the file is missing (and so is the rest of its path).
    if (entry === null) return { steps, path: join(step.path, ...rest) };
    if (entry.kind === 'link') {
      if (rest.length === 0) return { refused: 'is a symbolic link: hb never follows a link at a guarded path' };
      continue;
    }
    if (rest.length === 0) return { steps, path: step.path };
    if (entry.kind !== 'dir') return { error: 'a parent of it is not a directory' };
  }
  const how = walk.end;
  if (how.end === 'loop') return { error: `more than ${MAX_LINKS} symbolic links on its path (a loop?)` };
  if (how.end === 'failed') {
    // Nothing found where a directory was just seen (`/`, a `..`) is a failure to look too.
    return { error: lookFailed(how.error === null ? { code: 'ENOENT' } : how.error) };
  }
  return { error: 'not a path to a file' };
}

/** What hb says when looking at a guarded path failed with `error` (a system error, by its code). */
export function lookFailed(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  return code === 'EACCES' ? 'permission denied on its path' : `cannot inspect its path: ${code ?? (error as Error)?.message}`;
}
