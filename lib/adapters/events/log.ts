// The append-only event log `<state>/events.jsonl`, capped in size with numbered rotations.

import { readSync, renameSync } from 'node:fs';
import { openAppendNoFollow, writeAll, type AppendHandle } from '../fs/no-follow.ts';
import { eventsIn, eventsPath } from './read.ts';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';
import type { HbEvent } from '../../rules/events/parse.ts';
import type { KnownEvent } from '../../rules/events/schema.ts';

/** Size cap and how many rotated files to keep (at least 1). */
export interface LogLimits {
  maxBytes: number;
  keep: number;
}

/** 1 MiB per file and 3 old files keep months of a busy host's history in 4 MiB. */
export const DEFAULT_LIMITS: LogLimits = { maxBytes: 1 << 20, keep: 3 };

export { eventsPath };

/**
 * Appends events, one JSON line each, in a single write (O_APPEND keeps concurrent writers'
 * lines whole). Rotates first when the file has reached the cap: events.jsonl → .1 → .2 …
 * Never follows a symbolic link and never appends to a file with other hard links (it throws,
 * naming the file and why); a line torn by an earlier failure (a full disk) is ended first, so
 * it costs only itself. Only events built by `newEvent` (lib/rules/events/schema.ts) are taken.
 */
export function appendEvents(dir: string, events: readonly KnownEvent[], limits: LogLimits = DEFAULT_LIMITS): void {
  if (events.length === 0) return;
  const path = eventsPath(dir);
  let log: AppendHandle | null = openAppendNoFollow(path, STATE_FILE_MODE);
  try {
    if (log.stats.size >= limits.maxBytes) {
      log.close();
      log = null;
      rotate(path, limits.keep);
      log = openAppendNoFollow(path, STATE_FILE_MODE);
    }
    let text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    if (log.stats.size > 0 && lastByte(log.fd, log.stats.size) !== 0x0a) text = '\n' + text;
    writeAll(log.fd, Buffer.from(text));
  } finally {
    log?.close();
  }
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

function rotate(path: string, keep: number): void {
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch {
      // A gap in the numbering is fine.
    }
  }
  try {
    renameSync(path, `${path}.1`);
  } catch {
    // Another process rotated it a moment ago.
  }
}

/**
 * Reads a directory's whole log into memory, oldest first (tests and small callers; hb report and
 * hb log stream it through eventsIn instead): bad lines are skipped and counted, and so is a file
 * over STATE_READ_MAX_BYTES (counted as one), which is never read.
 */
export function readEvents(dir: string): { events: HbEvent[]; skipped: number } {
  const counts = { skipped: 0 };
  const events = [...eventsIn(dir, counts)];
  return { events, skipped: counts.skipped };
}
