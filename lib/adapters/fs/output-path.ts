// Where hb writes a file a person named (report --output, crontab --file, check --textfile, the
// units of systemd --output-dir): a new file, or a regular file replaced atomically. A symbolic
// link, a device, a FIFO, a socket or a directory under the name is never replaced: run as root,
// `--output /dev/null` would otherwise leave the host without its /dev/null.

import { lstatSync, readlinkSync } from 'node:fs';
import { fileKind } from './no-follow.ts';

/**
 * Why hb may not write `path`, in words without the path, or null when it may: nothing is there
 * yet, or a regular file is. A name that cannot be looked at (a missing directory, no
 * permission) is left to the write, which reports it.
 */
export function outputRefusal(path: string): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  if (st.isFile()) return null;
  const rule = 'hb writes only a new file or over a regular one';
  if (st.isSymbolicLink()) {
    let target = '';
    try {
      target = ` to ${readlinkSync(path)}`;
    } catch {
      // Gone meanwhile: still not a file to replace.
    }
    return `is a symbolic link${target}; ${rule}, never a link (name the file it points to, if that is the one)`;
  }
  return `is ${fileKind(st)}, not a regular file; ${rule}`;
}
