// Gathers the facts `evaluateJob` needs from the state directories, the config and /proc.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HbConfig } from '../../rules/config/types.ts';
import { removeOrphanTemps } from '../fs/atomic.ts';
import type { CrontabLookup } from '../../rules/crontab/lookup.ts';
import { heartbeatTime, type ReadHeartbeat } from '../../rules/heartbeat/record.ts';
import { fileNamePrefix, listStateFiles, readHeartbeatFile, readRunFile, type StateListing } from '../heartbeat/store.ts';
import { validateJobName } from '../../rules/job-name.ts';
import { gatherFacts, isRunGone, processState } from '../run/proc.ts';
import { readPauses } from '../state/pause.ts';
import type { JobFacts } from '../../rules/health/evaluate.ts';
import { readFirstSeen, updateFirstSeen } from './first-seen.ts';

const isValid = (name: string) => validateJobName(name) === null;
const isAlive = (pid: number) => {
  const state = processState(pid);
  return state !== null && state !== 'Z';
};

/**
 * Reads every job of every directory (the first is the primary one; later ones are fallbacks)
 * plus every configured job, and hands each job's facts to `visit` in name order as soon as
 * they are read — so a check over 10,000 jobs keeps only what it reports. `only` limits the
 * scan to the named jobs. A job with no schedule in its heartbeat or config takes one from
 * `crontab` (SPEC §4), which reads the crontabs only when such a job comes up (awaited: the
 * user's own crontab may have to come from crontab(1)).
 *
 * Whatever a directory holds, every job it lists is visited or, when its files vanished after
 * the listing (`hb forget`), skipped: an odd file is the job's `corrupt` status, never a failed
 * scan. Returns the jobs named in `only` that exist nowhere (no file, not configured).
 */
export async function scanJobs(
  dirs: string[],
  config: HbConfig,
  only: string[] | null,
  nowMs: number,
  visit: (facts: JobFacts) => void,
  crontab: CrontabLookup = async () => null,
): Promise<string[]> {
  const [primary, ...fallbacks] = dirs as [string, ...string[]];
  const want = only ? new Set(only) : null;
  const wanted = (job: string) => !want || want.has(job);
  const listing: ScannedDir = { ...listStateFiles(primary, isValid), prefix: fileNamePrefix(primary) };
  // Housekeeping: a heartbeat writer killed between create and rename leaves its temp file.
  if (listing.temps.length > 0) removeOrphanTemps(primary, listing.temps, nowMs, isAlive);
  // Fallback directories are rare and small: read them whole first, merge as we go.
  const extra = new Map<string, JobFacts>();
  for (const dir of fallbacks) {
    const other: ScannedDir = { ...listStateFiles(dir, isValid), prefix: fileNamePrefix(dir) };
    for (const job of new Set([...other.last, ...other.run])) {
      if (wanted(job)) extra.set(job, readJob(other, job, extra.get(job) ?? blank(job)));
    }
  }
  const names = new Set<string>();
  for (const job of listing.last) if (wanted(job)) names.add(job);
  for (const job of listing.run) if (wanted(job)) names.add(job);
  for (const job of extra.keys()) names.add(job);
  // Configured jobs with no file anywhere are the ones waiting for a first heartbeat.
  const waiting: string[] = [];
  for (const job of want ?? config.jobs.keys()) {
    if (!names.has(job)) {
      names.add(job);
      if (config.jobs.has(job)) waiting.push(job);
    }
  }
  const seen = waiting.length > 0 || existsFirstSeen(primary) ? updateFirstSeen(primary, readFirstSeen(primary), waiting, nowMs) : null;
  const pauses = readPauses(primary, nowMs);

  const missing: string[] = [];
  for (const job of [...names].sort()) {
    const facts = readJob(listing, job, extra.get(job) ?? blank(job));
    facts.config = config.jobs.get(job) ?? null;
    if (!facts.heartbeat && !facts.run && !facts.runError && !facts.config) {
      if (want) missing.push(job);
      continue;
    }
    if (!ownSchedule(facts)) facts.crontabSchedule = await crontab(job);
    const pause = pauses.get(job);
    facts.pausedUntilMs = pause?.pausedUntilMs ?? null;
    facts.resumedAtMs = pause?.resumedAtMs ?? null;
    if (facts.run) facts.runGone = isRunGone(facts.run, gatherFacts(facts.run.pid));
    if (!facts.heartbeat && facts.config) facts.firstSeenMs = seen?.get(job) ?? nowMs;
    visit(facts);
  }
  return missing;
}

/**
 * Adds what `dir` holds for `job` to `facts`, keeping the newer heartbeat. The `.run` is read
 * first: a run writes its `.last` before it removes its `.run`, so when the `.run` listed a moment
 * ago is gone, the `.last` read next holds that run's heartbeat. One extra read, never a loop.
 * `listing.prefix` + a file name is the file's path.
 */
function readJob(listing: ScannedDir, job: string, facts: JobFacts): JobFacts {
  let readLast = listing.last.has(job);
  if (!facts.run && listing.run.has(job)) {
    const path = `${listing.prefix}${job}.run`;
    const run = readRunFile(path, oddKind(listing, `${job}.run`));
    if (run?.kind === 'marker') {
      facts.run = run.marker;
      facts.runError = null;
    } else if (run) facts.runError ??= { file: path, reason: run.reason };
    else readLast = true;
  }
  if (readLast) {
    const path = `${listing.prefix}${job}.last`;
    const hb = readHeartbeatFile(path, oddKind(listing, `${job}.last`));
    if (hb && newer(hb, facts.heartbeat)) {
      facts.heartbeat = hb;
      facts.file = path;
    }
  }
  return facts;
}

/** A directory's listing and the prefix of its files' paths. */
interface ScannedDir extends StateListing {
  prefix: string;
}

/** What the listing saw under `name` instead of a regular file; null for a regular file (the usual case, asked without a lookup). */
function oddKind(listing: StateListing, name: string): string | null {
  return listing.odd.size === 0 ? null : (listing.odd.get(name) ?? null);
}

function ownSchedule(facts: JobFacts): boolean {
  return Boolean((facts.heartbeat?.kind === 'record' && facts.heartbeat.record.schedule) || facts.config?.schedule);
}

function blank(job: string): JobFacts {
  return { job, heartbeat: null, file: null, run: null, runGone: null, config: null, firstSeenMs: null, pausedUntilMs: null, resumedAtMs: null };
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
