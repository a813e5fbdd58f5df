// How long the event log is kept and how big it may grow: rotation and removal decided purely.

/** Limits of the event log. */
export interface LogLimits {
  /** The most one file holds: an append that would cross it goes to a new file. */
  fileBytes: number;
  /** The most all files hold together, the live one included: the oldest rotated files go first. */
  totalBytes: number;
  /** A rotated file whose newest event is older than this is removed (Infinity: never by age). */
  keepMs: number;
}

/** One file, the most a reader takes of any file (STATE_READ_MAX_BYTES): 16 MiB. */
export const FILE_BYTES = 16 * 1024 * 1024;

/** All files together: 512 MiB, a day and a half at 1,000 runs a minute (about 350 MB a day). */
export const TOTAL_BYTES = 512 * 1024 * 1024;

/** `events_keep` when the config does not set it: a week, past `hb report`'s default day. */
export const DEFAULT_KEEP_MS = 7 * 86_400_000;

/**
 * What a writer that does not know the config keeps to: the size caps only. Removal by age is
 * left to those that know `events_keep` (hb check), so a writer never cuts a longer keep short.
 */
export const WRITER_LIMITS: LogLimits = { fileBytes: FILE_BYTES, totalBytes: TOTAL_BYTES, keepMs: Infinity };

/** The limits for a config's `events_keep` (undefined: the default week). */
export function limitsFor(keepMs: number | undefined): LogLimits {
  return { fileBytes: FILE_BYTES, totalBytes: TOTAL_BYTES, keepMs: keepMs ?? DEFAULT_KEEP_MS };
}

/**
 * Whether the live file must be rotated before `adding` more bytes go in: when they would take
 * it past `fileBytes`. An empty file takes any batch, even one bigger than the cap on its own
 * (it then is rotated before the next append), so no event is ever refused for its size.
 */
export function rotateBefore(liveBytes: number, adding: number, fileBytes: number): boolean {
  return liveBytes > 0 && liveBytes + adding > fileBytes;
}

/** A rotated file as seen on disk: its size and when it was last written (its newest event). */
export interface RotatedFile {
  bytes: number;
  mtimeMs: number;
}

/**
 * How many of the rotated files to keep, newest (`.1`) first: the rest, the oldest, are removed.
 * A file is kept while its newest event is at most `keepMs` old and the files kept so far, with
 * room for the live one to fill up to `fileBytes`, stay within `totalBytes`; the first that fails
 * ends the count, since every older file is older still.
 */
export function rotatedToKeep(rotated: readonly RotatedFile[], limits: LogLimits, nowMs: number): number {
  let total = limits.fileBytes;
  for (let i = 0; i < rotated.length; i++) {
    const f = rotated[i]!;
    total += f.bytes;
    if (total > limits.totalBytes || nowMs - f.mtimeMs > limits.keepMs) return i;
  }
  return rotated.length;
}
