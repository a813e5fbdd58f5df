// `hb log`: the event history, oldest first, one readable line (or one stored JSON line) per event.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../lib/rules/errors.ts';
import { readEvents } from '../../lib/adapters/events/log.ts';
import { parseEvent, timeOf, type HbEvent } from '../../lib/rules/events/parse.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';
import { logLine, widthsOf } from '../../lib/rules/report/event-line.ts';
import { mergeByTime } from '../../lib/rules/report/merge.ts';
import { stateDirsToRead } from '../../lib/adapters/state/dir.ts';
import { trustedDirs, warnUntrusted } from '../untrusted.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

interface LogOptions extends GlobalOptions {
  /** ms, from parseSince. */
  since?: number;
}

/** Lines are written in chunks: a long history never builds one giant string. */
const CHUNK = 2000;

/**
 * Runs `hb log [JOB]` and returns its exit code. A job name is a usage error (exit 2) only when
 * hb knows nothing of it: no event ever, no heartbeat or run marker, not in the config.
 */
export async function runLog(job: string | undefined, opts: LogOptions, io: Io): Promise<number> {
  if (job !== undefined) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const windowMs = opts.since ?? null;
  const ctx = await loadContext(opts, io);
  const read = stateDirsToRead(ctx.state);
  warnUntrusted(read.untrusted, io);
  const dirs = trustedDirs(read);
  const all = mergeByTime(dirs.map((d) => readEvents(d).events));
  const mine = job === undefined ? all : all.filter((e) => e.job === job);
  if (
    job !== undefined &&
    mine.length === 0 &&
    !ctx.config.jobs.has(job) &&
    !dirs.some((d) => existsSync(join(d, `${job}.last`)) || existsSync(join(d, `${job}.run`)))
  ) {
    throw new UsageError(`no job named ${job}: no events, no heartbeat in ${dirs.join(' or ')} and not in the config`);
  }
  let shown: HbEvent[] = mine;
  if (windowMs !== null) {
    const from = io.now() - windowMs;
    shown = mine.filter((e) => timeOf(e) >= from);
  }
  let write = (from: number) =>
    shown
      .slice(from, from + CHUNK)
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n';
  if (!opts.json) {
    // The stored line as it stands for --json; read through its type's fields for words.
    const read = shown.map(parseEvent);
    const widths = widthsOf(read);
    write = (from) =>
      read
        .slice(from, from + CHUNK)
        .map((e) => logLine(e, widths))
        .join('\n') + '\n';
  }
  await writeChunks(io, shown.length, write);
  return 0;
}

/**
 * Writes the output chunk by chunk and stops quietly when the reader goes away (`hb log | head`),
 * as `cat` would, instead of dying on EPIPE with a stack trace. The pipe error arrives on the next
 * turn of the event loop, so each chunk waits for one.
 */
async function writeChunks(io: Io, total: number, chunk: (from: number) => string): Promise<void> {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  };
  process.stdout.on('error', onError);
  try {
    for (let i = 0; i < total && !closed; i += CHUNK) {
      io.out(chunk(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // Later EPIPEs (a write still in flight) must not crash the exit either.
    if (!closed) process.stdout.off('error', onError);
  }
}
