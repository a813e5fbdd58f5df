// What dead-man recovery last concluded for a job that it could not bring back, kept in
// `recover/<job>/outcome.json` until the job is healthy again: every reader (a check that does
// not act, hb status, the report) then shows the job as the recovery state, not as its heartbeat.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFileNoFollow } from '../fs/no-follow.ts';
import type { RecoveryOutcome, RecoveryStatus } from '../../rules/health/types.ts';
import { ensurePrivateDir, writeBytesAtomic } from './atomic.ts';
import { jobRecoverDir } from '../../rules/recover/paths.ts';

const STATUSES: ReadonlySet<string> = new Set<RecoveryStatus>(['recovery_exhausted', 'recovery_failed', 'recovery_refused']);
const FILE = 'outcome.json';
// Written by versions that only knew the spent budget: a timestamp line.
const LEGACY_BLOCKED = 'blocked';

/** The kept outcome for `job` in `stateDir`, or null (none, or unreadable: the next acting check writes it again). */
export function readRecoveryOutcome(stateDir: string, job: string): RecoveryOutcome | null {
  const dir = jobRecoverDir(stateDir, job);
  try {
    const data = JSON.parse(readFileNoFollow(join(dir, FILE))) as Partial<RecoveryOutcome> | null;
    if (data && typeof data.status === 'string' && STATUSES.has(data.status) && typeof data.reason === 'string' && typeof data.at === 'string') {
      return { status: data.status, reason: data.reason, at: data.at };
    }
  } catch {
    // Absent or unreadable.
  }
  try {
    const at = readFileNoFollow(join(dir, LEGACY_BLOCKED)).trim();
    return { status: 'recovery_exhausted', reason: 'restart budget spent: not restarting again; needs a person', at };
  } catch {
    return null;
  }
}

/** Keeps `outcome` for `job` (null: the job is healthy again, nothing is kept). */
export function writeRecoveryOutcome(stateDir: string, job: string, outcome: RecoveryOutcome | null): void {
  const dir = jobRecoverDir(stateDir, job);
  rmSync(join(dir, LEGACY_BLOCKED), { force: true });
  if (outcome === null) {
    rmSync(join(dir, FILE), { force: true });
    return;
  }
  ensurePrivateDir(join(stateDir, 'recover'));
  ensurePrivateDir(dir);
  writeBytesAtomic(join(dir, FILE), Buffer.from(JSON.stringify(outcome) + '\n'), 0o600);
}
