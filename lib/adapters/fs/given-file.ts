// Reading a file a person named (--config, --crontab, $HB_CRONTAB_PATHS, a sink's token_file):
// a link is followed, since the path is theirs, but only a regular file is read, and never more
// than the cap for its kind. A device, FIFO, socket or directory under the name is refused
// before it is opened (an open can have side effects; a FIFO would wait for a writer).

import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { fileKind, readUpTo } from './no-follow.ts';

const { O_RDONLY, O_NONBLOCK, O_NOCTTY } = constants;

/** What kind of file is read, in a message's words ("a crontab"), and the most hb reads of one. */
export interface ReadCap {
  what: string;
  maxBytes: number;
}

/** Why a named file was not read: an errno-style `code` (ENOENT, EACCES, ENOTREG, EFBIG…) and the reason in words, without the path. */
export class GivenFileError extends Error {
  readonly path: string;
  readonly code: string;
  readonly reason: string;
  constructor(path: string, code: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'GivenFileError';
    this.path = path;
    this.code = code;
    this.reason = reason;
  }
}

/** A size as a person reads it: `512 KiB`, `1 MiB`, `3 GiB`, `1.5 GiB`, `100 bytes`. */
export function sizeText(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
};

function fromErrno(path: string, e: unknown): GivenFileError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? 'EIO';
  // Node's own message ends in the system call and the path, which the caller says already.
  return new GivenFileError(path, code, ERRNO_WORDS[code] ?? err.message.split(',')[0]!);
}

/** Refuses anything but a regular file of at most `cap.maxBytes`, by what stat says. */
function refuse(path: string, st: Stats, cap: ReadCap): void {
  const rule = `hb reads ${cap.what} only from a regular file of at most ${sizeText(cap.maxBytes)}`;
  if (!st.isFile()) throw new GivenFileError(path, 'ENOTREG', `is ${fileKind(st)}, not a regular file; ${rule}`);
  if (st.size > cap.maxBytes)
    throw new GivenFileError(path, 'EFBIG', `is ${sizeText(st.size)}, more than ${sizeText(cap.maxBytes)}, the most hb reads of ${cap.what}`);
}

/**
 * Reads the regular file at `path` (links followed) as UTF-8, refusing (GivenFileError) anything
 * else, or a file over `cap.maxBytes`, before reading a byte. The file is asked twice: by name
 * before it is opened, and through the descriptor once open (opened non-blocking and without
 * taking a terminal, should the name have changed in between). At most `cap.maxBytes + 1`
 * bytes are ever read: a file that grows past the cap while read is refused too.
 */
export function readGivenFile(path: string, cap: ReadCap): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw fromErrno(path, e);
  }
  refuse(path, st, cap);
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    throw fromErrno(path, e);
  }
  try {
    refuse(path, fstatSync(fd), cap);
    let bytes: Buffer;
    try {
      bytes = readUpTo(fd, cap.maxBytes + 1);
    } catch (e) {
      throw fromErrno(path, e);
    }
    if (bytes.length > cap.maxBytes) throw new GivenFileError(path, 'EFBIG', `holds more than ${sizeText(cap.maxBytes)}, the most hb reads of ${cap.what}`);
    return bytes.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
