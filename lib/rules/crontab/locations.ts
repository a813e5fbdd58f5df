// Where crontab lines live and which of them cron reads: the user's spool file, /etc/crontab
// and /etc/cron.d (run-parts names only), or $HB_CRONTAB_PATHS; decided from names, never read.

import { basename, dirname } from 'node:path';
import type { ReadCap } from '../../adapters/fs/given-file.ts';
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
