// Where state lives (SPEC §2): --state-dir, $HB_STATE_DIR, config state_dir, /var/lib/hb for root,
// else $XDG_STATE_HOME/hb; with a per-user fallback when the chosen one cannot be written.

import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from './modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

/** The facts the choice depends on. */
export interface StateDirInputs {
  flag?: string;
  env: { HB_STATE_DIR?: string; XDG_STATE_HOME?: string };
  configDir?: string;
  isRoot: boolean;
  home: string;
  cwd: string;
}

/** The chosen directory, the per-user fallback, and what chose it. */
export interface StateDirChoice {
  dir: string;
  userDir: string;
  source: string;
  /** hb runs as root: it then writes only into a directory no other user can write (unsafeForRoot). */
  isRoot?: boolean;
}

/** Applies the precedence rule; pure. */
export function chooseStateDir(i: StateDirInputs): StateDirChoice {
  const userDir = resolve(i.cwd, i.env.XDG_STATE_HOME || join(i.home, '.local', 'state'), 'hb');
  const pick = (dir: string, source: string) => ({ dir: resolve(i.cwd, dir), userDir, source, ...(i.isRoot ? { isRoot: true } : {}) });
  if (i.flag) return pick(i.flag, '--state-dir');
  if (i.env.HB_STATE_DIR) return pick(i.env.HB_STATE_DIR, '$HB_STATE_DIR');
  if (i.configDir) return pick(i.configDir, 'state_dir in config');
  if (i.isRoot) return pick('/var/lib/hb', 'default for root');
  return pick(userDir, 'default');
}

/** The directory hb will write to, after trying to create it. */
export interface OpenedStateDir {
  dir: string;
  /** Set when the chosen directory was not writable and the per-user one is used instead. */
  fallbackFrom?: string;
  warning?: string;
}

const FALLBACK_NOTE = 'fallback.json';

/** Creates the chosen directory or falls back to the per-user one, leaving a note for `hb check`. */
export function openStateDir(choice: StateDirChoice): OpenedStateDir {
  const why = tryWritable(choice.dir, choice.isRoot === true);
  if (why === null) return { dir: choice.dir };
  if (choice.userDir === choice.dir || tryWritable(choice.userDir, choice.isRoot === true) !== null) {
    throw Object.assign(new Error(`state directory ${choice.dir} ${why.text}, and no fallback is`), { code: why.code });
  }
  noteFallback(choice.userDir, choice.dir);
  return {
    dir: choice.userDir,
    fallbackFrom: choice.dir,
    warning: `hb: state directory ${choice.dir} ${why.text}; writing to ${choice.userDir} instead`,
  };
}

/**
 * The directories `hb check` must read: the chosen one, plus the fallback if ticks fell back from
 * it. The first is the one the check writes to: the fallback, when root must not write the chosen one.
 */
export function readableStateDirs(choice: StateDirChoice): string[] {
  if (choice.userDir === choice.dir) return [choice.dir];
  if (choice.isRoot && unsafeForRoot(choice.dir) !== null) return [choice.userDir, choice.dir];
  try {
    const note = JSON.parse(readStateFileNoFollow(join(choice.userDir, FALLBACK_NOTE))) as { from?: string[] };
    if (Array.isArray(note.from) && note.from.includes(choice.dir)) return [choice.dir, choice.userDir];
  } catch {
    // No note: nothing fell back from this directory.
  }
  return [choice.dir];
}

/**
 * Why hb running as root must not write into `dir`, or null. Whoever else can write a directory
 * can plant names in it before root uses them (a symlink as `locks/` or `outbox/`, a link to a
 * file elsewhere), so root writes only where nobody but root can: owned by root, and writable
 * by neither group nor others, sticky bit or not (sticky stops removing root's files, not
 * creating the names root is about to use). A directory that does not exist yet is root's to create.
 */
export function unsafeForRoot(dir: string): string | null {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return null;
  }
  if (!st.isDirectory()) return null;
  const mode = `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
  if (st.uid !== 0) return `is owned by uid ${st.uid}, not root (${mode}): its owner could plant links in it`;
  const writers = [st.mode & 0o020 ? 'group' : '', st.mode & 0o002 ? 'others' : ''].filter(Boolean);
  if (writers.length > 0) return `is writable by ${writers.join(' and ')} (${mode}): they could plant links in it`;
  return null;
}

/** Why `dir` cannot be used (text for a person, code for scripts), or null when it can. */
function tryWritable(dir: string, isRoot: boolean): { code: string; text: string } | null {
  try {
    makeDirs(dir, STATE_DIR_MODE);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { code, text: `is not writable (${code})` };
  }
  const unsafe = isRoot ? unsafeForRoot(dir) : null;
  return unsafe === null ? null : { code: 'EUNSAFE', text: `is not used by root: it ${unsafe}` };
}

function noteFallback(userDir: string, from: string): void {
  const path = join(userDir, FALLBACK_NOTE);
  let seen: string[] = [];
  try {
    const note = JSON.parse(readStateFileNoFollow(path)) as { from?: string[] };
    if (Array.isArray(note.from)) seen = note.from;
  } catch {
    // First fallback from anywhere.
  }
  if (seen.includes(from)) return;
  try {
    writeAtomic(path, JSON.stringify({ from: [...seen, from] }) + '\n', { fsync: false });
  } catch {
    // The heartbeat itself matters more than the note; check then reads only the chosen dir.
  }
}
