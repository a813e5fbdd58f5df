// Where state lives (SPEC §2): --state-dir, $HB_STATE_DIR, config state_dir, /var/lib/hb for root,
// else $XDG_STATE_HOME/hb; with a per-user fallback when the chosen one cannot be written.

import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
}

/** Applies the precedence rule; pure. */
export function chooseStateDir(i: StateDirInputs): StateDirChoice {
  const userDir = resolve(i.cwd, i.env.XDG_STATE_HOME || join(i.home, '.local', 'state'), 'hb');
  const pick = (dir: string, source: string) => ({ dir: resolve(i.cwd, dir), userDir, source });
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
  const why = tryWritable(choice.dir);
  if (why === null) return { dir: choice.dir };
  if (choice.userDir === choice.dir || tryWritable(choice.userDir) !== null) {
    throw Object.assign(new Error(`state directory ${choice.dir} is not writable (${why}), and no fallback is`), { code: why });
  }
  noteFallback(choice.userDir, choice.dir);
  return {
    dir: choice.userDir,
    fallbackFrom: choice.dir,
    warning: `hb: state directory ${choice.dir} is not writable (${why}); writing to ${choice.userDir} instead`,
  };
}

/** The directories `hb check` must read: the chosen one, plus the fallback if ticks fell back from it. */
export function readableStateDirs(choice: StateDirChoice): string[] {
  if (choice.userDir === choice.dir) return [choice.dir];
  try {
    const note = JSON.parse(readFileSync(join(choice.userDir, FALLBACK_NOTE), 'utf8')) as { from?: string[] };
    if (Array.isArray(note.from) && note.from.includes(choice.dir)) return [choice.dir, choice.userDir];
  } catch {
    // No note: nothing fell back from this directory.
  }
  return [choice.dir];
}

function tryWritable(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

function noteFallback(userDir: string, from: string): void {
  const path = join(userDir, FALLBACK_NOTE);
  let seen: string[] = [];
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as { from?: string[] };
    if (Array.isArray(note.from)) seen = note.from;
  } catch {
    // First fallback from anywhere.
  }
  if (seen.includes(from)) return;
  try {
    writeFileSync(path, JSON.stringify({ from: [...seen, from] }) + '\n');
  } catch {
    // The heartbeat itself matters more than the note; check then reads only the chosen dir.
  }
}
