// Whether root may trust a directory or a file, judged from a walk of its path: every component
// from `/` down must be out of reach of other users, or one of them could swap a component and
// steer root's writes (or what root obeys) elsewhere.

import { MAX_LINKS, type Walk, type WalkStep } from './walk.ts';

/** Why a path cannot be trusted: the component at fault, what is wrong with it, and the command that fixes it. */
export interface TrustProblem {
  path: string;
  reason: string;
  fix: string;
}

/** What the path must end in: a directory root writes into, or a file root reads and obeys (a config). */
export type PathEnd = 'dir' | 'file';

const STICKY = 0o1000;

const octal = (mode: number) => `mode ${(mode & 0o7777).toString(8).padStart(4, '0')}`;
const writers = (mode: number) => [mode & 0o020 ? 'group' : '', mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
const fixDir = (path: string) => `chown root: ${path} && chmod 0755 ${path}`;
const fixFile = (path: string) => `chown root: ${path} && chmod go-w ${path}`;

/** A link's target as the walk read it; the error reading it gave is thrown, as reading it here would have. */
function targetOf(step: WalkStep): string {
  if (step.link && 'target' in step.link) return step.link.target;
  // Whatever reading the link threw is thrown on, as it is.
  throw (step.link?.unreadable as Error | undefined) ?? new Error(`the walk did not read the link at ${step.path}`);
}

/**
 * Judges the walked path for hb running as root, or returns null when it is safe. Every
 * directory on the way must be owned by root; one that group or others can write is unsafe,
 * unless it is sticky and the entry the path takes through it is owned by root (then nobody else
 * can rename or replace that entry). A symbolic link is judged like any entry (owned by root, in
 * a directory that keeps others from replacing it), then followed. The directory at the end
 * must not be writable by group or others at all: sticky or not, they could create the names
 * root is about to use. A missing component is root's to create, as long as nobody else can
 * create it first; a component that is not a directory is left to whoever opens the path.
 * With `end: 'file'` the path names a file root obeys: it must be owned by root and writable by
 * neither group nor others (anything but a regular file, or nothing, at the end is left to
 * whoever opens it). A walk that could not look somewhere (not found) is left to whoever opens
 * the path; an error the walk caught is thrown.
 */
export function trustOf(walk: Walk, end: PathEnd): TrustProblem | null {
  const root = walk.root;
  if (root === null) return ended(walk, end);
  if (root.kind !== 'dir') return null;
  if (root.uid !== 0) return { path: '/', reason: `is owned by uid ${root.uid}, not root (${octal(root.mode)})`, fix: fixDir('/') };
  const last = walk.steps[walk.steps.length - 1];
  for (const step of walk.steps) {
    const { dir: holder, dirFacts: held, path, entry: st } = step;
    const open = writers(held.mode);
    if (st === null) {
      // Not there yet: root creates it, unless someone else can create it first.
      if (open && !(held.mode & STICKY))
        return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could create ${path} before root does`, fix: fixDir(holder) };
      return null;
    }
    if (open && !(held.mode & STICKY)) {
      return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could replace ${path} in it`, fix: fixDir(holder) };
    }
    if (st.kind === 'link') {
      if (st.uid !== 0) {
        return {
          path,
          reason: `is a symbolic link owned by uid ${st.uid}, not root${open ? `, in ${holder}, which ${open} can write` : ''}: its owner could point it anywhere`,
          fix: `give hb the directory it points to (${targetOf(step)}), or replace the link with one root makes`,
        };
      }
      if (step === last && walk.end.end === 'loop') {
        return { path, reason: `leads through more than ${MAX_LINKS} symbolic links`, fix: `give hb the directory itself` };
      }
      continue;
    }
    if (st.kind !== 'dir') {
      // A file where a directory should be: opening the path fails, and says so.
      // A device or a FIFO at the end is the reader's to refuse, by what it is.
      if (end === 'dir' || step.rest.some((name) => name !== '.') || st.kind !== 'file') return null;
      if (st.uid !== 0)
        return { path, reason: `is owned by uid ${st.uid}, not root (${octal(st.mode)}): its owner decides what root runs`, fix: fixFile(path) };
      const fileWriters = writers(st.mode);
      if (fileWriters) return { path, reason: `is writable by ${fileWriters} (${octal(st.mode)}): they decide what root runs`, fix: fixFile(path) };
      return null;
    }
    if (st.uid !== 0) {
      return {
        path,
        reason: `is owned by uid ${st.uid}, not root (${octal(st.mode)})${open ? `, in ${holder}, which ${open} can write` : ''}: its owner could plant links in it`,
        fix: fixDir(path),
      };
    }
  }
  return ended(walk, end);
}

/** The verdict once every step passed: how the walk ended decides. */
function ended(walk: Walk, end: PathEnd): TrustProblem | null {
  const how = walk.end;
  if (how.end === 'failed') {
    if (how.error !== null) throw how.error as Error;
    return null;
  }
  if (how.end !== 'done' || end === 'file') return null;
  const open = writers(how.facts.mode);
  if (open) return { path: how.dir, reason: `is writable by ${open} (${octal(how.facts.mode)}): they could plant links in it`, fix: fixDir(how.dir) };
  return null;
}
