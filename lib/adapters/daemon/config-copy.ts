// The config hb daemon holds, kept where its runs read it: each `hb tick`/`hb check` it starts
// gets `--config FILE --config-snapshot COPY` and so runs with the config the daemon loaded last
// (at start or on SIGHUP), never with an edit the daemon has not taken, or refused.

import { dirname, join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { makeDirs } from '../fs/make-dirs.ts';
import { unlinkQuiet } from '../fs/quiet.ts';

/** Where the daemon of a state directory keeps its config (one daemon per state directory). */
export const configCopyPath = (stateDir: string): string => join(stateDir, 'daemon', 'config.yaml');

/** Replaces the copy with `text` atomically: 0600 in 0700, as a config may hold secrets. */
export function writeConfigCopy(path: string, text: string): void {
  makeDirs(dirname(path), 0o700);
  writeAtomic(path, text, { fsync: false, mode: 0o600 });
}

/** Removes the copy when the daemon stops; its runs have ended by then. */
export function removeConfigCopy(path: string): void {
  unlinkQuiet(path);
}
