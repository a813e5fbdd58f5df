// `<state>/meta/<name>.json`: what a check remembers to save work next time (the cron due times
// of lib/rules/schedule/timing-memo.ts, the maintenance window answers of lib/rules/maintenance/memo.ts).

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

/** The caches a check keeps under meta/. */
export type MetaCache = 'timings' | 'windows';

const file = (dir: string, name: MetaCache) => join(dir, 'meta', `${name}.json`);

/** The stored cache, or null when there is none or it is unreadable (it is only a cache). */
export function readMetaCache(dir: string, name: MetaCache): unknown {
  try {
    return JSON.parse(readStateFileNoFollow(file(dir, name)));
  } catch {
    return null;
  }
}

/** Replaces the stored cache (null: nothing to store); a failure only costs the next check some time. */
export function writeMetaCache(dir: string, name: MetaCache, value: object | null): void {
  if (!value) return;
  try {
    makeDirs(join(dir, 'meta'), STATE_DIR_MODE);
    writeAtomic(file(dir, name), JSON.stringify(value), { fsync: false });
  } catch {
    // A cache that cannot be written is recomputed next time.
  }
}
