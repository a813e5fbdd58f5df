// `hb pause`, `hb resume`, `hb forget`: maintenance windows and cleanup.

import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../../lib/duration.ts';
import { UsageError } from '../../lib/errors.ts';
import { appendEvents } from '../../lib/events/log.ts';
import { newEvent, type EventType, type FieldsOf } from '../../lib/events/schema.ts';
import { lastPath, runPath } from '../../lib/heartbeat/store.ts';
import { cyclePath } from '../../lib/run/cycle.ts';
import { unlinkQuiet } from '../../lib/fs/quiet.ts';
import { validateJobName } from '../../lib/job-name.ts';
import { openStateDir, unsafeForRoot } from '../../lib/state/dir.ts';
import { pauseJob, resumeJob } from '../../lib/state/pause.ts';
import { loadContext, type Context, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

/**
 * The state directory and config, for a job that must exist (a heartbeat or a config entry). As
 * root, a chosen directory other users can change is neither looked into nor changed: the job is
 * looked for, and changed, in the per-user fallback that openStateDir picks instead.
 */
async function known(job: string, opts: GlobalOptions, io: Io): Promise<{ ctx: Context; dir: string }> {
  const problem = validateJobName(job);
  if (problem) throw new UsageError(problem);
  const ctx = await loadContext(opts, io);
  const trusted = !ctx.state.isRoot || unsafeForRoot(ctx.state.dir) === null;
  const has = (dir: string) => existsSync(lastPath(dir, job)) || existsSync(runPath(dir, job)) || ctx.config.jobs.has(job);
  if (trusted && !has(ctx.state.dir)) throw new UsageError(`no job named ${job}: no heartbeat in ${ctx.state.dir} and not in the config`);
  const opened = openStateDir(ctx.state);
  if (opened.warning) io.err(`${opened.warning}\n`);
  if (!trusted && !has(opened.dir)) throw new UsageError(`no job named ${job}: no heartbeat in ${opened.dir} and not in the config`);
  return { ctx, dir: opened.dir };
}

const event = <T extends EventType>(io: Io, job: string, type: T, fields: FieldsOf<T>) => newEvent[type](new Date(io.now()).toISOString(), job, fields);

/** Pauses a job (for a while, or until resumed): it is shown as paused and never alerts. */
export async function runPause(job: string, opts: GlobalOptions & { for?: number }, io: Io): Promise<number> {
  const forMs = opts.for;
  const { dir } = await known(job, opts, io);
  const now = io.now();
  const until = forMs === undefined ? null : now + forMs;
  pauseJob(dir, job, now, until);
  appendEvents(dir, [event(io, job, 'paused', { until: until === null ? null : new Date(until).toISOString() })]);
  io.out(until === null ? `${job} paused until \`hb resume ${job}\`\n` : `${job} paused for ${formatDuration(forMs!)}, until ${new Date(until).toISOString()}\n`);
  return 0;
}

/** Ends a pause: the job's clock restarts now, and nothing from before is alerted. */
export async function runResume(job: string, opts: GlobalOptions, io: Io): Promise<number> {
  const { dir } = await known(job, opts, io);
  if (!resumeJob(dir, job, io.now())) {
    io.out(`${job} was not paused\n`);
    return 0;
  }
  appendEvents(dir, [event(io, job, 'resumed', {})]);
  io.out(`${job} resumed: its next run is judged from now\n`);
  return 0;
}

/** Removes a job's heartbeat, running marker and pause; its history stays in the event log. */
export async function runForget(job: string, opts: GlobalOptions, io: Io): Promise<number> {
  const { ctx, dir } = await known(job, opts, io);
  const removed: string[] = [];
  for (const path of [lastPath(dir, job), runPath(dir, job), join(dir, 'paused', `${job}.json`)]) {
    try {
      unlinkSync(path);
      removed.push(path);
    } catch {
      // Not there.
    }
  }
  // Bookkeeping, not the job's data: a job of the same name later counts from 1 again.
  unlinkQuiet(cyclePath(dir, job));
  appendEvents(dir, [event(io, job, 'forgotten', { removed })]);
  io.out(`${job} forgotten${removed.length ? `: removed ${removed.join(', ')}` : ''}\n`);
  if (ctx.config.jobs.has(job)) io.err(`hb: ${job} is still in ${ctx.config.file}: it stays a job until it is removed there\n`);
  return 0;
}
