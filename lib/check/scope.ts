// What check, status, report and the Node API's check judge: the named jobs checked, the config
// loaded, the state directories root trusts, and the crontab lookup.

import type { CheckScope } from './evaluate.ts';
import { HbError, UsageError } from '../rules/errors.ts';
import { validateJobName } from '../rules/job-name.ts';
import { stateDirsToRead, type StateDirsToRead } from '../adapters/state/dir.ts';
import { loadContext, type ContextOptions, type ContextProcess } from '../adapters/config/context.ts';
import { checkCrontabLookup } from '../adapters/crontab/check-lookup.ts';

/** Checks the job names, loads the config and picks the state directories (exit 2 when root trusts none). */
export async function readCheckScope(jobs: string[], opts: ContextOptions, io: ContextProcess): Promise<CheckScope> {
  for (const job of jobs) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const ctx = await loadContext(opts, io, undefined, 'all');
  const read = stateDirsToRead(ctx.state);
  const dirs = trustedDirs(read);
  return { jobs, config: ctx.config, dirs, untrusted: read.untrusted, crontab: checkCrontabLookup(ctx, io, dirs[0]!) };
}

/** The directories to read; when root can trust none of them there is nothing to judge, and it says why (exit 2). */
export function trustedDirs(read: StateDirsToRead): string[] {
  if (read.dirs.length > 0) return read.dirs;
  throw new HbError(`no state directory root can trust: ${read.untrusted.map((u) => `${u.dir}: ${u.why} (fix: ${u.fix})`).join('; ')}`, 2);
}
