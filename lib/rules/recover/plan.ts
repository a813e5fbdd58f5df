// The recovery decision, pure: given a job's health, its guarded files as they are now, the last
// known-good manifest and the restart history, what to snapshot, restore and restart, and why.

import { formatDuration } from '../duration.ts';
import type { Manifest, RecoverPolicy } from './types.ts';

/** A guarded file as it is now: its hash, null when it does not exist, or why it cannot be read. */
export interface CurrentFile {
  path: string;
  sha256: string | null;
  /** Set when the path exists but cannot be used: a directory, unreadable, not a regular file. */
  error?: string;
}

/** The facts one recovery decision needs. */
export interface PlanInput {
  job: string;
  /** null: health is unknown (the probe could not run); nothing is done on an unknown. */
  healthy: boolean | null;
  /** The last known-good set (a snapshot, or the git ref's content for source: git). */
  snapshot: Manifest | null;
  current: CurrentFile[];
  /** Instants (ms) of past restarts. */
  restarts: number[];
  policy: RecoverPolicy;
  now: number;
  /** Only changes the wording: the reason says nothing was done. */
  dryRun?: boolean;
}

/** One file to put back: its hash now (null = missing) and the known-good one. */
export interface PlannedRestore {
  path: string;
  from: string | null;
  to: string;
  mode: number;
  size: number;
}

/** What to do: see `kind`; `reason` is one line for people and the events log. */
export interface RecoveryPlan {
  /** snapshot: healthy, save the files when `snapshot.changed`; recover: restore and/or restart; blocked: the restart budget is spent. */
  kind: 'snapshot' | 'none' | 'recover' | 'blocked';
  snapshot?: { changed: boolean };
  restores: PlannedRestore[];
  /** Guarded files left alone, and why. */
  skipped: Array<{ path: string; why: string }>;
  restart: boolean;
  reason: string;
  /** Restarts within the window ending now, against the maximum. */
  budget: { used: number; max: number; windowMs: number };
}

const short = (sha: string | null): string => (sha === null ? 'missing' : sha.slice(0, 12));
const files = (n: number): string => (n === 1 ? '1 guarded file' : `${n} guarded files`);

/** Decides what recovery does for one job at `now`. */
export function planRecovery(input: PlanInput): RecoveryPlan {
  const { policy, now } = input;
  const { count: max, windowMs } = policy.maxRestarts;
  // A restart stamped in the future (the clock stepped back) still counts: the budget errs on the side of stopping.
  const used = input.restarts.filter((t) => t > now - windowMs).length;
  const budget = { used, max, windowMs };
  const plan =
    input.healthy === null
      ? {
          kind: 'none' as const,
          restores: [],
          skipped: [],
          restart: false,
          reason: 'health unknown (the check could not run): nothing is snapshotted, restored or restarted',
        }
      : input.healthy
        ? planHealthy(input)
        : planUnhealthy(input, used);
  const reason = input.dryRun ? `dry run, nothing done: ${plan.reason}` : plan.reason;
  return { ...plan, reason, budget };
}

type Decision = Omit<RecoveryPlan, 'budget'>;

