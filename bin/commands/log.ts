// `hb log`: the event history, oldest first, one readable line (or one stored JSON line) per event.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../lib/rules/errors.ts';
import { eventsIn } from '../../lib/adapters/events/read.ts';
import { parseEvent, timeOf, type HbEvent, type ReadEvent } from '../../lib/rules/events/parse.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';
import { lineMaker, widen, widthsOf } from '../../lib/rules/report/event-line.ts';
import { mergeByTime } from '../../lib/rules/report/merge.ts';
import { stateDirsToRead } from '../../lib/adapters/state/dir.ts';
import { trustedDirs } from '../../lib/check/scope.ts';
import { warnUntrusted } from '../untrusted.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';
import { formatDuration } from '../../lib/rules/duration.ts';
import { FAILED_OUTPUTS_KEPT, failedOutputParts, type FailedOutput } from '../../lib/rules/history/failed-output.ts';
import { readFailedOutputs } from '../../lib/adapters/history/failed-output.ts';

interface LogOptions extends GlobalOptions {
  /** ms, from parseSince. */
  since?: number;
  /** -n: only the last N lines (after JOB and --since), from parseLogLines. */
  n?: number;
  /** --output: the output of the job's last failed runs instead of its events. */
  output?: boolean;
}

/** Lines are written in chunks: a long history never builds one giant string. */
const CHUNK = 2000;

/**
 * Lines held before the first is printed, so job and type line up over them; a longer history
 * is printed as it is read, and its columns widen when a longer name comes (never narrow).
 */
const ALIGN_AHEAD = 10_000;

/**
 * Runs `hb log [JOB]` and returns its exit code. A job name is a usage error (exit 2) only when
 * hb knows nothing of it: no event ever, no heartbeat or run marker, not in the config. The log is
 * streamed: only the lines being printed are held (with -n, the last N).
 */
export async function runLog(job: string | undefined, opts: LogOptions, io: Io): Promise<number> {
  if (job !== undefined) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  if (opts.output && job === undefined) throw new UsageError('--output: name the job whose failed runs to show (hb log JOB --output)');
  const ctx = await loadContext(opts, io);
  const read = stateDirsToRead(ctx.state);
  warnUntrusted(read.untrusted, io);
  const dirs = trustedDirs(read);
  const from = opts.since === undefined ? null : io.now() - opts.since;
  const known = (name: string) => ctx.config.jobs.has(name) || dirs.some((d) => existsSync(join(d, `${name}.last`)) || existsSync(join(d, `${name}.run`)));
  if (opts.output) return showFailedOutputs(job!, dirs, from, opts, io, known);
  let mine = 0;
  function* shown(): Generator<HbEvent> {
    for (const e of mergeByTime(dirs.map((d) => eventsIn(d)))) {
      if (job !== undefined && e.job !== job) continue;
      mine++;
      if (from === null || timeOf(e) >= from) yield e;
    }
  }
  const lines = opts.n === undefined ? shown() : lastOf(shown(), opts.n);
  const complete = writeChunks(io, opts.json ? asStored(lines) : inWords(lines));
  if (complete && job !== undefined && mine === 0 && !known(job)) throw noSuchJob(job, dirs);
  return 0;
}

const noSuchJob = (job: string, dirs: string[]) => new UsageError(`no job named ${job}: no events, no heartbeat in ${dirs.join(' or ')} and not in the config`);

/**
 * `hb log JOB --output`: the output kept of the job's last failed runs (docs/state.md), oldest
 * first, from every state directory read; `--since` and `-n` choose among them as among events.
 * A job hb knows with none kept is one line and exit 0; a job it does not know, exit 2.
 */
function showFailedOutputs(job: string, dirs: string[], from: number | null, opts: LogOptions, io: Io, known: (job: string) => boolean): number {
  let entries: FailedOutput[] = [];
  for (const dir of dirs) {
    try {
      entries.push(...readFailedOutputs(dir, job));
    } catch (e) {
      io.err(`hb: the output of ${job}'s failed runs in ${dir} is not shown: ${(e as Error).message}\n`);
    }
  }
  entries.sort((a, b) => a.finished_at.localeCompare(b.finished_at));
  if (from !== null) entries = entries.filter((e) => Date.parse(e.finished_at) >= from);
  if (opts.n !== undefined) entries = entries.slice(-opts.n);
  if (entries.length > 0) {
    writeChunks(io, opts.json ? entries.map((e) => JSON.stringify(e) + '\n') : failedOutputParts(entries));
    return 0;
  }
  if (!known(job) && !hasEvents(job, dirs)) throw noSuchJob(job, dirs);
  const which = from === null ? '' : ` in the last ${formatDuration(opts.since!)}`;
  // One line a person reads; on stderr under --json, so a pipe into jq gets only JSON.
  const none = `no failed run of ${job}${which} has its output kept (hb keeps the last ${FAILED_OUTPUTS_KEPT} in ${dirs[0]}/history)\n`;
  if (opts.json) io.err(none);
  else io.out(none);
  return 0;
}

/** Whether the event log names `job` at all (read only when nothing else does). */
function hasEvents(job: string, dirs: string[]): boolean {
  for (const e of mergeByTime(dirs.map((d) => eventsIn(d)))) if (e.job === job) return true;
  return false;
}

/** The last `n` of a stream, oldest first: a ring of n, whatever the stream's length. */
function lastOf<T>(stream: Iterable<T>, n: number): T[] {
  const ring: T[] = [];
  let next = 0;
  for (const item of stream) {
    if (ring.length < n) ring.push(item);
    else ring[next] = item;
    next = (next + 1) % n;
  }
  return ring.length < n ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}

/** Text of CHUNK lines at a time, each line `line(item)`, each chunk ending in a newline. */
function* chunks<T>(items: Iterable<T>, line: (item: T) => string): Generator<string> {
  let chunk = '';
  let n = 0;
  for (const item of items) {
    chunk += line(item) + '\n';
    if (++n < CHUNK) continue;
    yield chunk;
    chunk = '';
    n = 0;
  }
  if (n > 0) yield chunk;
}

/** The stored line of each event (for --json), in chunks. */
const asStored = (events: Iterable<HbEvent>) => chunks(events, (e) => JSON.stringify(e));

/** Each event in words, its type's fields read through the parser, in chunks; columns aligned over what is held. */
function* inWords(events: Iterable<HbEvent>): Generator<string> {
  const ahead: ReadEvent[] = [];
  const it = events[Symbol.iterator]();
  for (let next = it.next(); !next.done; next = it.next()) {
    ahead.push(parseEvent(next.value));
    if (ahead.length >= ALIGN_AHEAD) break;
  }
  const widths = widthsOf(ahead);
  const line = lineMaker(widths);
  yield* chunks(ahead.splice(0), line);
  const rest: Iterable<HbEvent> = { [Symbol.iterator]: () => it };
  yield* chunks(rest, (raw) => {
    const e = parseEvent(raw);
    widen(widths, e);
    return line(e);
  });
}

/**
 * Writes the text chunk by chunk and stops quietly when the reader goes away (`hb log | head`),
 * as `cat` would, instead of dying on EPIPE with a stack trace; the rest of the log is then not
 * read. Returns false when the reader went away.
 */
function writeChunks(io: Io, text: Iterable<string>): boolean {
  for (const chunk of text) if (io.out(chunk) === false) return false;
  return true;
}
