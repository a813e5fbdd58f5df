// A child's output on its way out: read from its pipe into reused buffers, written on to hb's own
// stdout or stderr untouched, and pushed into the tail ring, so that a job printing gigabytes
// costs a read and a write per pipeful and no more memory than a few buffers and the ring.

import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { TailRing } from '../../rules/run/tail.ts';

/** The most one read of a child's pipe takes: more than the ~200 KiB its socket pair holds, so one read empties it. */
export const READ_BYTES = 256 * 1024;

/** How many reads a pipe or socket target may hold in its queue before reading pauses (until half are written). */
const SOCKET_BUFFERS = 4;

/** The net.Socket class, passed in by the caller that already loaded node:net with node:child_process. */
export type SocketClass = typeof Socket;

/** One output stream being relayed; see relayOutput. */
export interface OutputRelay {
  /** Settles when the source has closed and every chunk handed over has been flushed. */
  readonly done: Promise<void>;
  isOpen(): boolean;
  /** Whether reading is paused because the target is full (time that is not the child's). */
  isBlocked(): boolean;
  /** Stops reading (closes the source); `done` still waits for chunks already handed over. */
  abandon(): void;
  /** Removes what the relay attached to the target. */
  detach(): void;
  /** How many bytes were read from the source so far (all of them handed on, unless the target failed). */
  bytes(): number;
}

/**
 * Copies `src` to `target` and into `ring`. A child's pipe (a socket of node:child_process, given
 * `SocketCtor`) is read into reused buffers of READ_BYTES; any other stream through its 'data'
 * events. A target on a file or a device (hb's stdout sent to a file or /dev/null) gets each
 * chunk with write(2) directly while nothing of it is queued. A pipe, socket or terminal gets
 * it through write() without a copy, and reading pauses while SOCKET_BUFFERS reads wait in its
 * queue; any other stream gets a copy, and reading pauses until it drains. So a slow reader
 * holds the child back (it blocks on its pipe) instead of hb buffering. A target that fails
 * (EPIPE: the reader went away) gets nothing more, but `src` is still drained into the ring so
 * the child never blocks on it.
 */
export function relayOutput(src: Readable, target: Writable, ring: TailRing, SocketCtor?: SocketClass): OutputRelay {
  let open = true;
  let unwritten = 0;
  let broken = false;
  let blocked = false;
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => (settle = resolve));
  const check = (): void => {
    if (!open && unwritten === 0) settle();
  };
  const sink = sinkOf(target, SocketCtor);
  let reader: Readable = src;
  const resume = (): void => {
    blocked = false;
    reader.resume();
  };
  const onTargetError = (): void => {
    broken = true;
    resume();
  };
  // A socket target's read buffers: the one being read into, and those its queue still holds.
  let inFlight = 0;
  const spare: Buffer[] = [];
  const nextBuffer = (): Buffer => spare.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
  /** Hands one chunk on (read into `readBuffer`, if reused); false when reading must pause. */
  let read = 0;
  const relay = (chunk: Buffer, readBuffer: Buffer | null): boolean => {
    read += chunk.length;
    ring.push(chunk);
    if (broken || target.destroyed || target.writableEnded) return true;
    let written = 0;
    if (sink.fd !== null && target.writableLength === 0) {
      const direct = writeDirect(sink.fd, chunk);
      written = direct.written;
      if (direct.failed) broken = true;
      if (broken || written === chunk.length) return true;
    }
    unwritten++;
    if (readBuffer && sink.socket) {
      // A socket holds on to the buffer until its write is done: the next read goes into another.
      inFlight++;
      target.write(chunk.subarray(written), () => {
        inFlight--;
        spare.push(readBuffer);
        unwritten--;
        if (blocked && inFlight <= SOCKET_BUFFERS / 2) resume();
        check();
      });
      if (inFlight < SOCKET_BUFFERS) return true;
      blocked = true;
      return false;
    }
    // Any other stream may keep the chunk it was given: it gets its own copy of a reused buffer.
    const rest = readBuffer ? Buffer.from(chunk.subarray(written)) : chunk.subarray(written);
    // Writable calls every callback, with an error if the target is destroyed meanwhile.
    const more = target.write(rest, () => {
      unwritten--;
      check();
    });
    if (more) return true;
    blocked = true;
    target.once('drain', resume);
    return false;
  };
  const owned = SocketCtor ? takeOver(src, SocketCtor, sink.socket ? nextBuffer : nextBuffer(), (n, buf) => relay(buf.subarray(0, n), buf)) : null;
  if (owned) {
    reader = owned;
  } else {
    src.on('data', (chunk: Buffer) => {
      if (!relay(chunk, null)) src.pause();
    });
  }
  reader.on('error', () => {}); // a read error ends in 'close', which is what we wait for
  reader.once('close', () => {
    open = false;
    check();
  });
  target.on('error', onTargetError);
  return {
    done,
    isOpen: () => open,
    isBlocked: () => blocked,
    abandon: () => reader.destroy(),
    detach: () => {
      target.off('error', onTargetError);
      target.off('drain', resume);
    },
    bytes: () => read,
  };
}

/**
 * Moves the pipe under `src` to a new socket that reads into `buffer` (a function: into the
 * buffer it gives after each read), calling `onChunk` for each read (returning false pauses it),
 * as net.Socket's `onread` does; null when `src` is not a socket over a pipe, or has read
 * something already, and must be read as a stream. `src` is left closed, without its pipe.
 */
function takeOver(src: Readable, SocketCtor: SocketClass, buffer: Buffer | (() => Buffer), onChunk: (bytes: number, buf: Buffer) => boolean): Socket | null {
  const holder = src as unknown as { _handle?: unknown };
  const handle = holder._handle;
  if (!(src instanceof SocketCtor) || handle === null || typeof handle !== 'object' || src.readableLength > 0) return null;
  holder._handle = null;
  src.destroy();
  const options = { handle, readable: true, writable: false, onread: { buffer, callback: onChunk } };
  return new SocketCtor(options);
}

/**
 * How to hand chunks to `target`: `fd` when it is on a file or a device, which Node itself
 * writes synchronously, so write(2) directly; `socket` when it is a pipe, socket or terminal
 * (a net.Socket, non-blocking: libuv handles its would-block), which holds a buffer only until
 * its write is done. Any other stream may keep what it is given.
 */
function sinkOf(target: Writable, SocketCtor: SocketClass | undefined): { fd: number | null; socket: boolean } {
  const socket = SocketCtor !== undefined && target instanceof SocketCtor;
  const fd = (target as Writable & { fd?: unknown }).fd;
  return { fd: typeof fd === 'number' && !socket ? fd : null, socket };
}

/** Writes `chunk` to `fd` until it is all written, the descriptor would block (EAGAIN) or fails. */
function writeDirect(fd: number, chunk: Buffer): { written: number; failed: boolean } {
  let written = 0;
  while (written < chunk.length) {
    try {
      written += writeSync(fd, chunk, written, chunk.length - written);
    } catch (err) {
      return { written, failed: (err as NodeJS.ErrnoException).code !== 'EAGAIN' };
    }
  }
  return { written, failed: false };
}
