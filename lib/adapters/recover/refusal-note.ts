// The guarded files a healthy check last refused to snapshot (a link, a path others control),
// kept in `recover/<job>/refused`, so the check says so once when it starts, not every minute.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFileNoFollow } from '../fs/no-follow.ts';
import { ensurePrivateDir, writeBytesAtomic } from './atomic.ts';
import { jobRecoverDir } from '../../rules/recover/paths.ts';

const FILE = 'refused';

/** The refusal last reported for `job`, or null (none, or unreadable: it is reported again). */
export function readRefusalNote(stateDir: string, job: string): string | null {
  try {
    return readFileNoFollow(join(jobRecoverDir(stateDir, job), FILE));
  } catch {
    return null;
  }
}

/** Keeps `text` as the refusal reported for `job` (null: nothing is refused any more). */
export function writeRefusalNote(stateDir: string, job: string, text: string | null): void {
  const dir = jobRecoverDir(stateDir, job);
  if (text === null) {
    rmSync(join(dir, FILE), { force: true });
    return;
  }
  ensurePrivateDir(join(stateDir, 'recover'));
  ensurePrivateDir(dir);
  writeBytesAtomic(join(dir, FILE), Buffer.from(text), 0o600);
}
