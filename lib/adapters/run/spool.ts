// Quiet mode's holding place for a child's output (`hb wrap --quiet`, `quiet: true`): stdout and
// stderr each go to a file in a private directory under the temp dir, unlinked as soon as it is
// open, so output of any size costs disk rather than hb's memory, and nothing is left behind
// however hb ends (even SIGKILL). The output is written out later only if the run failed.

import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

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
  /** What is missing of the output, given how many bytes the child wrote to each stream (a full disk), or null when all of it was held. */
  missing(written: { stdout: number; stderr: number }): string | null;
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
  const { Writable } = await import('node:stream');
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
  const [outFd, errFd] = fds as [number, number];
  return {
    stdout: spoolWriter(Writable, outFd),
    stderr: spoolWriter(Writable, errFd),
    replay: async (stdout, stderr) => {
      await copyOut(outFd, stdout);
      await copyOut(errFd, stderr);
    },
    missing: (written) => {
      const lost = written.stdout - fstatSync(outFd).size + (written.stderr - fstatSync(errFd).size);
      return lost > 0 ? `${lost} bytes of the output could not be written to ${tmp} (full, or over a file size limit) and are missing` : null;
    },
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

/**
 * The target a child's stream is relayed to: its `fd` makes the relay write each chunk straight
 * to the file with write(2), without a copy (lib/adapters/run/relay.ts); `write` is only the
 * stream form of the same. A write that fails (a full disk) loses what it could not write, as
 * the relay does for any target; `missing` counts it afterwards.
 */
function spoolWriter(WritableClass: typeof Writable, fd: number): Writable {
  const writer = new WritableClass({
    write(chunk: Buffer, _encoding, done) {
      try {
        for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
      } catch {
        // Counted by `missing`: the file is shorter than what the child wrote.
      }
      done();
    },
  });
  return Object.assign(writer, { fd });
}

/**
 * Writes the spool file at `fd`, from its start, to `target`, one read at a time through one
 * buffer, each read written before the next is made (so a slow reader holds the replay back, and
 * memory stays one buffer whatever the size). A target that fails (EPIPE: the reader went away)
 * ends it quietly, as the relay treats a target that fails while the child runs.
 */
async function copyOut(fd: number, target: Writable): Promise<void> {
  const buf = Buffer.allocUnsafe(REPLAY_BYTES);
  let failed = false;
  const onError = (): void => {
    failed = true;
  };
  target.on('error', onError);
  try {
    for (let at = 0; !failed && !target.destroyed;) {
      const n = readSync(fd, buf, 0, REPLAY_BYTES, at);
      if (n === 0) break;
      at += n;
      // Writable calls back every write, with an error when the target failed or was destroyed.
      await new Promise<void>((resolve) => target.write(buf.subarray(0, n), (err) => resolve(void (failed ||= Boolean(err)))));
    }
  } finally {
    target.off('error', onError);
  }
}
