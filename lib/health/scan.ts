// Gathers the facts `evaluateJob` needs from the state directories, the config and /proc.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HbConfig } from '../config/types.ts';
import { heartbeatTime, type ReadHeartbeat } from '../heartbeat/record.ts';
import { lastPath, listStateFiles, readHeartbeatFile, readRunMarker } from '../heartbeat/store.ts';
import { validateJobName } from '../job-name.ts';
import { gatherFacts, isRunGone } from '../run/proc.ts';
import type { JobFacts } from './evaluate.ts';
import { readFirstSeen, updateFirstSeen } from './first-seen.ts';

const isValid = (name: string) => validateJobName(name) === null;

/**
 * Reads every job of every directory (the first is the primary one; later ones are fallbacks)
 * plus every configured job. `only` limits the result to the named jobs.
 */
export function scanJobs(dirs: string[], config: HbConfig, only: string[] | null, nowMs: number): JobFacts[] {
  const primary = dirs[0]!;
  const byJob = new Map<string, JobFacts>();
  const want = only ? new Set(only) : null;
  for (const dir of dirs) {
    const { last, run } = listStateFiles(dir, isValid);
    for (const job of new Set([...last, ...run])) {
      if (want && !want.has(job)) continue;
      const facts = byJob.get(job) ?? blank(job);
      byJob.set(job, facts);
      if (last.has(job)) {
        const hb = readHeartbeatFile(lastPath(dir, job));
        if (hb && newer(hb, facts.heartbeat)) [facts.heartbeat, facts.file] = [hb, lastPath(dir, job)];
      }
      if (run.has(job) && !facts.run) facts.run = readRunMarker(dir, job);
    }
  }
  for (const job of want ?? config.jobs.keys()) {
    if (!byJob.has(job)) byJob.set(job, blank(job));
  }
  const paused = readPaused(primary, nowMs);
  const waiting: string[] = [];
  for (const facts of byJob.values()) {
    facts.config = config.jobs.get(facts.job) ?? null;
    facts.pausedUntilMs = paused.get(facts.job) ?? null;
    if (facts.run) facts.runGone = isRunGone(facts.run, gatherFacts(facts.run.pid));
    if (!facts.heartbeat && facts.config) waiting.push(facts.job);
  }
  if (waiting.length > 0 || existsFirstSeen(primary)) {
    const seen = updateFirstSeen(primary, readFirstSeen(primary), waiting, nowMs);
    for (const job of waiting) byJob.get(job)!.firstSeenMs = seen.get(job) ?? nowMs;
  }
  return [...byJob.values()].sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}

function blank(job: string): JobFacts {
  return { job, heartbeat: null, file: null, run: null, runGone: null, config: null, firstSeenMs: null, pausedUntilMs: null };
}

function newer(a: ReadHeartbeat, b: ReadHeartbeat | null): boolean {
  if (!b) return true;
  if (b.kind === 'corrupt') return a.kind !== 'corrupt';
  if (a.kind === 'corrupt') return false;
  return heartbeatTime(a) > heartbeatTime(b);
}

function existsFirstSeen(dir: string): boolean {
  try {
    readdirSync(join(dir, 'meta'));
    return true;
  } catch {
    return false;
  }
}

/** Paused jobs: `<state>/paused/<job>.json` holding `{"until": ISO | null}`. */
function readPaused(dir: string, nowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(join(dir, 'paused'));
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      const data = JSON.parse(readFileSync(join(dir, 'paused', name), 'utf8')) as { until?: string | null };
      const until = data.until ? Date.parse(data.until) : Infinity;
      if (until > nowMs) out.set(name.slice(0, -5), until);
    } catch {
      // An unreadable pause file pauses nothing.
    }
  }
  return out;
}
