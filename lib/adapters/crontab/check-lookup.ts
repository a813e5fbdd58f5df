// hb check's crontab lookup wired to this process: the crontabs of the user running hb (its own
// through crontab(1) where the spool file is root's to read), and who checks which state
// directory, for the rule that lets a line lend its schedule (lib/rules/crontab/lend.ts).

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { crontabLookup, type CrontabLookup } from '../../rules/crontab/lookup.ts';
import { crontabPaths } from '../../rules/crontab/locations.ts';
import { readCrontabs } from './sources.ts';
import { cachedCrontab } from './user-cache.ts';
import { configStateDir, type Context, type ContextProcess } from '../config/context.ts';
import { readUserCrontab } from './user-crontab.ts';
import { currentUser } from '../users/current.ts';
import { readUsers } from '../users/passwd.ts';

/**
 * The lookup for a check in `ctx` that writes to `primary` (where crontab(1)'s answer is kept):
 * nothing is read, asked or spawned until a job needs it.
 */
export function checkCrontabLookup(ctx: Context, io: Pick<ContextProcess, 'env' | 'isRoot' | 'cwd'>, primary: string): CrontabLookup {
  let user: string | undefined;
  const me = () => (user ??= currentUser());
  // crontab(1) missing, failing or refusing this user (cron.allow): the system crontabs still count.
  const own = async (owner: string, spool: string) =>
    owner === me() ? cachedCrontab(primary, owner, dirname(spool), () => readUserCrontab(undefined)).catch(() => null) : null;
  const configDir = configStateDir(ctx.config) ?? null;
  return crontabLookup(
    () => readCrontabs(crontabPaths(io.env, me), own),
    () => ({
      user: me(),
      isRoot: io.isRoot,
      home: readUsers().homes.get(me()) ?? null,
      stateDir: ctx.state.dir,
      config: { file: ctx.config.file === null ? null : resolve(io.cwd, ctx.config.file), stateDir: configDir },
      exists: existsSync,
    }),
  );
}
