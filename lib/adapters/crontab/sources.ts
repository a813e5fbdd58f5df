// Reading the crontabs cron reads: the files and /etc/cron.d entries `locations.ts` names, each
// within its cap, group/other-writable cron.d files skipped; an unreadable user crontab asked of
// an injected reader.

import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readGivenFile } from '../fs/given-file.ts';
import { CRONTAB_CAP, cronDNameOk, crontabKindOf, type CrontabText } from '../../rules/crontab/locations.ts';
import type { CrontabKind } from '../../rules/crontab/parse.ts';

/** A user's crontab from crontab(1), for a spool file (`path`) hb may not read: the text, or null when there is none. */
export type CrontabReader = (owner: string, path: string) => Promise<string | null>;

/**
 * Reads the crontabs cron runs among `paths`: a directory as cron reads /etc/cron.d (names cron
 * ignores and group/other-writable files skipped, in name order), a file as it is (a regular
 * file of at most CRONTAB_CAP; anything else is never opened). A user
 * crontab that exists but cannot be read (only root and crontab(1) read Debian's spool) is asked
 * of `unreadable` when given. Whatever else cannot be read is skipped: the lookup reads what it
 * can, `hb doctor` reports the rest.
 */
export async function readCrontabs(paths: readonly string[], unreadable?: CrontabReader): Promise<CrontabText[]> {
  const out: CrontabText[] = [];
  const read = async (path: string, kind: CrontabKind) => {
    const owner = kind === 'user' ? basename(path) : null;
    try {
      out.push({ path, kind, owner, text: readGivenFile(path, CRONTAB_CAP) });
    } catch (e) {
      // A spool file hb may not read is asked of crontab(1); one that is not there, or is a
      // FIFO, a device or over the cap, is skipped: crontab(1) would read the same file.
      const code = (e as NodeJS.ErrnoException).code;
      if (owner === null || !unreadable || code === 'ENOENT' || code === 'ENOTREG' || code === 'EFBIG') return;
      const text = await unreadable(owner, path);
      if (text !== null) out.push({ path, kind, owner, text });
    }
  };
  for (const path of paths) {
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      await read(path, crontabKindOf(path));
      continue;
    }
    for (const name of names) {
      const file = join(path, name);
      if (!cronDNameOk(name)) continue;
      try {
        const st = statSync(file);
        if (!st.isFile() || (st.mode & 0o022) !== 0) continue;
      } catch {
        continue;
      }
      await read(file, 'system');
    }
  }
  return out;
}
