// `hb check --textfile PATH`: hand node_exporter's textfile collector a file it can never read
// half-written.

import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { HbError, UsageError } from '../errors.ts';

/**
 * Writes `content` to `path` atomically: a temp file beside it, fsynced, renamed over `path`.
 * The temp name ends in `.tmp`, never `.prom`, because the collector reads every `*.prom` in
 * the directory and would scrape a partial file. Synchronous: `hb check` is a one-shot process
 * with nothing to overlap, and the caller can catch a plain throw.
 */
export function writeTextfile(path: string, content: string): void {
  const name = basename(path);
  if (!name.endsWith('.prom') || name === '.prom') {
    throw new UsageError(`${path}: the file name must end in .prom (node_exporter's textfile collector reads only *.prom files)`);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      // node_exporter usually runs as another user: make the file readable whatever the umask.
      fchmodSync(fd, 0o644);
      writeFileSync(fd, content, 'utf8');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw new HbError(`cannot write ${path}: ${describe(e as NodeJS.ErrnoException)}`);
  }
}

// Node's fs messages repeat the code and name the temp file; the person needs the cause only.
function describe(err: NodeJS.ErrnoException): string {
  const m = /^[A-Z]+: ([^,]+)/.exec(err.message);
  return err.code && m ? `${err.code} (${m[1]})` : err.message;
}
