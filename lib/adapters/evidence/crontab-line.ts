// The `crontab_line` gatherer: for each stale or never-ran job, the crontab lines that start it
// (read once per check by crontabs.ts), when each was next due after the last run, and what
// changed in the crontabs since; the pure rule (lib/rules/evidence/crontab-line.ts) decides.

import { statSync } from 'node:fs';
import type { ExplainContext, ExplainTarget, Gatherer } from '../../check/explain.ts';
import { crontabLineEvidence } from '../../rules/evidence/crontab-line.ts';
import type { JobLineRef } from '../../rules/evidence/crontab-index.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import { hostCrontabs, type CrontabHost, type Passwd } from './crontabs.ts';

/** Whether a target is one host evidence is gathered for: it missed a run. */
export const missedRun = (t: ExplainTarget): boolean => t.judgement.status === 'stale' || t.judgement.status === 'never';

/** Gathers `crontab_line` evidence (`host` for tests; the real host by default). */
export function crontabLineGatherer(host?: CrontabHost): Gatherer {
  return async (targets, ctx) => {
    const out = new Map<string, Evidence[]>();
    const missed = targets.filter(missedRun);
    if (missed.length === 0) return out;
    const crontabs = await hostCrontabs(ctx, host);
    if (crontabs.none) return out;
    for (const t of missed) {
      const j = t.judgement;
      const refs = crontabs.byJob.get(t.facts.job) ?? [];
      const anchor = j.lastMs ?? t.facts.firstSeenMs;
      out.set(
        t.facts.job,
        crontabLineEvidence({
          refs,
          nextDueMs: refs.map((r) => nextDue(r, anchor, ctx)),
          lastMs: j.lastMs,
          nowMs: ctx.nowMs,
          jobCron: j.spec && 'cron' in j.spec && j.source !== 'crontab' ? j.spec.cron : null,
          watched: crontabs.watched,
          ranAs: ranAs(t.facts.file, crontabs.users),
        }),
      );
    }
    return out;
  };
}

/** The `crontab_line` gatherer on this host. */
export const gatherCrontabLines: Gatherer = crontabLineGatherer();

// The login that owns the job's heartbeat file (the user whose run wrote it), or null.
function ranAs(file: string | null, users: Passwd | null): string | null {
  if (file === null || users === null) return null;
  try {
    return users.byUid.get(statSync(file).uid) ?? null;
  } catch {
    return null;
  }
}

// When the line was next due after `anchor` (in the host's zone, as cron fires it), or null.
function nextDue(r: JobLineRef, anchor: number | null, ctx: ExplainContext): number | null {
  if (r.state !== 'runs' || r.cronSchedule === null || anchor === null) return null;
  try {
    return ctx.timing({ cron: r.cronSchedule }, anchor).dueMs;
  } catch {
    return null;
  }
}
