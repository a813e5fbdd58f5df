// Opening files in the state directory without following symbolic links: a link planted there
// (by whoever could write the folder) never makes hb read or append to a file elsewhere.

import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeSync, type Stats } from 'node:fs';

const { O_RDONLY, O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

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

/** Refuses anything but a regular file (a FIFO would block, a device could be anything). */
function regularFile(path: string, fd: number): Stats {
  const st = fstatSync(fd);
  if (!st.isFile()) throw refusal(path, 'ENOTREG', 'is not a regular file; hb reads and writes only regular files in its state directory');
  return st;
}

// One buffer for every small read: a heartbeat fits, so reading 10,000 of them is one open,
// one read and one close each.
let scratch: Buffer | null = null;
const SCRATCH_BYTES = 64 * 1024;

/**
 * Reads a whole regular file, refusing a symbolic link (code ELOOP) or anything but a regular
 * file (code ENOTREG). Opened non-blocking, so a FIFO planted under the name never hangs hb.
 * The file type is asked (fstat) only when the first read leaves doubt: nothing read, or more
 * than the scratch buffer holds; a directory fails the read itself.
 */
export function readFileNoFollow(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    throw explained(path, e);
  }
  try {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    let n: number;
    try {
      n = readSync(fd, scratch, 0, SCRATCH_BYTES, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'EAGAIN') regularFile(path, fd);
      throw e;
    }
    if (n === 0) {
      regularFile(path, fd);
      return '';
    }
    if (n < SCRATCH_BYTES) return scratch.toString('utf8', 0, n);
    regularFile(path, fd);
    // A large file: the rest from where the first read stopped.
    return Buffer.concat([scratch.subarray(0, n), readFileSync(fd)]).toString('utf8');
  } finally {
    closeSync(fd);
  }
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
    fd = openSync(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
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

/** Writes all of `bytes` at the end of an append handle. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off);
}
