// `hb check`: the meta-heartbeat. Read every job, decide purely, render, exit 0/1.

import { allSinks, type HbConfig } from '../../lib/config/types.ts';
import { UsageError } from '../../lib/errors.ts';
import { describeJob, judgeJob, withRecovery, type Judgement } from '../../lib/health/evaluate.ts';
import { scanJobs } from '../../lib/health/scan.ts';
import { readTimings, writeTimings } from '../../lib/health/timings-file.ts';
import type { JobHealth, JobStatus } from '../../lib/health/types.ts';
import { warnsUnscheduled } from '../../lib/health/unscheduled.ts';
import { CHECK_JOB, writeCheckHeartbeat } from '../../lib/health/watcher.ts';
import type { HeartbeatRecord } from '../../lib/heartbeat/record.ts';
import { validateJobName } from '../../lib/job-name.ts';
import { readRecoveryOutcome } from '../../lib/recover/outcome.ts';
import { timingMemo } from '../../lib/schedule/timing-memo.ts';
import { stateDirsToRead, type UntrustedDir } from '../../lib/state/dir.ts';
import { HB_VERSION } from '../../lib/version.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import { checkCrontabLookup } from '../crontab-lookup.ts';
import type { Io } from '../io.ts';
import { trustedDirs } from '../untrusted.ts';
import type { Actor } from './act.ts';
import { STATE_DIR_MODE } from '../../lib/state/modes.ts';
import { makeDirs } from '../../lib/fs/make-dirs.ts';

interface CheckOptions extends GlobalOptions {
  format?: 'text' | 'json' | 'nagios' | 'prometheus';
  textfile?: string;
  verbose?: boolean;
  dryRun?: boolean;
  notify?: boolean;
  recover?: boolean;
}

/** The outcome of evaluating every job: the verdicts kept, and counts over all of them. */
export interface Evaluation {
  kept: JobHealth[];
  total: number;
  problems: number;
  /** Jobs without a schedule that are not problems (the meta-heartbeat not counted). */
  unscheduled: number;
  dirs: string[];
  /** State directories root would not read (its records could be anyone's): each is a problem of its own. */
  untrusted: UntrustedDir[];
  nowMs: number;
  /** Set when this check acts (alerts, recovery): finish() persists, acts and delivers. */
  actor: Actor | null;
  /** What recovery did in this check, one line each (`agent: restarted …`). */
  actions: string[];
  config: HbConfig;
}

/**
 * Evaluates the named jobs (or all) in the configured state. Every job is judged; only those
 * `keep` selects are described (reason, ISO times) and kept — text output shows problems and
 * jobs without a schedule only.
 */
export async function evaluateAll(
  jobs: string[],
  opts: GlobalOptions,
  io: Io,
  keep: (j: Judgement, job: string) => boolean,
  watch?: (config: HbConfig, primaryDir: string) => Promise<Actor | null>,
): Promise<Evaluation> {
  for (const job of jobs) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const ctx = await loadContext(opts, io);
  const read = stateDirsToRead(ctx.state);
  const dirs = trustedDirs(read);
  const untrusted = read.untrusted;
  const nowMs = io.now();
  // The host zone costs ~15 ms of Intl start-up: look it up only for a cron job stored without one.
  let hostTz: string | undefined;
  const zoneFor = () => (hostTz ??= io.localTz());
  const primary = dirs[0]!;
  const memo = timingMemo(readTimings(primary), process.versions.tz ?? '', zoneFor);
  const evalCtx = { nowMs, defaults: ctx.config.defaults, unscheduled: ctx.config.unscheduled, timing: memo.timing };
  const result: Evaluation = { kept: [], total: 0, problems: 0, unscheduled: 0, dirs, untrusted, nowMs, actor: null, actions: [], config: ctx.config };
  const actor = watch ? await watch(ctx.config, primary) : null;
  try {
    // A job with no schedule of its own takes its crontab line's; the crontabs are read only then.
    // Only a job named on the command line can be unknown: whatever the listing finds is judged.
    const unknown = await scanJobs(dirs, ctx.config, jobs.length > 0 ? jobs : null, nowMs, (facts) => {
      // What recovery last concluded for a job it could not bring back outranks the heartbeat.
      if (facts.config?.recover) facts.recovery = readRecoveryOutcome(primary, facts.job);
      const own = judgeJob(facts, evalCtx);
      const j = withRecovery(own, facts.recovery ?? null);
      count(result, facts.job, j, 1);
      let described: JobHealth | undefined;
      const describe = () => (described ??= describeJob(facts, j, nowMs));
      if (keep(j, facts.job)) result.kept.push(describe());
      actor?.observe(facts, own, j, describe);
    }, checkCrontabLookup(ctx, io, primary));
    writeTimings(primary, memo.toStore());
    if (unknown.length > 0) {
      throw new UsageError(`no job named ${unknown.join(', ')}: no heartbeat in ${dirs.join(' or ')} and not in the config`);
    }
    // Recovery acts before anything is shown: what it did, or could not do, is part of the verdict.
    if (actor) {
      const recovered = await actor.recover();
      for (const r of recovered.jobs) {
        count(result, r.job, r.before, -1);
        count(result, r.job, r.after, 1);
        result.kept = result.kept.filter((h) => h.job !== r.job);
        if (keep(r.after, r.job)) result.kept.push(r.describe());
      }
      result.actions = recovered.actions;
    }
  } catch (e) {
    actor?.abort();
    throw e;
  }
  result.actor = actor;
  return result;
}

/** Adds (`by` 1) or takes back (-1) one verdict in the counts. */
function count(result: Evaluation, job: string, j: Judgement, by: 1 | -1): void {
  result.total += by;
  if (j.problem) result.problems += by;
  else if (warnsUnscheduled(job, j)) result.unscheduled += by;
}