function planHealthy(input: PlanInput): Decision {
  const { policy, snapshot } = input;
  const base = { restores: [], skipped: [] as Array<{ path: string; why: string }>, restart: false };
  if (policy.source === 'git') return { ...base, kind: 'none', reason: `healthy; known-good files come from git ${policy.ref}, so no snapshot is kept` };
  if (policy.config.length === 0) return { ...base, kind: 'none', reason: 'healthy; no guarded files' };
  const byPath = new Map(input.current.map((c) => [c.path, c]));
  for (const path of policy.config) {
    const cur = byPath.get(path);
    if (!cur) base.skipped.push({ path, why: 'not examined' });
    else if (cur.error !== undefined) base.skipped.push({ path, why: cur.error });
    else if (cur.sha256 === null) base.skipped.push({ path, why: 'missing' });
  }
  if (base.skipped.length > 0) {
    // A snapshot is a set known to work together: half of one would restore a mix never seen healthy.
    const which = base.skipped.map((s) => `${s.path} (${s.why})`).join(', ');
    const kept = snapshot ? `snapshot ${snapshot.id} is kept` : 'there is still no snapshot';
    return { ...base, kind: 'none', reason: `healthy, but ${which}: no new snapshot; ${kept}` };
  }
  if (!snapshot) return { ...base, kind: 'snapshot', snapshot: { changed: true }, reason: `healthy; first snapshot of ${files(policy.config.length)}` };
  const known = new Map(snapshot.files.map((f) => [f.path, f.sha256]));
  const changed = policy.config.filter((p) => known.get(p) !== byPath.get(p)!.sha256);
  const dropped = snapshot.files.filter((f) => !policy.config.includes(f.path)).map((f) => f.path);
  if (changed.length === 0 && dropped.length === 0) {
    return { ...base, kind: 'snapshot', snapshot: { changed: false }, reason: `healthy; guarded files match snapshot ${snapshot.id}` };
  }
  const what = [...changed.map((p) => `${p} changed`), ...dropped.map((p) => `${p} no longer guarded`)].join(', ');
  return { ...base, kind: 'snapshot', snapshot: { changed: true }, reason: `healthy; ${what} since snapshot ${snapshot.id}: new snapshot` };
}

function planUnhealthy(input: PlanInput, used: number): Decision {
  const { policy, snapshot } = input;
  const restores: PlannedRestore[] = [];
  const skipped: Array<{ path: string; why: string }> = [];
  const notes: string[] = [];
  if (policy.config.length > 0 && !snapshot) {
    notes.push(
      policy.source === 'git'
        ? `no known-good content could be read from git ${policy.ref}: nothing to roll back`
        : 'no known-good snapshot yet (the job has not been seen healthy): nothing to roll back',
    );
  } else if (snapshot) {
    const byPath = new Map(input.current.map((c) => [c.path, c]));
    const known = new Map(snapshot.files.map((f) => [f.path, f]));
    for (const path of policy.config) {
      const good = known.get(path);
      const cur = byPath.get(path);
      if (!good) skipped.push({ path, why: `not in ${snapshot.id}, never seen healthy` });
      else if (!cur) skipped.push({ path, why: 'not examined' });
      else if (cur.error !== undefined) skipped.push({ path, why: `${cur.error}: not overwritten` });
      else if (cur.sha256 !== good.sha256) restores.push({ path, from: cur.sha256, to: good.sha256, mode: good.mode, size: good.size });
    }
    if (restores.length > 0) {
      notes.push(`restore ${restores.map((r) => `${r.path} (${short(r.from)} -> ${short(r.to)})`).join(', ')} from ${snapshot.id}`);
    } else if (policy.config.length > 0) notes.push(`guarded files match ${snapshot.id}`);
    if (skipped.length > 0) notes.push(`left alone: ${skipped.map((s) => `${s.path} (${s.why})`).join(', ')}`);
  }
  const { count: max, windowMs } = policy.maxRestarts;
  if (policy.restart !== null && max > 0 && used >= max) {
    // Hands off entirely: a person is about to work on it, and rolling their edits back would fight them.
    const pending = restores.length > 0 ? `; ${files(restores.length)} differ from ${snapshot!.id} and are left as they are` : '';
    return {
      kind: 'blocked',
      restores: [],
      skipped,
      restart: false,
      reason: `unhealthy; ${used} ${used === 1 ? 'restart' : 'restarts'} within ${formatDuration(windowMs)}: not restarting again; needs a person${pending}`,
    };
  }
  const restart = policy.restart !== null && max > 0;
  if (policy.restart !== null && max === 0) notes.push('restart disabled (max_restarts 0)');
  else if (restart) notes.push(`restart (${used + 1} of ${max} within ${formatDuration(windowMs)})`);
  else notes.push('no restart configured');
  const kind = restores.length > 0 || restart ? 'recover' : 'none';
  return { kind, restores, skipped, restart, reason: `unhealthy; ${notes.join('; ')}` };
}
