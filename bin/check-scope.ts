// What check, status and report judge, gathered from the command line and the process: the named
// jobs, the config, the state directories root trusts, and the crontab lookup.

import type { CheckScope } from '../lib/check/evaluate.ts';
import { UsageError } from '../lib/rules/errors.ts';
import { validateJobName } from '../lib/rules/job-name.ts';
import { stateDirsToRead } from '../lib/adapters/state/dir.ts';
import { loadContext, type GlobalOptions } from './context.ts';
import { checkCrontabLookup } from './crontab-lookup.ts';
import type { Io } from './io.ts';
import { trustedDirs } from './untrusted.ts';

/** Checks the job names, loads the config and picks the state directories (exit 2 when root trusts none). */
export async function readCheckScope(jobs: string[], opts: GlobalOptions, io: Io): Promise<CheckScope> {
  for (const job of jobs) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const ctx = await loadContext(opts, io, undefined, 'all');
  const read = stateDirsToRead(ctx.state);
  const dirs = trustedDirs(read);
  return { jobs, config: ctx.config, dirs, untrusted: read.untrusted, crontab: checkCrontabLookup(ctx, io, dirs[0]!) };
}
