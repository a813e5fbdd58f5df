// The `needs:` gatherer of the explain stage: for each problem job with needs, the jobs it needs
// that are problems (down to the root cause) and its preconditions probed once per check.

import type { ExplainTarget, Gatherer } from '../../check/explain.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import type { Need } from '../../rules/needs/types.ts';
import { explainNeeds, type NeededVerdict } from '../../rules/needs/root-cause.ts';
import { probeNeeds } from '../needs/probe.ts';

/** Evidence from every problem job's `needs:`; sets each one's `root_cause` in its described verdict. */
export const gatherNeeds: Gatherer = async (targets, ctx) => {
  const found = new Map<string, Evidence[]>();
  const withNeeds = targets.filter((t) => (t.facts.config?.needs?.length ?? 0) > 0);
  if (withNeeds.length === 0) return found;
  const preconditions = new Map<string, Exclude<Need, { kind: 'job' }>>();
  for (const t of withNeeds) for (const n of t.facts.config!.needs!) if (n.kind !== 'job') preconditions.set(n.text, n);
  const probed = await probeNeeds([...preconditions.values()], ctx.procRoot);
  const view = {
    nowMs: ctx.nowMs,
    verdictOf: (job: string) => verdict(ctx.verdictOf(job)),
    needsOf: (job: string) => ctx.config.jobs.get(job)?.needs,
    probed,
  };
  for (const t of withNeeds) {
    const { evidence, root } = explainNeeds(t.facts.config!.needs!, view);
    if (root) t.describe().root_cause = root;
    if (evidence.length > 0) found.set(t.facts.job, evidence);
  }
  return found;
};

function verdict(t: ExplainTarget | undefined): NeededVerdict | undefined {
  if (!t) return undefined;
  const j = t.judgement;
  return { status: j.status, problem: j.problem, lastMs: j.lastMs, runStartMs: j.runStartMs };
}
