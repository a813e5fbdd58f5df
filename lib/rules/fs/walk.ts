// What a walk of a path from `/` down saw, as data: each directory it stood in, each name it
// looked up there and what had that name (a link's target too), and how the walk ended. The
// deciders that judge a path (trust.ts, recover/guarded-chain.ts) read only this.

/** What the walk knows of one path, without following it. */
export interface EntryFacts {
  uid: number;
  mode: number;
  kind: 'dir' | 'link' | 'file' | 'other';
}

/** One name looked up on the way, in the (physical) directory the walk stood in. */
export interface WalkStep {
  /** The directory the name was looked up in, and its facts. */
  dir: string;
  dirFacts: EntryFacts;
  /** The name, the path it makes in `dir`, and what has that name (null: nothing has it). */
  name: string;
  path: string;
  entry: EntryFacts | null;
  /** The names still to look up after this one, in order, `.` and `..` kept as they came. */
  rest: readonly string[];
  /** For a link: what it points to, or the error reading it gave. */
  link?: { target: string } | { unreadable: unknown };
}

/** How a walk ended. */
export type WalkEnd =
  /** Every name was looked up: the walk stands in `dir`. */
  | { end: 'done'; dir: string; facts: EntryFacts }
  /** The last step's name has nothing by it. */
  | { end: 'missing' }
  /** The last step's entry is neither a directory nor a link: the walk cannot go through it. */
  | { end: 'not-dir' }
  /** The last step is one link more than MAX_LINKS. */
  | { end: 'loop' }
  /** Looking failed: at `/`, at the parent a `..` leads to, at an entry, or reading a link; `error` null when lstat found nothing. */
  | { end: 'failed'; at: 'root' | 'parent' | 'entry' | 'link'; path: string; error: unknown };

/** A whole walk: the facts of `/` (null when it could not be looked at), every step, and the end. */
export interface Walk {
  root: EntryFacts | null;
  steps: readonly WalkStep[];
  end: WalkEnd;
}

/** Links followed in one walk before giving up, as Linux does (ELOOP). */
export const MAX_LINKS = 40;
