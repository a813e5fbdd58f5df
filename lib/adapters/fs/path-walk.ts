// The one walk of a path from `/` down: every name is looked at with lstat, never followed by the
// system; `.` and `..` are resolved by the walk, and a symbolic link is read and its target put in
// front of the names left (from `/` again when it is absolute). It stops at the first missing
// name, at anything that is not a directory, after MAX_LINKS links, or when looking fails, and
// returns what it saw; deciding is left to the rules that read the walk.

import { dirname, join } from 'node:path';
import { MAX_LINKS, type EntryFacts, type Walk, type WalkEnd, type WalkStep } from '../../rules/fs/walk.ts';

/** The file system as the walk sees it, injected so made-up trees can be walked. */
export interface WalkReader {
  /** The facts of `path` without following it; null when nothing is there; throws when it cannot look. */
  lstat(path: string): EntryFacts | null;
  /** What the link at `path` points to; throws when it cannot be read. */
  readlink(path: string): string;
}

type Look = { facts: EntryFacts | null } | { error: unknown };

const namesOf = (path: string): string[] => path.split('/').filter(Boolean);

/** Walks the absolute `target` from `/` through `fs`, and returns every step and how the walk ended. */
export function walkPath(target: string, fs: WalkReader): Walk {
  const look = (path: string): Look => {
    try {
      return { facts: fs.lstat(path) };
    } catch (error) {
      return { error };
    }
  };
  const failed = (at: 'root' | 'parent' | 'entry' | 'link', path: string, got: Look): WalkEnd => ({
    end: 'failed',
    at,
    path,
    error: 'error' in got ? got.error : null,
  });
  const steps: WalkStep[] = [];
  const top = look('/');
  if (!('facts' in top) || top.facts === null) return { root: null, steps, end: failed('root', '/', top) };
  const root = top.facts;
  const done = (end: WalkEnd): Walk => ({ root, steps, end });
  let dir = '/';
  let held = root;
  let pending = namesOf(target);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      // `dir` has no link in it: its parent is the physical one.
      dir = dirname(dir);
      const up = look(dir);
      if (!('facts' in up) || up.facts === null) return done(failed('parent', dir, up));
      held = up.facts;
      continue;
    }
    const path = join(dir, name);
    const got = look(path);
    if (!('facts' in got)) return done(failed('entry', path, got));
    const entry = got.facts;
    const step: WalkStep = { dir, dirFacts: held, name, path, entry, rest: [...pending] };
    steps.push(step);
    if (entry === null) return done({ end: 'missing' });
    if (entry.kind === 'link') {
      const over = ++links > MAX_LINKS;
      let to: string;
      try {
        to = fs.readlink(path);
      } catch (error) {
        step.link = { unreadable: error };
        return done(over ? { end: 'loop' } : failed('link', path, { error }));
      }
      step.link = { target: to };
      if (over) return done({ end: 'loop' });
      pending = [...namesOf(to), ...pending];
      if (to.startsWith('/')) {
        dir = '/';
        const again = look('/');
        if (!('facts' in again) || again.facts === null) return done(failed('root', '/', again));
        held = again.facts;
      }
      continue;
    }
    if (entry.kind !== 'dir') return done({ end: 'not-dir' });
    dir = path;
    held = entry;
  }
  return done({ end: 'done', dir, facts: held });
}
