// `hb pause`, `hb resume`, `hb forget`: maintenance windows and cleanup.

import { formatDuration } from '../../lib/rules/duration.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';
import { forgetKnownJob, knownJobDir, pauseKnownJob, resumeKnownJob, type MaintenanceEffects } from '../../lib/adapters/state/maintenance.ts';
import { loadContext, type Context, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

/** The job name checked, the config loaded, the directory that holds the job (lib/adapters/state/maintenance.ts). */
async function known(job: string, opts: GlobalOptions, io: Io, fx: MaintenanceEffects): Promise<{ ctx: Context; dir: string }> {
  const problem = validateJobName(job);
  if (problem) throw new UsageError(problem);
  const ctx = await loadContext(opts, io);
  return { ctx, dir: knownJobDir(job, ctx.config, ctx.state, fx) };
}

/** Maintenance's effects from the process: its clock and its stderr. */
const effects = (io: Io): MaintenanceEffects => ({ now: () => io.now(), warn: (line) => io.err(`${line}\n`) });

/** Pauses a job (for a while, or until resumed): it is shown as paused and never alerts. */
export async function runPause(job: string, opts: GlobalOptions & { for?: number }, io: Io): Promise<number> {
  const fx = effects(io);
  const { dir } = await known(job, opts, io, fx);
  const until = pauseKnownJob(dir, job, opts.for, fx);
  io.out(
    until === null ? `${job} paused until \`hb resume ${job}\`\n` : `${job} paused for ${formatDuration(opts.for!)}, until ${new Date(until).toISOString()}\n`,
  );
  return 0;
}

/** Ends a pause: the job's clock restarts now, and nothing from before is alerted. */
export async function runResume(job: string, opts: GlobalOptions, io: Io): Promise<number> {
  const fx = effects(io);
  const { dir } = await known(job, opts, io, fx);
  io.out(resumeKnownJob(dir, job, fx) ? `${job} resumed: its next run is judged from now\n` : `${job} was not paused\n`);
  return 0;
}

/** Removes a job's heartbeat, running marker and pause; its history stays in the event log. */
export async function runForget(job: string, opts: GlobalOptions, io: Io): Promise<number> {
  const fx = effects(io);
  const { ctx, dir } = await known(job, opts, io, fx);
  const removed = forgetKnownJob(dir, job, fx);
  io.out(`${job} forgotten${removed.length ? `: removed ${removed.join(', ')}` : ''}\n`);
  if (ctx.config.jobs.has(job)) io.err(`hb: ${job} is still in ${ctx.config.file}: it stays a job until it is removed there\n`);
  return 0;
}
