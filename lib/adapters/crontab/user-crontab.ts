// A user's crontab through crontab(1): the spool file is crontab's to read and replace (it checks
// the text and swaps the file in whole), not ours.

import { HbError } from '../../rules/errors.ts';
import { sizeText } from '../fs/given-file.ts';
import { CRONTAB_CAP } from '../../rules/crontab/locations.ts';

async function crontabProgram(args: string[], input?: string) {
  const { spawnSync } = await import('node:child_process');
  // What crontab prints is read up to the crontab cap (and its messages as far), never further:
  // past it, the program is stopped and the crontab refused like a file that big.
  const r = spawnSync('crontab', args, { encoding: 'utf8', timeout: 30_000, maxBuffer: CRONTAB_CAP.maxBytes, ...(input === undefined ? {} : { input }) });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOBUFS') {
      throw new HbError(`crontab: crontab ${args.join(' ')} printed more than ${sizeText(CRONTAB_CAP.maxBytes)}, the most hb reads of ${CRONTAB_CAP.what}`, 2);
    }
    throw new HbError(
      code === 'ENOENT' ? 'crontab: the crontab program is not installed (Debian: apt-get install cron)' : `crontab: cannot run crontab: ${r.error.message}`,
      2,
    );
  }
  return r;
}

/** `user`'s crontab (this user's when undefined), null when there is none; throws when crontab fails. */
export async function readUserCrontab(user: string | undefined): Promise<string | null> {
  const r = await crontabProgram([...(user ? ['-u', user] : []), '-l']);
  if (r.status === 0) return r.stdout;
  if (/no crontab for/i.test(r.stderr)) return null;
  throw new HbError(`crontab: crontab -l failed: ${r.stderr.trim() || `exit ${r.status}`}`, 2);
}

/** Installs `text` as `user`'s crontab. */
export async function writeUserCrontab(text: string, user: string | undefined): Promise<void> {
  const r = await crontabProgram([...(user ? ['-u', user] : []), '-'], text);
  if (r.status !== 0) throw new HbError(`crontab: crontab refused the new crontab: ${r.stderr.trim() || `exit ${r.status}`}`, 2);
}
