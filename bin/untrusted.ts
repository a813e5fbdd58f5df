// What commands say about state directories root would not read (other users can change them).

import type { UntrustedDir } from '../lib/adapters/state/dir.ts';
import type { Io } from './io.ts';

/** One stderr line per untrusted directory, for commands that only show state (status, report, log). */
export function warnUntrusted(untrusted: readonly UntrustedDir[], io: Io): void {
  for (const u of untrusted) io.err(`hb: state directory ${u.dir} is not trusted by root, and nothing in it is shown: ${u.why} (fix: ${u.fix})\n`);
}
