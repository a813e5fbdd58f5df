// Reading the event log back as a stream: the rotated files oldest first, then the live log, a
// chunk at a time, one event per line, so a report over a week of a busy host holds one chunk.

import { lstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openReadNoFollow, STATE_READ_MAX_BYTES } from '../fs/no-follow.ts';
import { asEventLine, type HbEvent } from '../../rules/events/parse.ts';
import type { RotatedFile } from '../../rules/events/retention.ts';

/** How much of a file is read at once. */
export const READ_CHUNK_BYTES = 1 << 18;

/** The most rotated files looked for: far past what the size cap lets rotation keep. */
const MAX_ROTATED = 10_000;

/** What a read passed over: lines that are not events, and files too big to be hb's (one each). */
export interface ReadCounts {
  skipped: number;
}

/** How a log is read; tests shrink the chunk to split lines across reads. */
export interface ReadOptions {
  chunkBytes?: number;
  /** A file bigger than this is passed over unread (counted as one skipped). */
  maxFileBytes?: number;
}

/** Path of the live event log. */
export const eventsPath = (dir: string) => join(dir, 'events.jsonl');

/** The files of the log in a directory, oldest first: events.jsonl.N … events.jsonl.1, events.jsonl. */
export function logFiles(dir: string): string[] {
  const path = eventsPath(dir);
  const n = rotatedFiles(path, MAX_ROTATED).length;
  const files = Array.from({ length: n }, (_, i) => `${path}.${n - i}`);
  files.push(path);
  return files;
}

/**
 * The rotated files `<path>.1`, `.2` … as they are now, up to the first missing number (and at
 * most `max` of them): what readers list, and what writers rotate and prune.
 */
export function rotatedFiles(path: string, max = Infinity): RotatedFile[] {
  const files: RotatedFile[] = [];
  for (let i = 1; i <= max; i++) {
    try {
      const st = lstatSync(`${path}.${i}`);
      files.push({ bytes: st.size, mtimeMs: st.mtimeMs });
    } catch {
      break;
    }
  }
  return files;
}

/**
 * Every event of a directory's log, oldest first, read a chunk at a time. A line that is not an
 * event (garbage, a torn last line, JSON that is not an object with a string `type`) is counted in
 * `counts.skipped`, and so is a file bigger than `maxFileBytes` (default STATE_READ_MAX_BYTES:
 * past what rotation lets a file grow to, so not hb's), which is never read. A file that cannot
 * be opened (missing, a link, not a regular file) is passed over.
 */
export function* eventsIn(dir: string, counts: ReadCounts = { skipped: 0 }, options: ReadOptions = {}): Generator<HbEvent> {
  for (const file of logFiles(dir)) {
    for (const lines of batchesOf(file, counts, options)) {
      for (const line of lines) {
        if (blank(line)) continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          counts.skipped++;
          continue;
        }
        const e = asEventLine(value);
        if (e) yield e;
        else counts.skipped++;
      }
    }
  }
}

/** The non-blank lines of one file, one at a time (see batchesOf). */
export function* linesOf(file: string, counts: ReadCounts, options: ReadOptions = {}): Generator<string> {
  for (const lines of batchesOf(file, counts, options)) for (const line of lines) if (!blank(line)) yield line;
}

/** An empty line, or one holding only the \r of a CRLF end (a CRLF line's \r is blank to JSON.parse). */
const blank = (line: string) => line === '' || line === '\r';

/**
 * The lines of one file (blank ones included), a read's worth at a time, read `chunkBytes` at a
 * time; a line split across two reads is joined first (lines are cut at the newline byte, so a
 * UTF-8 character is never split). The last line is given even without its newline (a torn line
 * then fails to parse). Reading stops at `maxFileBytes` even when the file grows while it is read.
 */
function* batchesOf(file: string, counts: ReadCounts, options: ReadOptions = {}): Generator<string[]> {
  const limit = options.maxFileBytes ?? STATE_READ_MAX_BYTES;
  let handle;
  try {
    handle = openReadNoFollow(file);
  } catch {
    return;
  }
  try {
    if (handle.stats.size > limit) {
      counts.skipped++;
      return;
    }
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(options.chunkBytes ?? READ_CHUNK_BYTES, limit)));
    let have = 0; // bytes of an unfinished line at the start of buf
    let total = 0;
    while (total < limit) {
      if (have === buf.length) {
        // One line longer than the buffer: make room for the rest of it.
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit));
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSync(handle.fd, buf, have, Math.min(buf.length - have, limit - total), null);
      if (n === 0) break;
      total += n;
      const end = have + n;
      const nl = buf.lastIndexOf(0x0a, end - 1);
      if (nl < 0) {
        have = end;
        continue;
      }
      yield buf.toString('utf8', 0, nl).split('\n');
      have = end - nl - 1;
      buf.copy(buf, 0, nl + 1, end);
    }
    if (have > 0) yield [buf.toString('utf8', 0, have)];
  } finally {
    handle.close();
  }
}