const all = () => true;
// What the default text output lists: the problems, and the jobs hb cannot judge for want of a schedule.
const needsAttention = (j: { status: JobStatus; problem: boolean }, job: string) => j.problem || warnsUnscheduled(job, j);

/** Runs `hb check` and returns its exit code. */
export async function runCheck(jobs: string[], opts: CheckOptions, io: Io): Promise<number> {
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  const keepAll = format !== 'text' || Boolean(opts.verbose) || Boolean(opts.textfile);
  const acting = { dryRun: Boolean(opts.dryRun), notify: opts.notify !== false, recover: opts.recover !== false };
  // The acting code (alerts, recovery, any sink) loads only when the config asks for it.
  const watch = async (config: HbConfig, dir: string) => {
    const wanted = (acting.notify && allSinks(config).length > 0) || (acting.recover && [...config.jobs.values()].some((j) => j.recover));
    if (!wanted) return null;
    const { startActing } = await import('./act.ts');
    return startActing(config, dir, io, acting);
  };
  const { kept: health, problems, unscheduled, total, dirs, untrusted, nowMs, actor, actions, config } = await evaluateAll(jobs, opts, io, keepAll ? all : needsAttention, watch);
  let code = 2;
  let unrecorded = false;
  try {
    // What recovery did is part of the text; other formats keep stdout for machines.
    if (format !== 'text') for (const line of actions) io.err(`hb: ${line}\n`);
    code = await render(format, health, { problems, unscheduled, total, dirs, untrusted, nowMs, actions }, opts, io);
  } finally {
    const own = opts.dryRun ? null : recordCheck(dirs, config, { nowMs, problems, total, untrusted: untrusted.length, code }, io);
    unrecorded = own === 'failed';
    // Alerts go out even when the output failed (a bad --textfile): never lose one.
    if (actor) {
      const { warnings, planned } = await actor.finish(jobs.length === 0, typeof own === 'object' ? own : null);
      // A dry run's plan goes to stdout for people, to stderr where stdout is machine output.
      for (const line of planned) (format === 'text' ? io.out : io.err)(`${line}\n`);
      for (const line of warnings) io.err(`${line}\n`);
    }
  }
  // The meta-heartbeat is a job too: a check that could not record itself is not a healthy one
  // (under nagios the status line already spoke, and its exit code must agree with it).
  return unrecorded && code === 0 && format !== 'nagios' ? 1 : code;
}

/** Prints the verdicts in the asked format (and the textfile); returns the check's exit code. */
async function render(format: string, health: JobHealth[], counts: { problems: number; unscheduled: number; total: number; dirs: string[]; untrusted: UntrustedDir[]; nowMs: number; actions: string[] }, opts: CheckOptions, io: Io): Promise<number> {
  const { problems, unscheduled, total, dirs, untrusted, nowMs, actions } = counts;
  // A state directory root would not read is a problem like a job's: what it holds went unjudged.
  const unhealthy = problems > 0 || untrusted.length > 0 ? 1 : 0;
  const meta = { nowMs, host: io.host, stateDirs: dirs, version: HB_VERSION, untrusted };
  // Prometheus also gets the outbox counts, so a fleet can alert on notifications that do not arrive.
  const prom = async () => ({ ...meta, notifications: (await import('../../lib/alerts/outbox.ts')).countOutbox(dirs[0]!) });

  if (opts.textfile) {
    const [{ renderPrometheus }, { writeTextfile }] = await Promise.all([import('../../lib/format/prometheus.ts'), import('../../lib/format/textfile.ts')]);
    try {
      writeTextfile(opts.textfile, renderPrometheus(health, await prom()));
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
      io.out(renderPrometheus(health, await prom()));
      return unhealthy;
    }
    default: {
      const { renderCheckText } = await import('../../lib/format/text.ts');
      // --textfile keeps every job for Prometheus; the text still lists what needs attention.
      const shown = opts.verbose ? health : health.filter((h) => needsAttention(h, h.job));
      io.out(renderCheckText(shown, { total, problems, unscheduled }, { color: io.color }, actions, untrusted));
      return unhealthy;
    }
  }
}

/**
 * The meta-heartbeat's own heartbeat, in the first state directory that takes it (the fallback
 * one when ticks fell back). 'denied' when this user may not write there — a monitoring user
 * that only reads (docs/integrations.md) — and 'failed', said on stderr, for anything else.
 */
function recordCheck(dirs: string[], config: HbConfig, run: { nowMs: number; problems: number; total: number; untrusted: number; code: number }, io: Io): HeartbeatRecord | 'denied' | 'failed' {
  const health = run.problems === 0 ? `all ${run.total} jobs healthy` : `${run.problems} of ${run.total} jobs unhealthy`;
  const message = run.untrusted === 0 ? health : `${health}; ${run.untrusted} untrusted state director${run.untrusted === 1 ? 'y' : 'ies'} not read`;
  const why: string[] = [];
  let denied = true;
  for (const dir of dirs) {
    try {
      makeDirs(dir, STATE_DIR_MODE);
      return writeCheckHeartbeat(dir, config, { startedMs: run.nowMs, finishedMs: io.now(), host: io.host, pid: io.pid, version: HB_VERSION, message, exitCode: run.code });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') denied = false;
      why.push(`${dir}: ${code ?? (e as Error).message}`);
    }
  }
  if (denied) return 'denied';
  // Reading still worked; the next check tries again.
  io.err(`hb: could not record this check's own heartbeat (${CHECK_JOB}.last) in ${why.join('; ')}; the previous one is kept\n`);
  return 'failed';
}
