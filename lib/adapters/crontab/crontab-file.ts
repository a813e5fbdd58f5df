// A crontab file as `hb crontab` reads and replaces it: a regular file under the crontab cap,
// written atomically and never through a link, its owner and mode kept or set.

import { statSync } from 'node:fs';
import { HbError, UsageError } from '../../rules/errors.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { GivenFileError, readGivenFile } from '../fs/given-file.ts';
import { outputRefusal } from '../fs/output-path.ts';
import type { FileOwnership } from '../../rules/crontab/backup-manifest.ts';
import { CRONTAB_CAP } from '../../rules/crontab/locations.ts';

/** A crontab file's text and its stat's mode (all bits), owner and group. */
export interface CrontabFile {
  text: string;
  mode: number;
  uid: number;
  gid: number;
}

/** Owner, group and mode to write a crontab file with; each left out is the writer's default (mode 0644). */
export type WriteMeta = Partial<FileOwnership>;

/** A crontab file's text and what it is, or null when there is none; `flag` says whose path it is in a refusal (exit 2). */
export function readCrontabFile(path: string, flag: string): CrontabFile | null {
  try {
    const text = readGivenFile(path, CRONTAB_CAP);
    const st = statSync(path);
    return { text, mode: st.mode, uid: st.uid, gid: st.gid };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (e instanceof GivenFileError) throw new UsageError(`${flag} ${path}: ${e.reason}`);
    throw new HbError(`crontab: cannot read ${path}: ${code ?? (e as Error).message}`, 2);
  }
}

/** The permission bits, owner and group of the file at `path` now. */
export function fileOwnership(path: string): FileOwnership {
  const st = statSync(path);
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Replaces the crontab file at `path` with `text` atomically (fsynced, directory too); never a link or anything but a regular file. */
export function writeCrontabFile(path: string, text: string, meta: WriteMeta): void {
  // The last word before a crontab is replaced: never a link or anything but a regular file.
  const refusal = outputRefusal(path);
  if (refusal) throw new HbError(`crontab: cannot write ${path}: it ${refusal}`, 2);
  try {
    writeAtomic(path, text, {
      fsync: true,
      mode: meta.mode ?? 0o644,
      syncDir: true,
      ...(meta.uid === undefined ? {} : { owner: { uid: meta.uid, gid: meta.gid! } }),
    });
  } catch (e) {
    throw new HbError(`crontab: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
}
