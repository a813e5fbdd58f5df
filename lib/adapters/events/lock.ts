// The short lock a writer of an append-only state file holds for the moment of one append (and a
// rotation or trim): for events.jsonl, so two writers never both rotate the log and no line lands
// in a file past its cap; for a job's run history, so no line is appended to a file being cut.

import { closeSync, constants, lstatSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pauseSync } from '../fs/pause.ts';
import { unlinkQuiet } from '../fs/quiet.ts';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** The lock's name in the state directory. */
export const LOG_LOCK = 'events.jsonl.lock';

/**
 * A lock older than this was left by a writer that died holding it: an append holds it for well
 * under a millisecond, a rotation or trim for a read and a few renames.
 */
export const STALE_LOCK_MS = 2_000;

/** Runs `fn` holding `<dir>/events.jsonl.lock` (withFileLock). */
export function withLogLock<T>(dir: string, fn: () => T, now: () => number = Date.now): T {
  return withFileLock(join(dir, LOG_LOCK), fn, now);
}

/**
 * Runs `fn` holding the lock file `path`, created with O_EXCL (never through a link) and
 * removed afterwards. A lock left by a dead writer (older than STALE_LOCK_MS) is moved aside and
 * removed. When no lock can be made at all (a directory hb may append in but not create files in),
 * `fn` runs without one, as an append always could.
 */
export function withFileLock<T>(path: string, fn: () => T, now: () => number = Date.now): T {
  let held = false;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    try {
      closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, STATE_FILE_MODE));
      held = true;
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') break;
    }
    if (isStale(path, now())) breakStale(path);
    else pauseSync(wait); // writers are synchronous, and the wait is short
  }
  try {
    return fn();
  } finally {
    if (held) unlinkQuiet(path);
  }
}

function isStale(path: string, nowMs: number): boolean {
  try {
    return nowMs - lstatSync(path).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false; // released meanwhile: try again at once
  }
}

/** Moves a stale lock aside under a name of this process's own, then removes it: of two writers breaking it, one moves it. */
function breakStale(path: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // another writer broke it first
  }
  unlinkQuiet(aside);
}
