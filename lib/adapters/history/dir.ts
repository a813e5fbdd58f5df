// `<state>/history`: the per-job history files (runs, failed runs' output). The one place that
// names the folder and creates it: owner-only (0700), never through a symbolic link, so a link
// planted there never sends a run's history, or root's appends, anywhere else.

import { chmodSync, constants, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileKind } from '../fs/no-follow.ts';

/** The folder's mode: history holds output tails, which can hold secrets. */
export const HISTORY_DIR_MODE = 0o700;

/** The mode of every file in it: owner-only, like the folder. */
export const HISTORY_FILE_MODE = 0o600;

/** The kinds of per-job history file: one line per run, or the last failed runs with their output. */
export type HistoryKind = 'runs' | 'failed';

/** Every kind, for those that remove a job's history (`hb forget`). */
export const HISTORY_KINDS: readonly HistoryKind[] = ['runs', 'failed'];

/** `<state>/history`. */
export const historyDir = (stateDir: string): string => join(stateDir, 'history');

/** `<state>/history/<job>.<kind>.jsonl` (the job name is already safe as a file name). */
export const historyPath = (stateDir: string, job: string, kind: HistoryKind): string => join(historyDir(stateDir), `${job}.${kind}.jsonl`);

/**
 * Creates `<state>/history` when missing (0700; the state directory must exist) and returns it.
 * An existing one must be a real directory, not a link to one (code ELOOP) nor anything else
 * (ENOTDIR), and writable by its owner alone (EPERM): the files in it are opened without
 * following links, so a folder only hb can change is all that stands between them and others.
 */
export function openHistoryDir(stateDir: string): string {
  const dir = historyDir(stateDir);
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    try {
      mkdirSync(dir, { mode: HISTORY_DIR_MODE });
      chmodSync(dir, HISTORY_DIR_MODE); // exactly, whatever the umask took away
      return dir;
    } catch (made) {
      if ((made as NodeJS.ErrnoException).code !== 'EEXIST') throw made;
      st = lstatSync(dir); // made by a run at the same moment: judged like any other
    }
  }
  if (st.isSymbolicLink()) throw refusal(dir, 'ELOOP', 'is a symbolic link; hb keeps history only in a real folder of its state directory');
  if (!st.isDirectory()) throw refusal(dir, 'ENOTDIR', `is ${st.isFile() ? 'a file' : fileKind(st)}, expected a folder`);
  if ((st.mode & (constants.S_IWGRP | constants.S_IWOTH)) !== 0) {
    throw refusal(dir, 'EPERM', `is writable by others (mode ${(st.mode & 0o777).toString(8)}); expected ${HISTORY_DIR_MODE.toString(8)}`);
  }
  return dir;
}

function refusal(path: string, code: string, why: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${path} ${why}`), { code, path });
}
