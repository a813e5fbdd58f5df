// Reading the end of a log file backwards, a chunk at a time, only as far back as needed: a
// syslog of gigabytes costs a check the few chunks that cover the time it looks at.

import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { fileKind, readRange } from '../fs/no-follow.ts';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** The most of one log read from its end. */
export const TAIL_MAX_BYTES = 4 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** What was read of a log's end. */
export interface LogTail {
  /** Whole lines, oldest first (a line cut by where reading began is left out). */
  lines: string[];
  /** Reading reached the first byte of the file. */
  fromStart: boolean;
  /** The file's last modification. */
  mtimeMs: number;
  /** Bytes read. */
  bytes: number;
}

/**
 * Reads whole lines from the end of the regular file at `path` back until `olderThanWanted`
 * says a line (the earliest read so far) is old enough, the file's start, or `maxBytes`.
 * `follow`: a link is followed (a path a person named); otherwise a link is refused (ELOOP), so
 * root never reads through a link planted in a log folder others may write. Never blocks on a
 * FIFO; anything but a regular file is refused (code ENOTREG).
 */
export function readLogTail(path: string, olderThanWanted: (line: string) => boolean, opts: { follow: boolean; maxBytes?: number }): LogTail {
  const maxBytes = opts.maxBytes ?? TAIL_MAX_BYTES;
  const fd = openSync(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | (opts.follow ? 0 : O_NOFOLLOW));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error(`${path} is ${fileKind(st)}, not a regular file`), { code: 'ENOTREG' });
    let pos = st.size;
    let text = '';
    let bytes = 0;
    // Chunks are joined as bytes are: a chunk boundary may cut a UTF-8 character.
    let pending = Buffer.alloc(0);
    while (pos > 0 && bytes < maxBytes) {
      const want = Math.min(CHUNK_BYTES, pos, maxBytes - bytes);
      pos -= want;
      const chunk = readRange(fd, pos, want);
      bytes += chunk.length;
      pending = Buffer.concat([chunk, pending]);
      const nl = pending.indexOf(0x0a);
      if (nl < 0 && pos > 0) continue;
      // Everything after the first newline is whole lines (the part before may be cut).
      const cut = pos === 0 ? 0 : nl + 1;
      text = pending.toString('utf8', cut) + text;
      pending = pending.subarray(0, cut);
      const end = text.indexOf('\n');
      const first = end < 0 ? text : text.slice(0, end);
      if (first !== '' && olderThanWanted(first)) break;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines, fromStart: pos === 0, mtimeMs: st.mtimeMs, bytes };
  } finally {
    closeSync(fd);
  }
}
