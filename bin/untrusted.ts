// What commands say about state directories root would not read (other users can change them).

import { HbError } from '../lib/rules/errors.ts';
import type { StateDirsToRead, UntrustedDir } from '../lib/adapters/state/dir.ts';
import type { Io } from './io.ts';

/** One stderr line per untrusted directory, for commands that only show state (status, report, log). */
export function warnUntrusted(untrusted: readonly UntrustedDir[], io: Io): void {
  for (const u of untrusted) io.err(`hb: state directory ${u.dir} is not trusted by root, and nothing in it is shown: ${u.why} (fix: ${u.fix})\n`);
}

/** The directories to read; when root can trust none of them there is nothing to judge, and it says why (exit 2). */
export function trustedDirs(read: StateDirsToRead): string[] {
  if (read.dirs.length > 0) return read.dirs;
  throw new HbError(`no state directory root can trust: ${read.untrusted.map((u) => `${u.dir}: ${u.why} (fix: ${u.fix})`).join('; ')}`, 2);
}
