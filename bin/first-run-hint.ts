// The hint of a tick or wrap that has just left its job without a schedule. Loaded only then:
// it reads the crontabs, which the ordinary tick never does (start-up is the product's cost).

import { crontabLookup } from '../lib/crontab/lookup.ts';
import { crontabPaths } from '../lib/crontab/sources.ts';
import { unscheduledHint } from '../lib/health/unscheduled.ts';
import type { Io } from './io.ts';
import { currentUser } from './users.ts';

/**
 * The one stderr line for `job`, or null when a crontab line hb check reads gives it a schedule
 * (hb check looks there too, so the job is judged after all).
 */
export function firstRunHint(job: string, io: Io): string | null {
  const fromCrontab = crontabLookup(() => crontabPaths(io.env, currentUser));
  return fromCrontab(job) ? null : unscheduledHint(job);
}
