// `hb check --textfile PATH`: hand node_exporter's textfile collector a file it can never read
// half-written.

import { basename } from 'node:path';
import { HbError, UsageError } from '../../rules/errors.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { outputRefusal } from '../fs/output-path.ts';

/**
 * Writes `content` (the text, or its pieces in order) to `path` atomically: a temp file beside it, fsynced, renamed over `path`
 * (a regular file or nothing: a link or anything else under the name is refused, exit 2).
 * The temp name ends in `.tmp`, never `.prom`, because the collector reads every `*.prom` in
 * the directory and would scrape a partial file. Synchronous: `hb check` is a one-shot process
 * with nothing to overlap, and the caller can catch a plain throw.
 */
export function writeTextfile(path: string, content: string | Iterable<string>): void {
  const name = basename(path);
  if (!name.endsWith('.prom') || name === '.prom') {
    throw new UsageError(`${path}: the file name must end in .prom (node_exporter's textfile collector reads only *.prom files)`);
  }
  const refusal = outputRefusal(path);
  if (refusal) throw new UsageError(`${path}: ${refusal}`);
  try {
    // node_exporter usually runs as another user: readable whatever the umask.
    writeAtomic(path, content, { fsync: true, mode: 0o644 });
  } catch (e) {
    throw new HbError(`cannot write ${path}: ${describe(e as NodeJS.ErrnoException)}`);
  }
}

// Node's fs messages repeat the code and name the temp file; the person needs the cause only.
function describe(err: NodeJS.ErrnoException): string {
  const m = /^[A-Z]+: ([^,]+)/.exec(err.message);
  return err.code && m ? `${err.code} (${m[1]})` : err.message;
}
