// `<state>/meta/windows.json`: the remembered maintenance window answers of lib/rules/maintenance/memo.ts.

import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import type { StoredWindows } from '../../rules/maintenance/memo.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { makeDirs } from '../fs/make-dirs.ts';

const file = (dir: string) => join(dir, 'meta', 'windows.json');

/** The stored answers, or null when there are none or they are unreadable (they are only a cache). */
export function readWindows(dir: string): unknown {
  try {
    return JSON.parse(readStateFileNoFollow(file(dir)));
  } catch {
    return null;
  }
}

/** Replaces the stored answers; a failure only costs the next check some time. */
export function writeWindows(dir: string, windows: StoredWindows | null): void {
  if (!windows) return;
  try {
    makeDirs(join(dir, 'meta'), STATE_DIR_MODE);
    writeAtomic(file(dir), JSON.stringify(windows), { fsync: false });
  } catch {
    // A cache that cannot be written is recomputed next time.
  }
}
