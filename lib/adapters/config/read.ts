// Reads a config file's text with a size cap, so a huge file, /dev/zero or a pipe is refused, not slurped.

import { GivenFileError, readGivenFile } from '../fs/given-file.ts';

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

/**
 * Reads `file` as UTF-8: a regular file (a link to one is fine) of at most `limit` bytes. A FIFO,
 * a device (/dev/zero), a socket or a directory is refused before it is opened, a bigger file by
 * its size before a byte is read (lib/adapters/fs/given-file.ts), so no config costs more than `limit`.
 */
export function readConfigText(file: string, limit = MAX_CONFIG_BYTES): string {
  try {
    return readGivenFile(file, { what: 'a config', maxBytes: limit });
  } catch (e) {
    if (e instanceof GivenFileError) throw new ConfigReadError(e.reason, e.code);
    throw e;
  }
}
