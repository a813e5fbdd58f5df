// When hb first saw each configured job that has no heartbeat yet: the anchor of the `never` rule.

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

const file = (dir: string) => join(dir, 'meta', 'first-seen.json');

/** Reads the first-seen map (job → ms); empty when missing or unreadable. */
export function readFirstSeen(dir: string): Map<string, number> {
  try {
    const data = JSON.parse(readStateFileNoFollow(file(dir))) as Record<string, string>;
    return new Map(
      Object.entries(data)
        .map(([job, at]) => [job, Date.parse(at)] as [string, number])
        .filter(([, ms]) => !Number.isNaN(ms)),
    );
  } catch {
    return new Map();
  }
}

/**
 * Records `nowMs` for jobs without a heartbeat that are not yet in the map and drops jobs that
 * have one; writes only when something changed. Returns the updated map.
 */
export function updateFirstSeen(dir: string, seen: Map<string, number>, waiting: string[], nowMs: number): Map<string, number> {
  const next = new Map<string, number>();
  for (const job of waiting) next.set(job, seen.get(job) ?? nowMs);
  const changed = next.size !== seen.size || [...next].some(([job, ms]) => seen.get(job) !== ms);
  if (changed) {
    try {
      makeDirs(join(dir, 'meta'), STATE_DIR_MODE);
      const out = Object.fromEntries([...next].map(([job, ms]) => [job, new Date(ms).toISOString()]));
      writeAtomic(file(dir), JSON.stringify(out) + '\n', { fsync: false });
    } catch {
      // Without the note the job stays "waiting" one more check; never worth failing a check.
    }
  }
  return next;
}
