// Where state lives (SPEC §2): --state-dir, $HB_STATE_DIR, config state_dir, /var/lib/hb for root,
// else $XDG_STATE_HOME/hb; with a per-user fallback when the chosen one cannot be written.

import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';
import { realPaths, untrustedPath, type PathReader, type TrustProblem } from '../fs/path-trust.ts';

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

/** A state directory root will not read or act on, with why (`it is writable by …`) and the fix. */
export interface UntrustedDir {
  dir: string;
  why: string;
  fix: string;
}

/** The directories to read, first the one to write to, and those left out because root cannot trust them. */
export interface StateDirsToRead {
  dirs: string[];
  untrusted: UntrustedDir[];
}

/**
 * The directories `hb check` (and status, report, log) read: the chosen one, plus the fallback if
 * ticks fell back from it, the first being the one to write to. As root, a directory whose path
 * others can write is never read: anyone could plant or change its records, and root acts on
 * records (alerts, restarts). It is listed in `untrusted` instead, and the fallback is read.
 */
export function stateDirsToRead(choice: StateDirChoice, paths: PathReader = realPaths): StateDirsToRead {
  let dirs = [choice.dir];
  if (choice.userDir !== choice.dir) {
    if (choice.isRoot && untrustedPath(choice.dir, paths) !== null) dirs = [choice.userDir, choice.dir];
    else if (notedFallback(choice.userDir, choice.dir)) dirs = [choice.dir, choice.userDir];
  }
  if (!choice.isRoot) return { dirs, untrusted: [] };
  const untrusted: UntrustedDir[] = [];
  const trusted = dirs.filter((dir) => {
    const problem = untrustedPath(dir, paths);
    if (problem) untrusted.push({ dir, why: describeProblem(dir, problem), fix: problem.fix });
    return problem === null;
  });
  return { dirs: trusted, untrusted };
}

/** The directories to read, for callers that need no more (see stateDirsToRead). */
export function readableStateDirs(choice: StateDirChoice): string[] {
  return stateDirsToRead(choice).dirs;
}

function notedFallback(userDir: string, from: string): boolean {
  try {
    const note = JSON.parse(readStateFileNoFollow(join(userDir, FALLBACK_NOTE))) as { from?: string[] };
    return Array.isArray(note.from) && note.from.includes(from);
  } catch {
    // No note: nothing fell back from this directory.
    return false;
  }
}

/**
 * Why hb running as root must not use `dir`, or null. Whoever else can write a directory, or one
 * on the way to it, can plant names in it before root uses them (a symlink as `locks/` or
 * `outbox/`, a link to a file elsewhere) or swap the path for one leading elsewhere, so root uses
 * only a path nobody but root can change (untrustedPath). A directory that does not exist yet is
 * root's to create, when nobody else can create it first.
 */
export function unsafeForRoot(dir: string, paths: PathReader = realPaths): string | null {
  const problem = untrustedPath(dir, paths);
  return problem === null ? null : describeProblem(dir, problem);
}

/** `it is writable by others (mode 0777): …` when the directory itself is at fault, else the component at fault. */
function describeProblem(dir: string, problem: TrustProblem): string {
  return `${problem.path === dir ? 'it' : problem.path} ${problem.reason}`;
}

/** The command that makes `dir` one root can use, or null when it already is. */
export function trustFix(dir: string, paths: PathReader = realPaths): string | null {
  return untrustedPath(dir, paths)?.fix ?? null;
}

/** Why `dir` cannot be used (text for a person, code for scripts), or null when it can. */
function tryWritable(dir: string, isRoot: boolean): { code: string; text: string } | null {
  // Judged before anything is made too: making the directories would follow a planted link.
  const before = isRoot ? untrustedPath(dir, realPaths) : null;
  if (before) return unusable(dir, before);
  try {
    makeDirs(dir, STATE_DIR_MODE);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { code, text: `is not writable (${code})` };
  }
  const after = isRoot ? untrustedPath(dir, realPaths) : null;
  return after === null ? null : unusable(dir, after);
}

function unusable(dir: string, problem: TrustProblem): { code: string; text: string } {
  return { code: 'EUNSAFE', text: `is not used by root: ${describeProblem(dir, problem)} (fix: ${problem.fix})` };
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
