// Reads a config file's text with a size cap, so a huge file, /dev/zero or a pipe is refused, not slurped.

import { GivenFileError, readGivenFile } from '../fs/given-file.ts';

/**
 * The largest config hb reads: some 20,000 jobs written out in full. Parsing holds about 130
 * bytes of memory per byte of an ordinary config (~250 MB at this size; the YAML token cap,
 * lib/rules/config/yaml.ts, bounds odder files alike); a run whose config has not changed reads
 * its compiled form instead (lib/adapters/config/cache.ts) and parses nothing.
 */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

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
