// `<state>/history/<job>.failed.jsonl`: the output of a job's last failed runs, kept when a run
// fails and read back by `hb log --output`, `hb status JOB` and `hb report`. Replaced whole on
// each write (bounded: ten entries, 16 MiB), never written or read through a link.

import { lstatSync } from 'node:fs';
import { writeAtomic } from '../fs/atomic.ts';
import { readBoundedNoFollow } from '../fs/no-follow.ts';
import { HISTORY_FILE_MODE, historyDir, historyPath, openHistoryDir } from './dir.ts';
import type { HeartbeatRecord } from '../../rules/heartbeat/record.ts';
import { validateJobName } from '../../rules/job-name.ts';
import {
  FAILED_OUTPUT_FILE_MAX_BYTES,
  failedOutputLine,
  failedOutputOf,
  keptFailedLines,
  parseFailedOutput,
  parseFailedOutputs,
  type FailedOutput,
} from '../../rules/history/failed-output.ts';

/** The file's text, at most the bound (a longer file's last line is cut, and then not an entry); '' when there is none. */
function readText(path: string): string {
  try {
    return readBoundedNoFollow(path, FAILED_OUTPUT_FILE_MAX_BYTES).text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/**
 * Keeps the output of `record`'s run when it failed (nothing otherwise): the file's entries plus
 * this one, the newest ten within 16 MiB, written atomically (0600, in the 0700 history folder).
 * Throws when it cannot (the caller warns; the heartbeat is already written). Two runs of one job
 * failing at the same instant may keep only one of them: each replaces the file it read.
 */
export function keepFailedOutput(stateDir: string, record: HeartbeatRecord): boolean {
  const entry = failedOutputOf(record);
  if (entry === null) return false;
  const problem = validateJobName(record.job);
  if (problem) throw Object.assign(new Error(problem), { code: 'EINVAL' });
  openHistoryDir(stateDir);
  const path = historyPath(stateDir, record.job, 'failed');
  const lines: string[] = [];
  for (const line of readText(path).split('\n')) if (line !== '' && parseFailedOutput(line) !== null) lines.push(line + '\n');
  lines.push(failedOutputLine(entry));
  writeAtomic(path, keptFailedLines(lines), { fsync: false, mode: HISTORY_FILE_MODE });
  return true;
}

/**
 * The kept output of `job`'s last failed runs, oldest first; [] when none was kept. A history
 * folder or file that is a link, or not what hb makes, is refused (thrown), never followed.
 */
export function readFailedOutputs(stateDir: string, job: string): FailedOutput[] {
  // A name from the event log is not trusted to be one: it never makes a path outside history/.
  const problem = validateJobName(job);
  if (problem) throw Object.assign(new Error(problem), { code: 'EINVAL' });
  const dir = historyDir(stateDir);
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) throw Object.assign(new Error(`${dir} is a symbolic link; hb does not follow links in its state directory`), { code: 'ELOOP' });
    if (!st.isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseFailedOutputs(readText(historyPath(stateDir, job, 'failed')));
}
