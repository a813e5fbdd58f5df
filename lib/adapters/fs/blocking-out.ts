// Writes to a descriptor that may be a pipe hb must not outrun: everything is written before the
// call returns, so a big output (a report, a check of 100,000 jobs) is never queued in memory.

import { writeSync } from 'node:fs';
import { pauseSync } from './pause.ts';

/** How long to wait, at most, before asking a full pipe again. */
const MAX_WAIT_MS = 20;

/**
 * A writer for `fd` (hb's stdout). Node puts a pipe on stdout into non-blocking mode and queues
 * what the reader has not taken yet, without bound; this writer instead waits while the pipe is
 * full (EAGAIN), as a blocking write would. Once the reader has gone (EPIPE) it writes nothing
 * more and returns false, as `cat` stops; any other error is thrown.
 */
export function blockingWriter(fd: number, write: typeof writeSync = writeSync): (text: string) => boolean {
  let closed = false;
  return (text) => {
    if (closed) return false;
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    let wait = 1;
    while (off < bytes.length) {
      try {
        off += write(fd, bytes, off, bytes.length - off);
        wait = 1;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          closed = true;
          return false;
        }
        if (code !== 'EAGAIN') throw e;
        pauseSync(wait);
        wait = Math.min(wait * 2, MAX_WAIT_MS);
      }
    }
    return true;
  };
}
