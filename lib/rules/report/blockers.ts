// Blockers: the jobs a person must look at first, each with every reason it is one.

import type { JobStatus } from '../health/types.ts';
import type { Blocker, BlockerReason, JobReport } from './types.ts';
import { causeLine } from '../evidence/cause-line.ts';

/**
 * Worst first: a dead job before a failed one before one that "succeeded" at doing nothing before
 * a late one; a slow run after those; anything else after.
 */
const SEVERITY: readonly JobStatus[] = ['crashed', 'failed', 'suspicious', 'overrunning', 'stale', 'slow', 'never', 'corrupt', 'clock_skew'];
const rank = (s: JobStatus | null) => {
  const i = s === null ? -1 : SEVERITY.indexOf(s);
  return i < 0 ? SEVERITY.length : i;
};

/**
 * A job is a blocker when its current verdict is a problem, when an incident of it is still open
 * at the end of the window (alerted, never resolved), or when dead-man recovery gave up on it
 * (`recovery_blocked`) inside the window. Unhealthy jobs come first, worst status first; an unhealthy
 * job's reason carries its cause line when the check found why.
 */
export function blockersOf(jobs: readonly JobReport[]): Blocker[] {
  const out: Blocker[] = [];
  for (const j of jobs) {
    const reasons: BlockerReason[] = [];
    if (j.problem) {
      // What the check found about why: under the reason, as hb check prints it.
      const cause = causeLine(j);
      reasons.push({ kind: 'unhealthy', text: j.reason || `${j.status}`, since: null, ...(cause ? { cause } : {}) });
    }
    for (const i of j.incidents.list) {
      // An unhealthy job's verdict already says why; the incident adds only that it was alerted.
      const why = i.reason && !j.problem ? `: ${i.reason}` : '';
      if (i.resolved_at === null) reasons.push({ kind: 'open_incident', text: `incident open, alerted as ${i.status || 'unknown'}${why}`, since: i.opened_at });
    }
    for (const r of j.recovery) {
      if (r.type === 'recovery_blocked') reasons.push({ kind: 'recovery_blocked', text: `recovery blocked${r.reason ? `: ${r.reason}` : ''}`, since: r.at });
    }
    if (reasons.length > 0) out.push({ job: j.job, status: j.status, reasons });
  }
  const first = (b: Blocker) => (b.reasons[0]!.kind === 'unhealthy' ? 0 : b.reasons[0]!.kind === 'open_incident' ? 1 : 2);
  return out.sort((a, b) => first(a) - first(b) || rank(a.status) - rank(b.status) || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}
