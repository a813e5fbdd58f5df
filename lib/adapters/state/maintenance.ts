// `hb pause`, `hb resume` and `hb forget` in a state directory: finding the job (it must exist),
// then the pause file, the removed files and the event each leaves in events.jsonl.

import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { HbConfig } from '../../rules/config/types.ts';
import { UsageError } from '../../rules/errors.ts';
import { appendEvents } from '../events/log.ts';
import { newEvent, type EventType, type FieldsOf } from '../../rules/events/schema.ts';
import { unlinkQuiet } from '../fs/quiet.ts';
import { lastPath, runPath } from '../heartbeat/store.ts';
import { cyclePath } from '../run/cycle.ts';
import { HISTORY_KINDS, historyPath } from '../history/dir.ts';
import { openStateDir, unsafeForRoot, type StateDirChoice } from './dir.ts';
import { pauseJob, resumeJob } from './pause.ts';

/** What maintenance takes from outside: the clock, and where a line for stderr goes. */
export interface MaintenanceEffects {
  now(): number;
  /** One line for stderr, without its newline. */
  warn(line: string): void;
}

/**
 * The state directory of a job that must exist (a heartbeat, a running marker or a config
 * entry). As root, a chosen directory other users can change is neither looked into nor
 * changed: the job is looked for, and changed, in the per-user fallback openStateDir picks.
 */
export function knownJobDir(job: string, config: HbConfig, state: StateDirChoice, fx: MaintenanceEffects): string {
  const trusted = !state.isRoot || unsafeForRoot(state.dir) === null;
  const has = (dir: string) => existsSync(lastPath(dir, job)) || existsSync(runPath(dir, job)) || config.jobs.has(job);
  if (trusted && !has(state.dir)) throw new UsageError(`no job named ${job}: no heartbeat in ${state.dir} and not in the config`);
  const opened = openStateDir(state);
  if (opened.warning) fx.warn(opened.warning);
  if (!trusted && !has(opened.dir)) throw new UsageError(`no job named ${job}: no heartbeat in ${opened.dir} and not in the config`);
  return opened.dir;
}

const event = <T extends EventType>(fx: MaintenanceEffects, job: string, type: T, fields: FieldsOf<T>) =>
  newEvent[type](new Date(fx.now()).toISOString(), job, fields);

/** Pauses a job for `forMs` (undefined: until resumed) and logs it; returns when the pause ends (null: never by itself). */
export function pauseKnownJob(dir: string, job: string, forMs: number | undefined, fx: MaintenanceEffects): number | null {
  const now = fx.now();
  const until = forMs === undefined ? null : now + forMs;
  pauseJob(dir, job, now, until);
  appendEvents(dir, [event(fx, job, 'paused', { until: until === null ? null : new Date(until).toISOString() })]);
  return until;
}

/** Ends a job's pause now and logs it; false (nothing written) when it was not paused. */
export function resumeKnownJob(dir: string, job: string, fx: MaintenanceEffects): boolean {
  if (!resumeJob(dir, job, fx.now())) return false;
  appendEvents(dir, [event(fx, job, 'resumed', {})]);
  return true;
}

/** Removes a job's heartbeat, running marker, pause and cycle counter, and logs it; returns the paths of its data removed. */
export function forgetKnownJob(dir: string, job: string, fx: MaintenanceEffects): string[] {
  const removed: string[] = [];
  const history = HISTORY_KINDS.map((kind) => historyPath(dir, job, kind));
  for (const path of [lastPath(dir, job), runPath(dir, job), join(dir, 'paused', `${job}.json`), ...history]) {
    try {
      unlinkSync(path);
      removed.push(path);
    } catch {
      // Not there.
    }
  }
  // Bookkeeping, not the job's data: a job of the same name later counts from 1 again.
  unlinkQuiet(cyclePath(dir, job));
  appendEvents(dir, [event(fx, job, 'forgotten', { removed })]);
  return removed;
}
