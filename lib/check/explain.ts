// The explain stage of a check: for the jobs that are a problem, look at the host for why (is
// cron running, is the crontab line there, was the host down, is a lock held, what did cron log,
// did heartbeats go elsewhere) and at what they `needs:`. Loaded only when some job is a problem:
// the healthy path does none of this.

import { gatherCronDaemon } from '../adapters/evidence/cron-daemon.ts';
import { gatherHostDown } from '../adapters/evidence/host-down.ts';
import type { HbConfig } from '../rules/config/types.ts';
import { rankEvidence, type Evidence, type RootCause } from '../rules/evidence/types.ts';
import type { EvalContext, JobFacts, Judgement } from '../rules/health/evaluate.ts';
import type { JobHealth } from '../rules/health/types.ts';
import { gatherNeeds } from '../adapters/evidence/needs.ts';
import { gatherCronLog } from '../adapters/evidence/cron-log.ts';
import { gatherElsewhere } from '../adapters/evidence/elsewhere.ts';
import { gatherCrontabLines } from '../adapters/evidence/crontab-line.ts';
import { gatherLocks } from '../adapters/evidence/lock.ts';

/** A job the scan judged a problem, with what the stage may read and the verdict it describes into. */
export interface ExplainTarget {
  facts: JobFacts;
  judgement: Judgement;
  /** The job's described verdict (memoised: the same object the output and the alerts use). */
  describe: () => JobHealth;
}

/** What gatherers take from outside besides their own files. */
export interface ExplainContext {
  nowMs: number;
  config: HbConfig;
  /** The state directories this check read; the first is the primary one. */
  dirs: readonly string[];
  /** The verdict of a job the check judged (every job some `needs:` names is kept), or undefined. */
  verdictOf(job: string): ExplainTarget | undefined;
  /** Due time and period of a schedule after an anchor (the check's memo). */
  timing: EvalContext['timing'];
  /** The host's IANA zone (asked only when needed). */
  localTz(): string;
  /** Where /proc is (tests point it at a directory of their own). */
  procRoot: string;
  /** Whether hb runs as root: only then may it read other users' crontabs and state. */
  isRoot: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * One source of evidence: looks at the targets it applies to (each gatherer picks its own, e.g.
 * only `stale` and `never` jobs) and returns what it found per job. A gatherer never throws for a
 * job: what it could not read is an item of its own or nothing.
 */
export type Gatherer = (targets: readonly ExplainTarget[], ctx: ExplainContext) => Promise<Map<string, Evidence[]>>;

/** What the stage concluded beyond the evidence: which incidents fold into which root. */
export interface Explained {
  /** Job → the problem its incident is folded into. */
  folded: Map<string, RootCause>;
}

/** At most this many problem jobs are looked into per check (the rest show their reason alone). */
export const MAX_EXPLAINED = 200;

/** The gatherers, in no particular order (ranking decides what is shown first). This module is loaded lazily, so they are imported statically. */
const GATHERERS: Gatherer[] = [gatherNeeds, gatherCronLog, gatherElsewhere, gatherCronDaemon, gatherHostDown, gatherCrontabLines, gatherLocks];

/**
 * Looks into the targets: gathers every kind of evidence, ranks it into each target's described
 * verdict (`evidence`), and works out root causes (`root_cause`). A gatherer that fails is
 * skipped with a warning: evidence is help, never a reason for a check to fail.
 */
export async function explainProblems(targets: readonly ExplainTarget[], ctx: ExplainContext, warn: (line: string) => void): Promise<Explained> {
  const looked = targets.slice(0, MAX_EXPLAINED);
  const found = new Map<string, Evidence[]>();
  const results = await Promise.allSettled(GATHERERS.map((gather) => gather(looked, ctx)));
  for (const r of results) {
    if (r.status === 'rejected') {
      warn(`hb: could not gather evidence: ${(r.reason as Error)?.message ?? String(r.reason)}`);
      continue;
    }
    for (const [job, items] of r.value) found.set(job, [...(found.get(job) ?? []), ...items]);
  }
  for (const t of looked) {
    const items = found.get(t.facts.job);
    if (items && items.length > 0) t.describe().evidence = rankEvidence(items);
  }
  // A job whose root cause is another job that is a problem has its incident folded into that job's.
  const folded = new Map<string, RootCause>();
  for (const t of looked) {
    const root = t.describe().root_cause;
    if (root?.job) folded.set(t.facts.job, root);
  }
  return { folded };
}
