// hb check's crontab lookup wired to this process: the crontabs of the user running hb, its own
// through crontab(1) where the spool file is root's to read.

import { crontabLookup, type CrontabLookup } from '../lib/crontab/lookup.ts';
import { crontabPaths, readCrontabs } from '../lib/crontab/sources.ts';
import type { Io } from './io.ts';
import { readUserCrontab } from './user-crontab.ts';
import { currentUser } from './users.ts';

/** The lookup for a check: nothing is read, asked or spawned until a job needs it. */
export function checkCrontabLookup(io: Io): CrontabLookup {
  let user: string | undefined;
  const me = () => (user ??= currentUser());
  // crontab(1) missing, failing or refusing this user (cron.allow): the system crontabs still count.
  const own = async (owner: string) => (owner === me() ? readUserCrontab(undefined).catch(() => null) : null);
  return crontabLookup(() => readCrontabs(crontabPaths(io.env, me), own));
}
