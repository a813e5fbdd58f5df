// Whether root may trust a directory: every component of its path, from / down, must be out of
// reach of other users, or one of them could swap a component and steer root's writes elsewhere.

import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** What the walk needs to know of one path, without following it; null when nothing is there. */
export interface EntryFacts {
  uid: number;
  mode: number;
  kind: 'dir' | 'link' | 'file' | 'other';
}

/** The file system as the walk sees it: lstat and readlink, injected so made-up trees can be judged. */
export interface PathReader {
  lstat(path: string): EntryFacts | null;
  readlink(path: string): string;
}

/** Why a path cannot be trusted: the component at fault, what is wrong with it, and the command that fixes it. */
export interface TrustProblem {
  path: string;
  reason: string;
  fix: string;
}

// Linux gives up after 40 links in one lookup; so does the walk.
const MAX_LINKS = 40;
const STICKY = 0o1000;

const octal = (mode: number) => `mode ${(mode & 0o7777).toString(8).padStart(4, '0')}`;
const writers = (mode: number) => [mode & 0o020 ? 'group' : '', mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
const fixDir = (path: string) => `chown root: ${path} && chmod 0755 ${path}`;
const fixFile = (path: string) => `chown root: ${path} && chmod go-w ${path}`;

/** What the path must end in: a directory root writes into, or a file root reads and obeys (a config). */
export type PathEnd = 'dir' | 'file';

/**
 * Judges `target` (absolute) for hb running as root, or returns null when it is safe. Every
 * directory on the way must be owned by root; one that group or others can write is unsafe,
 * unless it is sticky and the entry the path takes through it is owned by root (then nobody else
 * can rename or replace that entry). A symbolic link is judged like any entry (owned by root, in
 * a directory that keeps others from replacing it), then followed. The directory at the end
 * must not be writable by group or others at all: sticky or not, they could create the names
 * root is about to use. A missing component is root's to create, as long as nobody else can
 * create it first; a component that is not a directory is left to whoever opens the path.
 * With `end: 'file'` the path names a file root obeys: it must be owned by root and writable by
 * neither group nor others (anything but a regular file, or nothing, at the end is left to
 * whoever opens it).
 */
export function untrustedPath(target: string, fs: PathReader, end: PathEnd = 'dir'): TrustProblem | null {
  let holder = '/';
  let held = fs.lstat(holder);
  if (held === null || held.kind !== 'dir') return null;
  if (held.uid !== 0) return { path: holder, reason: `is owned by uid ${held.uid}, not root (${octal(held.mode)})`, fix: fixDir(holder) };
  const queue = target.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '..') {
      // The holder's parent was judged on the way down: the walk only ever goes through real directories.
      holder = dirname(holder);
      held = fs.lstat(holder);
      if (held === null) return null;
      continue;
    }
    const path = join(holder, name);
    const st = fs.lstat(path);
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
          fix: `give hb the directory it points to (${fs.readlink(path)}), or replace the link with one root makes`,
        };
      }
      if (++links > MAX_LINKS) return { path, reason: `leads through more than ${MAX_LINKS} symbolic links`, fix: `give hb the directory itself` };
      const to = fs.readlink(path);
      queue.unshift(...to.split('/').filter((c) => c !== '' && c !== '.'));
      if (isAbsolute(to)) {
        holder = '/';
        held = fs.lstat(holder)!;
      }
      continue;
    }
    if (st.kind !== 'dir') {
      // A file where a directory should be: opening the path fails, and says so.
      // A device or a FIFO at the end is the reader's to refuse, by what it is.
      if (end === 'dir' || queue.length > 0 || st.kind !== 'file') return null;
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
    holder = path;
    held = st;
  }
  if (end === 'file') return null;
  const open = writers(held.mode);
  if (open) return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could plant links in it`, fix: fixDir(holder) };
  return null;
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
