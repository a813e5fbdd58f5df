// The append-only event log `<state>/events.jsonl`: one file capped in size, numbered rotations,
// and the oldest removed by age (`events_keep`) and by the total size cap.

import { readSync, renameSync } from 'node:fs';
import { openAppendNoFollow, writeAll, type AppendHandle } from '../fs/no-follow.ts';
import { unlinkQuiet } from '../fs/quiet.ts';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';
import type { KnownEvent } from '../../rules/events/schema.ts';
import { rotateBefore, rotatedToKeep, WRITER_LIMITS, type LogLimits } from '../../rules/events/retention.ts';
import { withLogLock } from './lock.ts';
import { eventsPath, rotatedFiles } from './read.ts';

export { eventsPath };
export type { LogLimits };

/**
 * Appends events, one JSON line each, in a single write (O_APPEND), holding the log's lock
 * (lib/adapters/events/lock.ts). When the lines would take the live file past `fileBytes`, it is
 * rotated first: events.jsonl → .1 → .2 …, and the oldest rotated files beyond `totalBytes` (or
 * older than `keepMs`) are removed. A batch bigger than the cap goes alone into a fresh file.
 * Never follows a symbolic link and never appends to a file with other hard links (it throws,
 * naming the file and why); a line torn by an earlier failure (a full disk) is ended first, so it
 * costs only itself. Only events built by `newEvent` (lib/rules/events/schema.ts) are taken.
 */
export function appendEvents(dir: string, events: readonly KnownEvent[], limits: LogLimits = WRITER_LIMITS, now: () => number = Date.now): void {
  if (events.length === 0) return;
  const path = eventsPath(dir);
  const lines = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  withLogLock(
    dir,
    () => {
      let log: AppendHandle | null = openAppendNoFollow(path, STATE_FILE_MODE);
      try {
        let bytes = Buffer.from(lines);
        if (rotateBefore(log.stats.size, bytes.length + 1, limits.fileBytes)) {
          log.close();
          log = null;
          // A rotation that cannot be done (something else planted under a rotated name) leaves
          // the files as they are: the lines still go in, past the cap, rather than be lost.
          if (rotate(path)) prune(path, limits, now());
          log = openAppendNoFollow(path, STATE_FILE_MODE);
        }
        if (log.stats.size > 0 && lastByte(log.fd, log.stats.size) !== 0x0a) bytes = Buffer.from('\n' + lines);
        writeAll(log.fd, bytes);
      } finally {
        log?.close();
      }
    },
    now,
  );
}

/**
 * Removes the rotated files that are older than `limits.keepMs` or past `limits.totalBytes`
 * (oldest first), holding the log's lock; the live log is never removed. hb check calls it with
 * the config's `events_keep` after every check.
 */
export function pruneEvents(dir: string, limits: LogLimits, now: () => number = Date.now): void {
  const path = eventsPath(dir);
  // Most checks find nothing rotated: no lock is taken for that.
  if (rotatedFiles(path).length === 0) return;
  withLogLock(dir, () => prune(path, limits, now()), now);
}

/** The byte at the end of a file of `size` bytes (-1 when it cannot be read). */
function lastByte(fd: number, size: number): number {
  const one = Buffer.alloc(1);
  try {
    return readSync(fd, one, 0, 1, size - 1) === 1 ? one[0]! : -1;
  } catch {
    return -1;
  }
}

/**
 * Shifts every rotated file up by one (the oldest first) and makes the live log `.1`; false when a
 * rename fails (the live log then stays where it is: no file is ever renamed over another).
 */
function rotate(path: string): boolean {
  try {
    for (let i = rotatedFiles(path).length; i >= 1; i--) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  } catch {
    return false;
  }
  try {
    renameSync(path, `${path}.1`);
  } catch {
    // Gone (removed by hand): the next append starts a new one.
  }
  return true;
}

/** Removes the rotated files past those `rotatedToKeep` keeps. */
function prune(path: string, limits: LogLimits, nowMs: number): void {
  const rotated = rotatedFiles(path);
  const keep = rotatedToKeep(rotated, limits, nowMs);
  // The oldest first, so a reader never meets a gap in the numbering.
  for (let i = rotated.length; i > keep; i--) unlinkQuiet(`${path}.${i}`);
}
