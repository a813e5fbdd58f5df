// A user's own crontab as crontab(1) gave it, kept between checks in `<state>/meta/crontab.json`
// (0600: a crontab can hold secrets). Asking crontab(1) costs a check about 10 ms — loading
// child_process and running a program — every minute; it is asked again only when the spool
// directory's mtime changes, the signal cron itself goes by (crontab(1) replaces a file there on
// every install, edit and removal).

import { makeDirs } from '../fs/make-dirs.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';

const file = (stateDir: string) => join(stateDir, 'meta', 'crontab.json');

/**
 * `owner`'s crontab (null: none): the cached text while `spoolDir` is as it was, else `read()`'s,
 * then cached. A `read` that throws (crontab(1) failed) is not cached; neither is anything when
 * `spoolDir` cannot be looked at.
 */
export async function cachedCrontab(stateDir: string, owner: string, spoolDir: string, read: () => Promise<string | null>): Promise<string | null> {
  let spoolMtimeMs: number;
  try {
    spoolMtimeMs = statSync(spoolDir).mtimeMs;
  } catch {
    return read();
  }
  try {
    const kept = JSON.parse(readFileNoFollow(file(stateDir))) as { owner?: unknown; spool_mtime_ms?: unknown; text?: unknown };
    if (kept.owner === owner && kept.spool_mtime_ms === spoolMtimeMs && (typeof kept.text === 'string' || kept.text === null)) return kept.text;
  } catch {
    // Nothing kept yet, or unreadable: ask.
  }
  const text = await read();
  try {
    makeDirs(join(stateDir, 'meta'), STATE_DIR_MODE);
    writeAtomic(file(stateDir), JSON.stringify({ owner, spool_mtime_ms: spoolMtimeMs, text }), { fsync: false, mode: 0o600 });
  } catch {
    // A read-only observer, a full disk: the next check asks crontab(1) again.
  }
  return text;
}
