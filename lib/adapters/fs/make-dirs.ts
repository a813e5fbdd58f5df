// mkdir -p with a bound. Node's own recursive mkdir retries without end when the kernel answers
// ENOENT for a path whose parent exists (a name under /proc or /sys: `mkdir /proc/nope` is
// ENOENT, `mkdir /proc` is EEXIST, and round again), which spun hb at 100% CPU forever.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and any missing parents with `mode` (the umask applies, as with mkdir). Each
 * level is tried at most twice, once before and once after its parent is made, so the number
 * of system calls is bounded by the depth of the path; the second failure is thrown as it is.
 * An existing directory (or a link to one) is success; an existing file is EEXIST.
 */
export function makeDirs(dir: string, mode: number): void {
  const path = resolve(dir);
  try {
    mkdirSync(path, { mode });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return mustBeDirectory(path, e);
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw e;
    makeDirs(parent, mode);
  }
  try {
    mkdirSync(path, { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    mustBeDirectory(path, e);
  }
}

function mustBeDirectory(path: string, existing: unknown): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // A dangling link or a name gone meanwhile: not a directory hb can use.
  }
  if (!isDir) throw existing;
}
