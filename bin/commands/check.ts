// `hb check`: the meta-heartbeat. Read every job, decide purely, render, exit 0/1.

import { evaluateJob } from '../../lib/health/evaluate.ts';
import { scanJobs } from '../../lib/health/scan.ts';
import type { JobHealth } from '../../lib/health/types.ts';
import { validateJobName } from '../../lib/job-name.ts';
import { UsageError } from '../../lib/errors.ts';
import { readableStateDirs } from '../../lib/state/dir.ts';
import { compileSchedule } from '../../lib/schedule/index.ts';
import { HB_VERSION } from '../../lib/version.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

interface CheckOptions extends GlobalOptions {
  format?: 'text' | 'json' | 'nagios' | 'prometheus';
  textfile?: string;
  verbose?: boolean;
}

/** Evaluates the named jobs (or all) in the configured state; shared by check and status. */
export async function evaluateAll(jobs: string[], opts: GlobalOptions, io: Io): Promise<{ health: JobHealth[]; dirs: string[]; nowMs: number }> {
  for (const job of jobs) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const ctx = await loadContext(opts, io);
  const dirs = readableStateDirs(ctx.state);
  const nowMs = io.now();
  const tz = io.localTz();
  const facts = scanJobs(dirs, ctx.config, jobs.length > 0 ? jobs : null, nowMs);
  const unknown = facts.filter((f) => !f.heartbeat && !f.run && !f.config).map((f) => f.job);
  if (unknown.length > 0) {
    throw new UsageError(`no job named ${unknown.join(', ')}: no heartbeat in ${dirs.join(' or ')} and not in the config`);
  }
  const evalCtx = { nowMs, defaults: ctx.config.defaults, compile: (spec: Parameters<typeof compileSchedule>[0]) => compileSchedule(spec, tz) };
  return { health: facts.map((f) => evaluateJob(f, evalCtx)), dirs, nowMs };
}

/** Runs `hb check` and returns its exit code. */
export async function runCheck(jobs: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  const { health, dirs, nowMs } = await evaluateAll(jobs, opts, io);
  const unhealthy = health.some((j) => j.problem) ? 1 : 0;
  const meta = { nowMs, host: io.host, stateDirs: dirs, version: HB_VERSION };

  if (opts.textfile) {
    const [{ renderPrometheus }, { writeTextfile }] = await Promise.all([import('../../lib/format/prometheus.ts'), import('../../lib/format/textfile.ts')]);
    try {
      writeTextfile(opts.textfile, renderPrometheus(health, meta));
    } catch (e) {
      throw new UsageError(`--textfile: ${(e as Error).message}`);
    }
  }
  switch (format) {
    case 'json': {
      const { renderJson } = await import('../../lib/format/json.ts');
      io.out(renderJson(health, meta));
      return unhealthy;
    }
    case 'nagios': {
      const { renderNagios } = await import('../../lib/format/nagios.ts');
      const { text, exitCode } = renderNagios(health, meta);
      io.out(text);
      return exitCode;
    }
    case 'prometheus': {
      const { renderPrometheus } = await import('../../lib/format/prometheus.ts');
      io.out(renderPrometheus(health, meta));
      return unhealthy;
    }
    default: {
      const { renderCheckText } = await import('../../lib/format/text.ts');
      io.out(renderCheckText(health, Boolean(opts.verbose), { color: io.color }));
      return unhealthy;
    }
  }
}
