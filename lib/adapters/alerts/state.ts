// `<state>/alerts/state.json`: each job's alert state, replaced atomically after every acting check,
// with the journal of pending notifications it accounts for (lib/rules/alerts/replay.ts).

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import type { Incident, JobAlertState } from '../../rules/alerts/incident.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

const file = (dir: string) => join(dir, 'alerts', 'state.json');

/** What the last acting check left: the states, and which pending notification ids they include. */
export interface StoredAlerts {
  jobs: Map<string, JobAlertState>;
  /** null when unknown (a file from before journals, or an unreadable one): nothing is replayed. */
  journal: Set<string> | null;
}

/**
 * Reads the alert states. No file: nothing decided yet, an empty journal. An unreadable file
 * starts over quietly for no job (nothing is open) with an unknown journal.
 */
export function readAlertState(dir: string): StoredAlerts {
  let text: string;
  try {
    text = readFileNoFollow(file(dir));
  } catch (e) {
    return { jobs: new Map(), journal: (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Set() : null };
  }
  try {
    const data = JSON.parse(text) as { v?: number; jobs?: Record<string, unknown>; journal?: unknown };
    if (data.v !== 1 || typeof data.jobs !== 'object' || data.jobs === null) return { jobs: new Map(), journal: null };
    const journal = Array.isArray(data.journal) ? new Set(data.journal.filter((id): id is string => typeof id === 'string')) : null;
    return { jobs: incidents(data.jobs), journal };
  } catch {
    return { jobs: new Map(), journal: null };
  }
}

/**
 * Each job's open incident, or none, what it is folded into or held by (`needs:`), and the due
 * time of its last `late` notice. A file written before tolerance was counted in runs also holds
 * each job's count of problem checks (`streak`): it is read past, and a job with only a count has
 * nothing open. A file written before folding has no `folded_into` or `held`: nothing is folded;
 * one written before escalation has no `escalated` count on its incidents: no step was sent.
 */
function incidents(jobs: Record<string, unknown>): Map<string, JobAlertState> {
  const out = new Map<string, JobAlertState>();
  for (const [job, raw] of Object.entries(jobs)) {
    const s = (typeof raw === 'object' && raw !== null ? raw : {}) as { incident?: unknown; folded_into?: unknown; held?: unknown; late_due?: unknown };
    const incident = typeof s.incident === 'object' && s.incident !== null && !Array.isArray(s.incident) ? (s.incident as Incident) : null;
    const state: JobAlertState = { incident };
    if (typeof s.folded_into === 'string') state.folded_into = s.folded_into;
    const held = s.held as { since?: unknown; until?: unknown } | null | undefined;
    if (typeof held?.since === 'string' && typeof held.until === 'string') state.held = { since: held.since, until: held.until };
    if (typeof s.late_due === 'string') state.late_due = s.late_due;
    if (incident || state.folded_into !== undefined || state.held || state.late_due !== undefined) out.set(job, state);
  }
  return out;
}

/** Writes the alert states (only jobs with something to remember: an incident, a fold, a hold, a late notice's due time) and the journal, unless nothing changed. */
export function writeAlertState(dir: string, states: Map<string, JobAlertState>, journal: Set<string>, before: StoredAlerts): void {
  const text = serialize(states, journal);
  if (text === serialize(before.jobs, before.journal)) return;
  makeDirs(join(dir, 'alerts'), STATE_DIR_MODE);
  writeAtomic(file(dir), text, { fsync: true });
}

function serialize(states: Map<string, JobAlertState>, journal: Set<string> | null): string {
  const jobs = Object.fromEntries(
    [...states]
      .filter(([, s]) => s.incident !== null || s.folded_into !== undefined || s.held !== undefined || s.late_due !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return JSON.stringify({ v: 1, jobs, ...(journal ? { journal: [...journal].sort() } : {}) }) + '\n';
}
