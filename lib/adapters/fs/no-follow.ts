// Opening files in the state directory without following symbolic links: a link planted there
// (by whoever could write the folder) never makes hb read or append to a file elsewhere.

import { closeSync, constants, fstatSync, openSync, readSync, writeSync, type Stats } from 'node:fs';

const { O_RDONLY, O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** An error with the errno-style code callers already switch on, and a message a person can act on. */
function refusal(path: string, code: string, why: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${path} ${why}`), { code, path });
}

/** Turns the kernel's answer to O_NOFOLLOW (ELOOP) into a message that says what was found. */
function explained(path: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
    return refusal(path, 'ELOOP', 'is a symbolic link; hb does not follow links in its state directory');
  }
  return e;
}

/** Opens `path` to read, never through a link, never blocking on a FIFO or taking a terminal. */
function openForRead(path: string): number {
  try {
    return openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    throw explained(path, e);
  }
}

/** What a directory entry or an open file is, in words, when it is not a regular file. */
export function fileKind(st: {
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The refusal for `path`, which is `kind` (fileKind's words, kept on the error) instead of a regular file. */
function notRegular(path: string, kind: string): NodeJS.ErrnoException {
  const what = kind.startsWith('not ') ? kind : `${kind}, not a regular file`;
  return Object.assign(refusal(path, 'ENOTREG', `is ${what}; hb reads and writes only regular files in its state directory`), { kind });
}

/** Refuses anything but a regular file (a FIFO would block, a device could be anything). */
function regularFile(path: string, fd: number): Stats {
  const st = fstatSync(fd);
  if (!st.isFile()) throw notRegular(path, fileKind(st));
  return st;
}

/**
 * The most hb reads of one state file. A heartbeat with a 1 MiB output tail, escaped, stays far
 * below; a file this big is not hb's, and reading it whole would cost a check its memory.
 */
export const STATE_READ_MAX_BYTES = 16 * 1024 * 1024;

// One buffer for every small read: a heartbeat fits, so reading 10,000 of them is one open,
// one read and one close each.
let scratch: Buffer | null = null;
const SCRATCH_BYTES = 64 * 1024;

/** What a bounded read found: the text (at most the bound) and whether that was the whole file. */
export interface BoundedRead {
  text: string;
  complete: boolean;
}

/**
 * Reads a regular file, at most `maxBytes` of it, refusing a symbolic link (code ELOOP) or
 * anything but a regular file (code ENOTREG). Opened non-blocking and without taking a terminal,
 * so a FIFO or a tty planted under the name never hangs hb. The file type is asked (fstat) only
 * when the first read leaves doubt: nothing read, or more than the scratch buffer holds; a
 * directory fails the read itself. `complete` is false when the file holds more than `maxBytes`.
 */
export function readBoundedNoFollow(path: string, maxBytes: number): BoundedRead {
  const fd = openForRead(path);
  try {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const first = Math.min(SCRATCH_BYTES, maxBytes + 1);
    let n: number;
    try {
      n = readSync(fd, scratch, 0, first, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'EAGAIN') regularFile(path, fd);
      throw e;
    }
    if (n === 0) {
      regularFile(path, fd);
      return { text: '', complete: true };
    }
    if (n < first) return { text: scratch.toString('utf8', 0, n), complete: true };
    regularFile(path, fd);
    // A large file: the rest from where the first read stopped, never more than the bound.
    const all = readUpTo(fd, maxBytes + 1, Buffer.from(scratch.subarray(0, n)));
    return all.length > maxBytes ? { text: all.toString('utf8', 0, maxBytes), complete: false } : { text: all.toString('utf8'), complete: true };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads on from `fd`'s position until the end of the file or until `limit` bytes in all, `head`
 * (bytes already read) included, and never past that: a device or a file that grows while it is
 * read costs at most `limit` bytes.
 */
export function readUpTo(fd: number, limit: number, head: Buffer = Buffer.alloc(0)): Buffer {
  const chunks = head.length > 0 ? [head] : [];
  let total = head.length;
  while (total < limit) {
    const want = Math.min(SCRATCH_BYTES * 16, limit - total);
    const buf = Buffer.allocUnsafe(want);
    const got = readSync(fd, buf, 0, want, null);
    if (got === 0) break;
    chunks.push(buf.subarray(0, got));
    total += got;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** The `length` bytes of `fd` at `position`, or fewer when the file ends first. */
export function readRange(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Reads a whole regular file without following a link (readBoundedNoFollow without a bound). */
export function readFileNoFollow(path: string): string {
  return readBoundedNoFollow(path, Number.MAX_SAFE_INTEGER).text;
}

/** Reads a whole state file of at most STATE_READ_MAX_BYTES; a bigger one is refused (code EFBIG), never read whole. */
export function readStateFileNoFollow(path: string): string {
  const read = readBoundedNoFollow(path, STATE_READ_MAX_BYTES);
  if (!read.complete) throw refusal(path, 'EFBIG', `is larger than ${STATE_READ_MAX_BYTES / 1024 / 1024} MiB; hb reads no state file that big`);
  return read.text;
}

/** A log file opened for appending: its descriptor and what it was when opened. */
export interface AppendHandle {
  fd: number;
  stats: Stats;
  close(): void;
}

/**
 * Opens (creating with `mode`) a log for appending without following a link. Refuses a file
 * with other hard links: one of them may be a file outside the state directory.
 */
export function openAppendNoFollow(path: string, mode: number): AppendHandle {
  let fd: number;
  try {
    // Read access too: the caller may look at the last byte (a line torn by a full disk).
    fd = openSync(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, mode);
  } catch (e) {
    throw explained(path, e);
  }
  try {
    const stats = regularFile(path, fd);
    if (stats.nlink > 1) throw refusal(path, 'EMLINK', `has ${stats.nlink} hard links; hb appends only to a file that is nowhere else`);
    return { fd, stats, close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Writes all of `bytes` to `fd` (an append handle, a new temp file). A write that makes no
 * progress is an error, not a reason to ask again: the loop is bounded by the bytes it moves.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const n = writeSync(fd, bytes, off);
    if (n <= 0) throw Object.assign(new Error(`write made no progress after ${off} of ${bytes.length} bytes`), { code: 'EIO' });
    off += n;
  }
}

/** A regular file opened for reading: its descriptor and what it was when opened. */
export interface ReadHandle {
  fd: number;
  stats: Stats;
  close(): void;
}

/**
 * Opens a regular file for reading in pieces without following a link (code ELOOP) and without
 * blocking on a FIFO or taking a terminal; anything but a regular file is refused (code ENOTREG).
 */
export function openReadNoFollow(path: string): ReadHandle {
  const fd = openForRead(path);
  try {
    return { fd, stats: regularFile(path, fd), close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
