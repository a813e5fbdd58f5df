// Maintenance windows: `<state>/paused/<job>.json`. A paused job is shown as paused and never
// alerts; when the pause ends (`hb resume`, or `--for` running out) the job's clock restarts.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

/** A job's pause: until when (null: until resumed), or when it was resumed. */
export interface PauseRecord {
  paused_at?: string;
  until?: string | null;
  resumed_at?: string;
}

/** What a check needs to know: paused until (Infinity: until resumed), or resumed at. */
export interface PauseFacts {
  pausedUntilMs: number | null;
  resumedAtMs: number | null;
}

const dirOf = (dir: string) => join(dir, 'paused');
const fileOf = (dir: string, job: string) => join(dirOf(dir), `${job}.json`);

/** Pauses a job until `untilMs` (null: until `hb resume`). */
export function pauseJob(dir: string, job: string, nowMs: number, untilMs: number | null): void {
  makeDirs(dirOf(dir), STATE_DIR_MODE);
  const record: PauseRecord = { paused_at: new Date(nowMs).toISOString(), until: untilMs === null ? null : new Date(untilMs).toISOString() };
  writeAtomic(fileOf(dir, job), JSON.stringify(record) + '\n', { fsync: true });
}

/** Ends a pause now; returns false when the job was not paused. */
export function resumeJob(dir: string, job: string, nowMs: number): boolean {
  const facts = readPauses(dir, nowMs).get(job);
  if (!facts || facts.pausedUntilMs === null) return false;
  writeAtomic(fileOf(dir, job), JSON.stringify({ resumed_at: new Date(nowMs).toISOString() } satisfies PauseRecord) + '\n', { fsync: true });
  return true;
}

/** Every job's pause facts. A pause whose `until` has passed counts as resumed then. */
export function readPauses(dir: string, nowMs: number): Map<string, PauseFacts> {
  const out = new Map<string, PauseFacts>();
  let names: string[];
  try {
    names = readdirSync(dirOf(dir));
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      const data = JSON.parse(readStateFileNoFollow(join(dirOf(dir), name))) as PauseRecord;
      const job = name.slice(0, -5);
      if (data.resumed_at) {
        out.set(job, { pausedUntilMs: null, resumedAtMs: Date.parse(data.resumed_at) });
        continue;
      }
      const until = data.until ? Date.parse(data.until) : Infinity;
      out.set(job, until > nowMs ? { pausedUntilMs: until, resumedAtMs: null } : { pausedUntilMs: null, resumedAtMs: until });
    } catch {
      // An unreadable pause file pauses nothing.
    }
  }
  return out;
}
