// Reads a config file's text with a size cap, so a huge file, /dev/zero or an endless pipe is refused, not slurped.

import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The largest config hb reads: 3,000 jobs written out in full. yaml holds about 150 bytes of
 * memory per byte of text it reads, so this also bounds a check's memory (~100 MB at worst).
 */
export const MAX_CONFIG_BYTES = 512 * 1024;

/** Why a config file could not be read, for the message; `code` is the errno code when there is one. */
export class ConfigReadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'ConfigReadError';
    this.code = code;
  }
}

const errnoText = (e: NodeJS.ErrnoException) =>
  e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;

const sizeText = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

/**
 * Reads `file` as UTF-8, at most `limit` bytes. Reads in chunks rather than trusting the size
 * from stat: pipes and devices (`--config <(…)`, /dev/zero) report none.
 */
export function readConfigText(file: string, limit = MAX_CONFIG_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new ConfigReadError(errnoText(e as NodeJS.ErrnoException), (e as NodeJS.ErrnoException).code);
  }
  try {
    const buf = Buffer.allocUnsafe(limit + 1);
    let used = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, used, buf.length - used, null);
      } catch (e) {
        throw new ConfigReadError(errnoText(e as NodeJS.ErrnoException), (e as NodeJS.ErrnoException).code);
      }
      if (n === 0) break;
      used += n;
      if (used > limit) {
        throw new ConfigReadError(`larger than ${sizeText(limit)}, the most hb reads from a config file (is it the right file?)`);
      }
    }
    return buf.toString('utf8', 0, used);
  } finally {
    closeSync(fd);
  }
}
