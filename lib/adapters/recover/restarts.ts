// A job's restart history, `<state>/recover/<job>/restarts.json`: the instants (ms) the restart
// budget counts. Bounded to a day and 100 entries, which is why a budget's window is at most a day.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writeBytesAtomic } from './atomic.ts';
import { jobRecoverDir } from '../../rules/recover/paths.ts';

/** How long and how many restarts are remembered. */
export const RESTART_MEMORY = { ms: 86_400_000, count: 100 } as const;

/** Path of a job's restart history. */
export const restartsPath = (stateDir: string, job: string): string => join(jobRecoverDir(stateDir, job), 'restarts.json');

/** The entries worth keeping at `nowMs`, oldest first; pure. Future instants are kept (the clock may have stepped back). */
export function pruneRestarts(list: readonly number[], nowMs: number): number[] {
  return list
    .filter((t) => Number.isFinite(t) && t > nowMs - RESTART_MEMORY.ms)
    .sort((a, b) => a - b)
    .slice(-RESTART_MEMORY.count);
}

/** The recorded restarts; a missing file is none, a damaged one is none with a `problem` to report. */
export function readRestarts(stateDir: string, job: string): { restarts: number[]; problem: string | null } {
  const path = restartsPath(stateDir, job);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { restarts: [], problem: code === 'ENOENT' ? null : `${path}: cannot read (${code ?? (e as Error).message})` };
  }
  try {
    const data = JSON.parse(text) as { v?: unknown; restarts?: unknown };
    if (data.v === 1 && Array.isArray(data.restarts) && data.restarts.every((t) => typeof t === 'number')) {
      return { restarts: data.restarts, problem: null };
    }
  } catch {
    // Reported below.
  }
  return { restarts: [], problem: `${path}: not a v1 restart history; counting from zero` };
}

/** Records a restart at `atMs` (before running it, so a crash mid-restart still counts); returns the history. */
export function appendRestart(stateDir: string, job: string, atMs: number): number[] {
  ensurePrivateDir(join(stateDir, 'recover'));
  ensurePrivateDir(jobRecoverDir(stateDir, job));
  const restarts = pruneRestarts([...readRestarts(stateDir, job).restarts, atMs], atMs);
  writeBytesAtomic(restartsPath(stateDir, job), Buffer.from(JSON.stringify({ v: 1, restarts }) + '\n'), 0o600);
  return restarts;
}
