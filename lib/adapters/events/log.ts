// The append-only event log `<state>/events.jsonl`, capped in size with numbered rotations.

import { readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openAppendNoFollow, readBoundedNoFollow, STATE_READ_MAX_BYTES, writeAll, type AppendHandle } from '../fs/no-follow.ts';
import { STATE_FILE_MODE } from '../../rules/fs/modes.ts';
import { asEventLine, type HbEvent } from '../../rules/events/parse.ts';
import type { KnownEvent } from '../../rules/events/schema.ts';

/** Size cap and how many rotated files to keep (at least 1). */
export interface LogLimits {
  maxBytes: number;
  keep: number;
}

/** 1 MiB per file and 3 old files keep months of a busy host's history in 4 MiB. */
export const DEFAULT_LIMITS: LogLimits = { maxBytes: 1 << 20, keep: 3 };

/** Path of the live event log. */
export const eventsPath = (dir: string) => join(dir, 'events.jsonl');

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
 * Reads events from the rotated files and the live log, oldest first; bad lines are skipped, and
 * so is a file over STATE_READ_MAX_BYTES (counted as one), of which at most that much is read.
 */
export function readEvents(dir: string, keep = DEFAULT_LIMITS.keep): { events: HbEvent[]; skipped: number } {
  const path = eventsPath(dir);
  const events: HbEvent[] = [];
  let skipped = 0;
  for (const file of [...Array.from({ length: keep }, (_, i) => `${path}.${keep - i}`), path]) {
    let text: string;
    try {
      const read = readBoundedNoFollow(file, STATE_READ_MAX_BYTES);
      // Far past what rotation lets a log grow to: not hb's log, and never read whole.
      if (!read.complete) {
        skipped++;
        continue;
      }
      text = read.text;
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = asEventLine(JSON.parse(line));
        if (e) events.push(e);
        else skipped++;
      } catch {
        skipped++;
      }
    }
  }
  return { events, skipped };
}
