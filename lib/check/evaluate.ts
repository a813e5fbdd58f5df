// Scan and judge: every job of the given state directories judged against the config, the ones
// asked for described, and — when the check acts — recovery run before anything is shown.

import type { HbConfig } from '../rules/config/types.ts';
import type { CrontabLookup } from '../rules/crontab/lookup.ts';
import { UsageError } from '../rules/errors.ts';
import { describeJob, judgeJob, withRecovery, type EvalContext, type Judgement } from '../rules/health/evaluate.ts';
import { scanJobs } from '../adapters/health/scan.ts';
import { readMetaCache, writeMetaCache } from '../adapters/health/meta-cache.ts';
import type { JobHealth } from '../rules/health/types.ts';
import { warnsUnscheduled } from '../rules/health/unscheduled.ts';
import { readRecoveryOutcome } from '../adapters/recover/outcome.ts';
import { timingMemo } from '../rules/schedule/timing-memo.ts';
import type { UntrustedDir } from '../adapters/state/dir.ts';
import type { Actor } from './act.ts';
import type { Explained, ExplainTarget } from './explain.ts';
import { neededJobs } from '../rules/needs/types.ts';
import { maintenanceAt } from '../rules/maintenance/open.ts';
import { windowMemo } from '../rules/maintenance/memo.ts';
import type { CheckEffects } from './effects.ts';

/** What a check looks at: the jobs named (none: all), the config, the state directories to read (the first is written). */
export interface CheckScope {
  jobs: string[];
  config: HbConfig;
  dirs: string[];
  /** State directories root would not read (its records could be anyone's): each is a problem of its own. */
  untrusted: UntrustedDir[];
  /** Where a job without a schedule of its own finds its crontab line's (default: nowhere). */
  crontab?: CrontabLookup;
}

/**
 * Starts the acting part of a check — it takes the check lock and starts alerting and recovery —
 * or returns null when this check does not act (nothing configured, or another check holds the lock).
 */
export type ActorStarter = (config: HbConfig, primaryDir: string) => Promise<Actor | null>;

/** The outcome of evaluating every job: the verdicts kept, and counts over all of them. */
export interface Evaluation {
  kept: JobHealth[];
  total: number;
  problems: number;
  /** Jobs without a schedule that are not problems (the meta-heartbeat not counted). */
  unscheduled: number;
  /** Jobs whose last run succeeded with a warning (status `warning`). */
  warnings: number;
  dirs: string[];
  untrusted: UntrustedDir[];
  nowMs: number;
  /** Set when this check acts (alerts, recovery): finishCheck() persists, acts and delivers. */
  actor: Actor | null;
  /** What recovery did in this check, one line each (`agent: restarted …`). */
  actions: string[];
  config: HbConfig;
  /** What the explain stage concluded about the problem jobs (null: none was a problem). */
  explained: Explained | null;
  /** Due time and period of a schedule after an anchor (the check's memo; alerting asks it for a released job's next deadline). */
  timing: EvalContext['timing'];
}

/**
 * Evaluates the scope's jobs. Every job is judged; only those `keep` selects are described
 * (reason, ISO times) and kept. With `startActor`, the actor sees every verdict and recovers
 * before this returns; a failure releases it.
 */
export async function evaluateAll(
  scope: CheckScope,
  fx: CheckEffects,
  keep: (j: Judgement, job: string) => boolean,
  startActor?: ActorStarter,
): Promise<Evaluation> {
  const { jobs, config, dirs, untrusted } = scope;
  const nowMs = fx.now();
  // The host zone costs ~15 ms of Intl start-up: look it up only for a cron job stored without one.
  let hostTz: string | undefined;
  const zoneFor = () => (hostTz ??= fx.localTz());
  const primary = dirs[0]!;
  const memo = timingMemo(readMetaCache(primary, 'timings'), fx.tzData, zoneFor);
  const evalCtx = { nowMs, defaults: config.defaults, unscheduled: config.unscheduled, timing: memo.timing };
  // Maintenance windows are decided once per check and remembered while the answer holds.
  const windows = windowMemo(() => readMetaCache(primary, 'windows'), fx.tzData);
  const inWindow = maintenanceAt(config.maintenance, nowMs, windows.openAt);
  const result: Evaluation = {
    kept: [],
    total: 0,
    problems: 0,
    unscheduled: 0,
    warnings: 0,
    dirs,
    untrusted,
    nowMs,
    actor: null,
    actions: [],
    config,
    explained: null,
    timing: memo.timing,
  };
  // The problem jobs are looked into after the scan (lib/check/explain.ts), with the verdicts of
  // the jobs some `needs:` names.
  const targets: ExplainTarget[] = [];
  const needed = config.jobs.size > 0 ? neededJobs(config.jobs.values()) : null;
  const watched = new Map<string, ExplainTarget>();
  const actor = startActor ? await startActor(config, primary) : null;
  try {
    // A job with no schedule of its own takes its crontab line's; the crontabs are read only then.
    // Only a job named on the command line can be unknown: whatever the listing finds is judged.
    const unknown = await scanJobs(
      dirs,
      config,
      jobs.length > 0 ? jobs : null,
      nowMs,
      (facts) => {
        // What recovery last concluded for a job it could not bring back outranks the heartbeat.
        if (facts.config?.recover) facts.recovery = readRecoveryOutcome(primary, facts.job);
        facts.maintenance = inWindow(facts.job, facts.config?.maintenance);
        const own = judgeJob(facts, evalCtx);
        const j = withRecovery(own, facts.recovery ?? null);
        count(result, facts.job, j, 1);
        let described: JobHealth | undefined;
        const describe = () => (described ??= describeJob(facts, j, nowMs));
        if (keep(j, facts.job)) result.kept.push(describe());
        if (j.problem || needed?.has(facts.job)) {
          const target = { facts, judgement: j, describe };
          if (j.problem) targets.push(target);
          if (needed?.has(facts.job)) watched.set(facts.job, target);
        }
        actor?.observe(facts, own, j, describe);
      },
      scope.crontab,
    );
    writeMetaCache(primary, 'timings', memo.toStore());
    writeMetaCache(primary, 'windows', windows.toStore());
    if (unknown.length > 0) {
      throw new UsageError(`no job named ${unknown.join(', ')}: no heartbeat in ${dirs.join(' or ')} and not in the config`);
    }
    if (targets.length > 0) {
      const { explainProblems } = await import('./explain.ts');
      const ctx = {
        nowMs,
        config,
        dirs,
        verdictOf: (job: string) => watched.get(job),
        timing: memo.timing,
        localTz: zoneFor,
        procRoot: '/proc',
        isRoot: fx.isRoot,
        env: fx.env,
      };
      result.explained = await explainProblems(targets, ctx, fx.warn);
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
  else if (j.status === 'warning') result.warnings += by;
}
