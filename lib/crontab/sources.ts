// Where crontab lines live and which of them cron reads: the user's spool file, /etc/crontab
// and /etc/cron.d (run-parts names only, never group/other-writable), or $HB_CRONTAB_PATHS.

import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readGivenFile, type ReadCap } from '../fs/given-file.ts';
import type { CrontabKind } from './parse.ts';

/**
 * The most hb reads of one crontab: 1 MiB, some 10,000 lines of 100 characters, far past any
 * real one. A file, or `crontab -l`'s output, over it is refused rather than read.
 */
export const CRONTAB_CAP: ReadCap = { what: 'a crontab', maxBytes: 1024 * 1024 };

/** The system's crontab locations on Debian: the user's own crontab (none for ''), then the system's. */
export function defaultCrontabPaths(user: string): string[] {
  return [...(user && !user.includes('/') ? [`/var/spool/cron/crontabs/${user}`] : []), '/etc/crontab', '/etc/cron.d'];
}

/**
 * The paths to read: `$HB_CRONTAB_PATHS` when set (colon-separated files and directories; empty
 * means none — an ops and test override), else the defaults for `user` (asked only then).
 */
export function crontabPaths(env: { HB_CRONTAB_PATHS?: string | undefined }, user: () => string): string[] {
  const override = env.HB_CRONTAB_PATHS;
  if (override === undefined) return defaultCrontabPaths(user());
  return override.split(':').filter(Boolean);
}

/** Whether cron reads a file of this name in /etc/cron.d (run-parts: letters, digits, `_`, `-`). */
export function cronDNameOk(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}

/** A file in a directory named `crontabs` (the spool) is a user crontab; any other is a system one. */
export function crontabKindOf(path: string): CrontabKind {
  return basename(dirname(path)) === 'crontabs' ? 'user' : 'system';
}

/** A crontab's text and how to read it. */
export interface CrontabText {
  path: string;
  kind: CrontabKind;
  /** A user crontab's owner (the spool file's name); null for a system crontab. */
  owner: string | null;
  text: string;
}

/** A user's crontab from crontab(1), for a spool file (`path`) hb may not read: the text, or null when there is none. */
export type CrontabReader = (owner: string, path: string) => Promise<string | null>;

/**
 * Reads the crontabs cron runs among `paths`: a directory as cron reads /etc/cron.d (names cron
 * ignores and group/other-writable files skipped, in name order), a file as it is (a regular
 * file of at most CRONTAB_CAP; anything else is never opened). A user
 * crontab that exists but cannot be read (only root and crontab(1) read Debian's spool) is asked
 * of `unreadable` when given. Whatever else cannot be read is skipped: the lookup reads what it
 * can, `hb doctor` reports the rest.
 */
export async function readCrontabs(paths: readonly string[], unreadable?: CrontabReader): Promise<CrontabText[]> {
  const out: CrontabText[] = [];
  const read = async (path: string, kind: CrontabKind) => {
    const owner = kind === 'user' ? basename(path) : null;
    try {
      out.push({ path, kind, owner, text: readGivenFile(path, CRONTAB_CAP) });
    } catch (e) {
      // A spool file hb may not read is asked of crontab(1); one that is not there, or is a
      // FIFO, a device or over the cap, is skipped: crontab(1) would read the same file.
      const code = (e as NodeJS.ErrnoException).code;
      if (owner === null || !unreadable || code === 'ENOENT' || code === 'ENOTREG' || code === 'EFBIG') return;
      const text = await unreadable(owner, path);
      if (text !== null) out.push({ path, kind, owner, text });
    }
  };
  for (const path of paths) {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      await read(path, crontabKindOf(path));
      continue;
    }
    for (const name of names) {
      const file = join(path, name);
      if (!cronDNameOk(name)) continue;
      try {
        const st = statSync(file);
        if (!st.isFile() || (st.mode & 0o022) !== 0) continue;
      } catch {
        continue;
      }
      await read(file, 'system');
    }
  }
  return out;
}
