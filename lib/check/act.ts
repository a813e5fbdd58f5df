// The acting part of `hb check`: under the check lock, alerting and dead-man recovery see every
// judged job, then act. A concurrent check finds the lock taken and only reports.

import { join } from 'node:path';
import { allSinks, type HbConfig } from '../rules/config/types.ts';
import type { JobFacts, Judgement } from '../rules/health/evaluate.ts';
import type { JobHealth } from '../rules/health/types.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import { acquireLock } from '../adapters/run/lock.ts';
import { bootId, processStartMs } from '../adapters/run/proc.ts';
import type { CheckEffects } from './effects.ts';
import { startAlerting, type Folds } from './alerting.ts';
import { startRecovery, type RecoveryResult } from './recovery.ts';
import { appendEvents } from '../adapters/events/log.ts';
import { STATE_DIR_MODE } from '../rules/fs/modes.ts';
import { makeDirs } from '../adapters/fs/make-dirs.ts';

/**
 * Called for every judged job (`own`: its verdict before recovery's kept outcome, `final`: after
 * it), then recover() before anything is shown, finish() once at the end, or abort() when the
 * check fails.
 */
export interface Actor {
  observe(facts: JobFacts, own: Judgement, final: Judgement, describe: () => JobHealth): void;
  /** Runs dead-man recovery; the jobs whose verdict it may have changed, and what it did. */
  recover(): Promise<Recovered>;
  /** Alerts; returns lines for stderr and, in a dry run, the plan. */
  finish(complete: boolean, own: HeartbeatRecord | null, folds: Folds | null): Promise<{ warnings: string[]; planned: string[] }>;
  abort(): void;
}

/** What recovery changed: each job's verdict before and after it, and one line per action. */
export interface Recovered {
  jobs: Array<{ job: string; before: Judgement; after: Judgement; describe: () => JobHealth }>;
  actions: string[];
}

/** What the command line allows this check to do. */
export interface ActOptions {
  dryRun: boolean;
  notify: boolean;
  recover: boolean;
}

/** Takes the check lock (not in a dry run) and starts alerting and recovery; null when another check acts. */
export function startActing(config: HbConfig, dir: string, fx: CheckEffects, opts: ActOptions): Actor | null {
  let release: (() => boolean) | null = null;
  if (!opts.dryRun) {
    try {
      makeDirs(join(dir, 'locks'), STATE_DIR_MODE);
      const got = acquireLock(join(dir, 'locks', 'hb-check.lock'), {
        pid: fx.pid,
        started_at: new Date(fx.now()).toISOString(),
        boot_id: bootId(),
        pid_started_ms: processStartMs(fx.pid),
        host: fx.host,
      });
      if (!got.acquired) return null;
      release = got.release;
    } catch (e) {
      fx.warn(`hb: cannot take the check lock in ${dir}: ${(e as Error).message}; not acting`);
      return null;
    }
  }
  let alerting: ReturnType<typeof startAlerting> | null;
  let recovery: ReturnType<typeof startRecovery> | null;
  try {
    alerting = opts.notify && allSinks(config).length > 0 ? startAlerting(config, dir, fx, { dryRun: opts.dryRun }) : null;
    recovery = opts.recover && [...config.jobs.values()].some((j) => j.recover) ? startRecovery(config, dir, fx, { dryRun: opts.dryRun }) : null;
  } catch (e) {
    // A check that cannot start acting lets go of the lock now, not when the next check finds its holder dead.
    release?.();
    throw e;
  }
  let recovered: RecoveryResult = { events: [], notifications: [], warnings: [], planned: [], actions: [], verdicts: [] };
  return {
    observe(facts, own, final, describe) {
      // A job recovery watches is alerted on once recovery has spoken (recover() below).
      if (recovery?.observe(facts, own, final, describe)) return;
      alerting?.observe(facts, final, describe);
    },
    async recover() {
      if (!recovery) return { jobs: [], actions: [] };
      recovered = await recovery.act();
      if (!opts.dryRun && recovered.events.length > 0) appendEvents(dir, recovered.events);
      for (const v of recovered.verdicts) alerting?.observe(v.facts, v.after, v.describe);
      alerting?.add(recovered.notifications);
      return {
        jobs: recovered.verdicts.map((v) => ({ job: v.facts.job, before: v.before, after: v.after, describe: v.describe })),
        actions: recovered.actions,
      };
    },
    async finish(complete, own, folds) {
      try {
        const alerted = alerting ? await alerting.finish(complete, own, folds) : { warnings: [], planned: [] };
        return { warnings: [...recovered.warnings, ...alerted.warnings], planned: [...recovered.planned, ...alerted.planned] };
      } finally {
        release?.();
      }
    },
    abort: () => void release?.(),
  };
}
