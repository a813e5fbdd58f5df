// `<state>/alerts/state.json`: each job's alert state, replaced atomically after every acting check.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import type { JobAlertState } from './incident.ts';

const file = (dir: string) => join(dir, 'alerts', 'state.json');

/** Reads the alert states; an unreadable file starts over quietly for no job (nothing is open). */
export function readAlertState(dir: string): Map<string, JobAlertState> {
  try {
    const data = JSON.parse(readFileNoFollow(file(dir))) as { v?: number; jobs?: Record<string, JobAlertState> };
    if (data.v !== 1 || typeof data.jobs !== 'object' || data.jobs === null) return new Map();
    return new Map(Object.entries(data.jobs).filter(([, s]) => typeof s?.streak === 'number'));
  } catch {
    return new Map();
  }
}

/** Writes the alert states (only jobs with something to remember), unless nothing changed. */
export function writeAlertState(dir: string, states: Map<string, JobAlertState>, before: Map<string, JobAlertState>): void {
  const text = serialize(states);
  if (text === serialize(before)) return;
  mkdirSync(join(dir, 'alerts'), { recursive: true, mode: 0o755 });
  writeAtomic(file(dir), text, { fsync: true });
}

function serialize(states: Map<string, JobAlertState>): string {
  const jobs = Object.fromEntries([...states].filter(([, s]) => s.streak > 0 || s.incident !== null).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ v: 1, jobs }) + '\n';
}
