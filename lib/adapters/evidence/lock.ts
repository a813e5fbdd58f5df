// The `lock` gatherer: for each stale or never-ran job, hb's own run lock in each state directory
// (`<dir>/locks/<job>.lock`) and the `flock FILE` of each crontab line that runs it, looked up in
// procRoot/locks (read once per check, only when some line takes a flock). The pure rule
// (lib/rules/evidence/lock.ts) decides.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { ExplainContext, Gatherer } from '../../check/explain.ts';
import { flockEvidence, flockFile, hbLockEvidence, locksOn, parseProcLocks, type LockHolderFacts, type ProcLock } from '../../rules/evidence/lock.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import { readIdentity } from '../daemon/identity.ts';
import { lockHolderAt } from '../run/lock.ts';
import { gatherFacts, isRunGone, processStartMs } from '../run/proc.ts';
import { hostCrontabs, type CrontabHost } from './crontabs.ts';
import { missedRun } from './crontab-line.ts';
import { readTextQuiet } from '../fs/quiet.ts';

/** Gathers `lock` evidence (`host` for tests; the real host by default). */
export function lockGatherer(host?: CrontabHost): Gatherer {
  return async (targets, ctx) => {
    const out = new Map<string, Evidence[]>();
    const missed = targets.filter(missedRun);
    if (missed.length === 0) return out;
    let procLocks: ProcLock[] | undefined;
    const locks = () => (procLocks ??= parseProcLocks(readTextQuiet(join(ctx.procRoot, 'locks')) ?? ''));
    const crontabs = await hostCrontabs(ctx, host);
    for (const t of missed) {
      const job = t.facts.job;
      const items: Evidence[] = [];
      for (const dir of ctx.dirs) {
        const found = hbLock(join(dir, 'locks', `${job}.lock`), ctx);
        if (found) items.push(found);
      }
      const seen = new Set<string>();
      for (const ref of crontabs.byJob.get(job) ?? []) {
        if (ref.state !== 'runs') continue;
        for (const use of ref.parsed.programs) {
          const file = flockFile(use);
          if (file === null || seen.has(file)) continue;
          seen.add(file);
          const st = statOf(file);
          if (st === null) continue;
          const holders = locksOn(locks(), st.dev, st.ino).map((l) => holderFacts(l.pid, ctx));
          items.push(flockEvidence(file, `${ref.file}:${ref.line}`, holders, ctx.nowMs));
        }
      }
      if (items.length > 0) out.set(job, items);
    }
    return out;
  };
}

/** The `lock` gatherer on this host. */
export const gatherLocks: Gatherer = lockGatherer();

// hb's own run lock at `path` as an item, or null when there is none (or it cannot be read).
function hbLock(path: string, ctx: ExplainContext): Evidence | null {
  let found: ReturnType<typeof lockHolderAt>;
  try {
    found = lockHolderAt(path);
  } catch {
    return null;
  }
  const holder = found?.holder;
  if (!holder) return null;
  const gone = isRunGone(holder, gatherFacts(holder.pid, ctx.procRoot));
  return hbLockEvidence(
    {
      path,
      pid: holder.pid,
      startedAt: holder.started_at,
      host: holder.host && holder.host !== hostname() ? holder.host : null,
      gone,
      holder: holderFacts(holder.pid, ctx),
    },
    ctx.nowMs,
  );
}

function holderFacts(pid: number, ctx: ExplainContext): LockHolderFacts {
  return { pid, argv: readIdentity(pid, ctx.procRoot).argv, startMs: pid > 0 ? processStartMs(pid, ctx.procRoot) : null };
}

function statOf(path: string): { dev: number; ino: number } | null {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}
