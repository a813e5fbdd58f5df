// The per-job cycle counter. Runs of one job that start together (a slow tick and the next one,
// a retry loop, a fleet of identical cron lines) must still get one number each: the last number
// handed out is kept in `<state>/cycles/<job>.n` and advanced under a short lock.

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import { acquireLock, type LockInfo } from './lock.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';
import { pauseSync } from '../fs/pause.ts';

/** Path of a job's counter; the `.n` suffix can never meet a lock file's `.lock` name. */
export const cyclePath = (dir: string, job: string) => join(dir, 'cycles', `${job}.n`);

/** How long to wait for a competing run (tests make it short or observable). */
export interface CycleOptions {
  /** Attempts at the lock before counting without it (default 400, about 2 s). */
  attempts?: number;
  /** Blocks for `ms` between attempts (default: Atomics.wait, no event loop needed). */
  sleep?: (ms: number) => void;
}

/**
 * Hands out the next cycle of `job`: one more than both `floor` (what its heartbeat and run
 * marker say, which keeps the count going when the counter is new or was deleted) and the
 * counter. The lock is held only for a read and a small write. When the lock cannot be had (an
 * unwritable folder, a holder that never lets go) the run still gets `floor + 1`: a duplicate
 * cycle is better than a lost heartbeat.
 */
export function nextCycle(dir: string, job: string, floor: number, holder: LockInfo, opts: CycleOptions = {}): number {
  const path = cyclePath(dir, job);
  const release = lockCounter(join(dir, 'cycles'), `${job}.lock`, holder, opts);
  try {
    const cycle = Math.max(floor, readCounter(path)) + 1;
    if (release) {
      try {
        writeAtomic(path, `${cycle}\n`, { fsync: false });
      } catch {
        // The heartbeat and marker still carry the number; the next run starts from them.
      }
    }
    return cycle;
  } finally {
    release?.();
  }
}

/**
 * Takes `given` as this run's cycle (`--cycle N`, an agent that keeps its own count) and moves the
 * counter up to it when it is behind, so a later run without `--cycle` gets a number above N. A
 * counter already past N stays where it is: the count never goes back, and the next plain run
 * goes on from it. Without the lock the counter is left alone; the heartbeat still carries N.
 */
export function takeCycle(dir: string, job: string, given: number, holder: LockInfo, opts: CycleOptions = {}): number {
  const path = cyclePath(dir, job);
  const release = lockCounter(join(dir, 'cycles'), `${job}.lock`, holder, opts);
  if (!release) return given;
  try {
    if (readCounter(path) < given) writeAtomic(path, `${given}\n`, { fsync: false });
  } catch {
    // As in nextCycle: the heartbeat and marker carry the number.
  } finally {
    release();
  }
  return given;
}

/** The last number handed out; 0 when there is no counter or it is unreadable. */
export function readCounter(path: string): number {
  try {
    const n = Number(readFileNoFollow(path).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function lockCounter(folder: string, name: string, holder: LockInfo, opts: CycleOptions): (() => boolean) | null {
  const attempts = opts.attempts ?? 400;
  const sleep = opts.sleep ?? pauseSync;
  try {
    makeDirs(folder, STATE_DIR_MODE);
    for (let i = 0; i < attempts; i++) {
      // A dead holder (killed mid-count) is taken over by acquireLock itself.
      const got = acquireLock(join(folder, name), holder);
      if (got.acquired) return got.release;
      // Short waits first: the holder needs well under a millisecond of work.
      sleep(i < 20 ? 1 : Math.min(2 + (i % 8), 10));
    }
  } catch {
    // An unusable folder: count without the lock.
  }
  return null;
}
