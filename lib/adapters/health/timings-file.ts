// `<state>/meta/timings.json`: the remembered cron due times of lib/schedule/timing-memo.ts.

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import type { StoredTimings } from '../../rules/schedule/timing-memo.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

const file = (dir: string) => join(dir, 'meta', 'timings.json');

/** The stored timings, or null when there are none or they are unreadable (they are only a cache). */
export function readTimings(dir: string): unknown {
  try {
    return JSON.parse(readStateFileNoFollow(file(dir)));
  } catch {
    return null;
  }
}

/** Replaces the stored timings; a failure only costs the next check some time. */
export function writeTimings(dir: string, timings: StoredTimings | null): void {
  if (!timings) return;
  try {
    makeDirs(join(dir, 'meta'), STATE_DIR_MODE);
    writeAtomic(file(dir), JSON.stringify(timings), { fsync: false });
  } catch {
    // A cache that cannot be written is recomputed next time.
  }
}
