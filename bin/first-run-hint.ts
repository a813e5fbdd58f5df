// The hint of a tick or wrap that has just left its job without a schedule. Loaded only then:
// it reads the crontabs, which the ordinary tick never does (start-up is the product's cost).

import { unscheduledHint } from '../lib/rules/health/unscheduled.ts';
import type { Context } from './context.ts';
import { checkCrontabLookup } from '../lib/adapters/crontab/check-lookup.ts';
import type { Io } from './io.ts';

/**
 * The one stderr line for `job`, or null when a crontab line hb check would lend a schedule to
 * it (the same lookup, for the same user and state directory). `dir` is where the run wrote.
 */
export async function firstRunHint(job: string, ctx: Context, io: Io, dir: string): Promise<string | null> {
  const fromCrontab = checkCrontabLookup(ctx, io, dir);
  return (await fromCrontab(job)) ? null : unscheduledHint(job);
}
