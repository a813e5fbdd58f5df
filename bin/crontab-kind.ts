// How a crontab named with --crontab is read: as --system or --user-crontab say, else as hb
// guesses from its place and lines, against this host's users and the programs on cron's PATH.

import { accessSync, constants } from 'node:fs';
import { UsageError } from '../lib/rules/errors.ts';
import { guessCrontabKind, type KindGuess } from '../lib/rules/crontab/kind.ts';

/** The flags that settle a --crontab file's format. */
export interface KindFlags {
  system?: boolean;
  userCrontab?: boolean;
}

// Where cron's PATH (and the usual sbin directories) find a program named in a crontab.
const PROGRAM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function isProgram(name: string): boolean {
  if (name.includes('/')) return false;
  return PROGRAM_DIRS.some((dir) => {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Refuses --system together with --user-crontab. */
export function checkKindFlags(flags: KindFlags): void {
  if (flags.system && flags.userCrontab)
    throw new UsageError('--system and --user-crontab do not go together: a file has a user field after the schedule (--system) or not (--user-crontab)');
}

/** The format `path` is read in: the flag's, else the guess (users: this host's logins). */
export function givenCrontabKind(path: string, text: string, flags: KindFlags, users: ReadonlyMap<string, string>): KindGuess {
  if (flags.system) return { kind: 'system', sure: true, why: 'as --system says' };
  if (flags.userCrontab) return { kind: 'user', sure: true, why: 'as --user-crontab says' };
  return guessCrontabKind(path, text, { isUser: (name) => users.has(name), isProgram });
}

/** The kind as a reader says it. */
export const kindLabel = (g: KindGuess) => (g.kind === 'system' ? 'a system crontab (a user field after the schedule)' : 'a user crontab (no user field)');
