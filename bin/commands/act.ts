// The acting part of `hb check`: under the check lock, alerting and dead-man recovery see every
// judged job, then act. A concurrent check finds the lock taken and only reports.

import { join } from 'node:path';
import { allSinks, type HbConfig } from '../../lib/config/types.ts';
import type { JobFacts, Judgement } from '../../lib/health/evaluate.ts';
import type { JobHealth } from '../../lib/health/types.ts';
import type { HeartbeatRecord } from '../../lib/heartbeat/record.ts';
import { acquireLock } from '../../lib/run/lock.ts';
import { bootId, processStartMs } from '../../lib/run/proc.ts';
import type { Io } from '../io.ts';
import { startAlerting } from './alerting.ts';
import { startRecovery } from './recovery.ts';
import { appendEvents } from '../../lib/events/log.ts';
import { STATE_DIR_MODE } from '../../lib/state/modes.ts';
import { makeDirs } from '../../lib/fs/make-dirs.ts';

/** Called for every judged job, then once at the end (or abort when the check fails). */
export interface Actor {
  observe(facts: JobFacts, j: Judgement, describe: () => JobHealth): void;
  /** Acts; returns lines for stderr and, in a dry run, the plan. */
  finish(complete: boolean, own: HeartbeatRecord | null): Promise<{ warnings: string[]; planned: string[] }>;
  abort(): void;
}

/** What the command line allows this check to do. */
export interface ActOptions {
  dryRun: boolean;
  notify: boolean;
  recover: boolean;
}

/** Takes the check lock (not in a dry run) and starts alerting and recovery; null when another check acts. */
export function startActing(config: HbConfig, dir: string, io: Io, opts: ActOptions): Actor | null {
  let release: (() => boolean) | null = null;
  if (!opts.dryRun) {
    try {
      makeDirs(join(dir, 'locks'), STATE_DIR_MODE);
      const got = acquireLock(join(dir, 'locks', 'hb-check.lock'), { pid: io.pid, started_at: new Date(io.now()).toISOString(), boot_id: bootId(), pid_started_ms: processStartMs(io.pid), host: io.host });
      if (!got.acquired) return null;
      release = got.release;
    } catch (e) {
      io.err(`hb: cannot take the check lock in ${dir}: ${(e as Error).message}; not acting\n`);
      return null;
    }
  }
  const alerting = opts.notify && allSinks(config).length > 0 ? startAlerting(config, dir, io, { dryRun: opts.dryRun }) : null;
  const recovery = opts.recover && [...config.jobs.values()].some((j) => j.recover) ? startRecovery(config, dir, io, { dryRun: opts.dryRun }) : null;
  return {
    observe(facts, j, describe) {
      alerting?.observe(facts, j, describe);
      recovery?.observe(facts, j, describe);
    },
    async finish(complete, own) {
      try {
        // Recovery first: what it did (or could not do) goes out with this check's alerts.
        const recovered = recovery ? await recovery.act() : { events: [], notifications: [], warnings: [], planned: [] };
        if (!opts.dryRun && recovered.events.length > 0) appendEvents(dir, recovered.events);
        alerting?.add(recovered.notifications);
        const alerted = alerting ? await alerting.finish(complete, own) : { warnings: [], planned: [] };
        return { warnings: [...recovered.warnings, ...alerted.warnings], planned: [...recovered.planned, ...alerted.planned] };
      } finally {
        release?.();
      }
    },
    abort: () => void release?.(),
  };
}
