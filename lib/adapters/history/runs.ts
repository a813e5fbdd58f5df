// `<state>/history/<job>.runs.jsonl`: one line per finished run with a command, appended under a
// short lock and cut back to the last RUNS_KEPT runs when it has grown to about twice that, so
// the history a baseline learns from outlives the event log's rotation and never grows unbounded.

import { fchmodSync } from 'node:fs';
import { withFileLock } from '../events/lock.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { openAppendNoFollow, openReadNoFollow, readRange, writeAll } from '../fs/no-follow.ts';
import { formatRunLine, parseRunLines, RUNS_KEPT, RUNS_TRIM_BYTES, type RunLine } from '../../rules/history/runs.ts';
import { HISTORY_FILE_MODE, historyPath, openHistoryDir } from './dir.ts';

/** The most of the file's end read back: RUNS_KEPT lines of up to 320 bytes (hb's are about 110). */
export const RUNS_READ_BYTES = 64 * 1024;

/**
 * Appends one run to the job's history, creating the folder and file as needed (0700, 0600).
 * The append and a trim hold `<job>.runs.jsonl.lock`, so a line is never written to a file being
 * replaced, and concurrent runs of the job never tear each other's lines. Throws what failed;
 * the caller says it in one line and the run goes on.
 */
export function appendRun(stateDir: string, job: string, run: RunLine, now: () => number = Date.now): void {
  openHistoryDir(stateDir);
  const path = historyPath(stateDir, job, 'runs');
  const bytes = Buffer.from(formatRunLine(run));
  withFileLock(
    `${path}.lock`,
    () => {
      const file = openAppendNoFollow(path, HISTORY_FILE_MODE);
      try {
        // A new file gets its mode exactly, whatever the umask took away.
        if ((file.stats.mode & 0o777) !== HISTORY_FILE_MODE && file.stats.size === 0) fchmodSync(file.fd, HISTORY_FILE_MODE);
        writeAll(file.fd, bytes);
      } finally {
        file.close();
      }
      if (file.stats.size + bytes.length > RUNS_TRIM_BYTES) trimRuns(path);
    },
    now,
  );
}

/** The job's last RUNS_KEPT runs, oldest first; none when it has no history yet. Throws on a link or an unreadable file. */
export function readRuns(stateDir: string, job: string): RunLine[] {
  let text: string;
  try {
    text = readEnd(historyPath(stateDir, job, 'runs'), RUNS_READ_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseRunLines(text, RUNS_KEPT);
}

/** Rewrites the file as its last RUNS_KEPT runs, atomically (its caller holds the lock). */
function trimRuns(path: string): void {
  const kept = parseRunLines(readEnd(path, RUNS_READ_BYTES), RUNS_KEPT);
  writeAtomic(path, kept.map(formatRunLine), { fsync: false, mode: HISTORY_FILE_MODE });
}

/** The last `maxBytes` of a regular file (never through a link), starting at a whole line. */
function readEnd(path: string, maxBytes: number): string {
  const file = openReadNoFollow(path);
  try {
    const size = file.stats.size;
    const from = Math.max(0, size - maxBytes);
    const text = readRange(file.fd, from, size - from).toString('utf8');
    // Cut mid-file: the first line is a part of one.
    return from === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    file.close();
  }
}
