// Quiet mode's holding place for a child's output (`hb wrap --quiet`, `quiet: true`): stdout and
// stderr each go to a file in a private directory under the temp dir, unlinked as soon as it is
// open, so output of any size costs disk rather than hb's memory, and nothing is left behind
// however hb ends (even SIGKILL). The output is written out later only if the run failed.

import { closeSync, constants, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { TailRing } from '../../rules/run/tail.ts';
import { relayOutput } from './relay.ts';

const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** How much of a spool file one read takes on replay. */
const REPLAY_BYTES = 256 * 1024;

/** The child's two streams, held until the run's outcome is known. */
export interface OutputSpool {
  /** What the child's stdout is relayed to. */
  readonly stdout: Writable;
  /** What the child's stderr is relayed to. */
  readonly stderr: Writable;
  /** Writes the held stdout to `stdout` and the held stderr to `stderr`, each whole and in order; settles once written. */
  replay(stdout: Writable, stderr: Writable): Promise<void>;
  /** Why some output could not be held (a full disk), or null when all of it was. */
  problem(): string | null;
  /** Frees the files (their space goes with their descriptors). */
  close(): void;
}

/**
 * Opens the spool under `tmp` (default: the temp dir, $TMPDIR or /tmp): a directory only hb's
 * user can enter, two files of mode 0600 created there and unlinked at once, then the directory
 * removed. Throws (with the path and the errno) when the temp dir refuses; nothing stays behind.
 */
export async function openSpool(tmp: string = tmpdir()): Promise<OutputSpool> {
  // node:stream is already loaded with node:child_process; imported here to keep it off a ping's path.
  const { Readable, Writable } = await import('node:stream');
  const dir = mkdtempSync(join(tmp, 'hb-quiet-'));
  const fds: number[] = [];
  try {
    for (const name of ['stdout', 'stderr']) {
      const path = join(dir, name);
      fds.push(openSync(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
      unlinkSync(path);
    }
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    throw e;
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // Left only if a file in it could not be unlinked: the error above says why.
    }
  }
  let lost: string | null = null;
  let lostBytes = 0;
  const writer = (fd: number): Writable =>
    new Writable({
      // Each write is done before write() returns: no queue builds up, so never ask to wait.
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _encoding, done) {
        let at = 0;
        if (lost === null) {
          try {
            while (at < chunk.length) at += writeSync(fd, chunk, at, chunk.length - at);
          } catch (e) {
            lost = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
          }
        }
        // Past a failure the rest is counted and dropped, so the child never blocks on its pipe.
        lostBytes += chunk.length - at;
        done();
      },
    });
  const [outFd, errFd] = fds as [number, number];
  return {
    stdout: writer(outFd),
    stderr: writer(errFd),
    replay: async (stdout, stderr) => {
      await copyOut(fileReader(Readable, outFd), stdout);
      await copyOut(fileReader(Readable, errFd), stderr);
    },
    problem: () => (lost === null ? null : `${lostBytes} bytes of output could not be held in ${tmp} (${lost}) and are missing`),
    close: () => {
      for (const fd of fds) {
        try {
          closeSync(fd);
        } catch {
          // Already closed: nothing to free.
        }
      }
    },
  };
}

/** A stream of the spool file at `fd` from its start, read by position (the descriptor stays open). */
function fileReader(ReadableClass: typeof Readable, fd: number): Readable {
  let at = 0;
  return new ReadableClass({
    read() {
      // A fresh buffer per read: the relay may hand it to a target that keeps it.
      const buf = Buffer.allocUnsafe(REPLAY_BYTES);
      try {
        const n = readSync(fd, buf, 0, REPLAY_BYTES, at);
        at += n;
        this.push(n > 0 ? buf.subarray(0, n) : null);
      } catch (e) {
        this.destroy(e as Error);
      }
    },
  });
}

/** Copies `src` to `target` through the output relay: on a file written directly, on a pipe waiting while it is full, and a reader that went away ends it quietly. */
async function copyOut(src: Readable, target: Writable): Promise<void> {
  const relay = relayOutput(src, target, new TailRing(0));
  try {
    await relay.done;
  } finally {
    relay.detach();
  }
}
