// A `job:` need that names nothing hb knows: no configured job, no heartbeat. It may be a
// heartbeat-only job that has not run yet, so it is a warning, not a config error.

import { finding, type DoctorFacts, type Finding } from './types.ts';

/** One `unknown-need` finding per job-need naming no configured job and no job with a heartbeat (only when heartbeats were looked at). */
export function needsRules(facts: Pick<DoctorFacts, 'config' | 'host'>): Finding[] {
  const known = facts.host?.heartbeats;
  if (!known) return [];
  const out: Finding[] = [];
  for (const [name, job] of facts.config.jobs) {
    for (const need of job.needs ?? []) {
      if (need.kind !== 'job' || facts.config.jobs.has(need.job) || known.has(need.job)) continue;
      out.push(
        finding(
          'warning',
          'unknown-need',
          facts.config.file,
          null,
          `job "${name}" needs job "${need.job}", which is neither in the config nor has a heartbeat: its problems cannot be folded into ${need.job}'s, and hb check says it has no verdict`,
          `correct the name under jobs.${name}.needs, or add ${need.job} to the config (or let it run once, if it is a job known by its heartbeats only)`,
        ),
      );
    }
  }
  return out;
}
