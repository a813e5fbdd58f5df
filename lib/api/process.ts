// What the Node API takes from the process it runs in — environment, clock, host, pid, where its
// warnings go — and the run pipeline's effects built from them, as bin/io.ts and bin/effects.ts
// build the command line's (a check's come from lib/check/effects.ts, shared by both).

import { hostname } from 'node:os';
import type { Context, ContextProcess } from '../adapters/config/context.ts';
import { processExists } from '../adapters/run/proc.ts';
import { hostZone } from '../adapters/schedule/host-zone.ts';
import type { RunEffects } from '../run/pipeline.ts';
import { unscheduledHint } from '../rules/health/unscheduled.ts';

/** The process the API runs in, as the pipelines see it. */
export interface ApiProcess extends ContextProcess {
  host: string;
  pid: number;
  /** One line hb would print on stderr (without its newline). */
  warn(line: string): void;
}

/** The real process, with the caller's environment and warning sink when given. */
export function apiProcess(given: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void }): ApiProcess {
  const env = given.env ?? process.env;
  return {
    env,
    cwd: process.cwd(),
    homedir: env.HOME || '/',
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    now: () => Date.now(),
    localTz: () => hostZone(env.TZ),
    host: hostname(),
    pid: process.pid,
    warn: given.warn ?? ((line) => void process.stderr.write(`${line}\n`)),
  };
}

/** A run's effects in `ctx`: the process's clock, host and pid; no child, so no streams or signals are touched. */
export function apiRunEffects(p: ApiProcess, ctx: Context): RunEffects {
  return {
    now: p.now,
    env: p.env,
    pid: p.pid,
    isAlive: processExists,
    host: p.host,
    newId: () => crypto.randomUUID(),
    localTz: p.localTz,
    warn: p.warn,
    stdout: process.stdout,
    stderr: process.stderr,
    forwardSignals: false,
    // As the command line's: said once, unless a crontab line hb check reads lends the job a schedule.
    unscheduledHint: async (job, dir) => {
      const { checkCrontabLookup } = await import('../adapters/crontab/check-lookup.ts');
      return (await checkCrontabLookup(ctx, p, dir)(job)) ? null : unscheduledHint(job);
    },
  };
}
