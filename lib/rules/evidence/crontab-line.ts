// Evidence of kind `crontab_line`: the crontab line that runs a job that missed its run — there
// (and whether its schedule can have fired since the last run), commented out, in a file cron
// ignores, or gone (and whether a crontab changed after the last run). Pure.

import { formatDuration } from '../duration.ts';
import type { Evidence } from './types.ts';
import type { JobLineRef } from './crontab-index.ts';

/** A crontab file or directory hb read, and when it last changed (a directory: an entry added or removed). */
export interface WatchedPath {
  path: string;
  mtimeMs: number;
  dir: boolean;
  /** A user crontab's owner (only that user's jobs can have been in it); null for a system crontab or a directory. */
  owner: string | null;
}

/** What the rule knows about one job. */
export interface CrontabLineFacts {
  /** Every line that starts the job (crontab-index.ts). */
  refs: readonly JobLineRef[];
  /** When each `runs` line of `refs` was next due after the last run (same index; null: unknown or no last run). */
  nextDueMs: readonly (number | null)[];
  /** The job's last heartbeat, or null when it never ran. */
  lastMs: number | null;
  nowMs: number;
  /** The job's own schedule when it comes from elsewhere than a crontab line (config, heartbeat), as cron text. */
  jobCron: string | null;
  /** The crontabs hb read (files and the directories they are in). */
  watched: readonly WatchedPath[];
  /** Who wrote the job's last heartbeat (the owner of its file): only that user's crontab or a system one can have run it; null: anyone's. */
  ranAs: string | null;
}

/** At most this many lines of one state are named: a job run from more is rare, and one line says enough. */
export const MAX_LINES = 3;

const MAX_TEXT = 160;

/** The crontab_line items for one job. */
export function crontabLineEvidence(f: CrontabLineFacts): Evidence[] {
  const runs = f.refs.map((r, i) => ({ r, due: f.nextDueMs[i] ?? null })).filter(({ r }) => r.state === 'runs');
  if (runs.length > 0) return runs.slice(0, MAX_LINES).map(({ r, due }) => runningLine(r, due, f));
  const off = f.refs.filter((r) => r.state !== 'runs').slice(0, MAX_LINES);
  if (off.length > 0) return off.map(offLine);
  return [missingLine(f)];
}

function runningLine(r: JobLineRef, due: number | null, f: CrontabLineFacts): Evidence {
  const where = `crontab line ${r.file}:${r.line}`;
  const facts = lineFacts(r);
  if (r.cronSchedule === null) return item('clue', `${where} runs it only at boot (${r.schedule})`, facts);
  if (r.oddity !== null) return item('clue', `${where} never fires: ${r.oddity}`, facts);
  if (due !== null && f.lastMs !== null && due > f.nowMs) {
    const other = f.jobCron !== null && f.jobCron !== r.cronSchedule ? `, not the job's ${f.jobCron}` : '';
    return item('clue', `${where} runs it at ${r.schedule}${other}: not due since the last run (next ${shortTime(due)})`, { ...facts, next_due: isoOf(due) });
  }
  return item('clear', `${where} runs it: ${r.schedule}`, facts);
}

function offLine(r: JobLineRef): Evidence {
  if (r.state === 'commented_out') return item('cause', `the line is commented out: ${r.file}:${r.line} (${r.schedule})`, lineFacts(r));
  return item('cause', `${r.file} is ignored by cron: ${r.ignored?.why ?? 'cron skips it'} (line ${r.line} runs it)`, lineFacts(r));
}

function missingLine(f: CrontabLineFacts): Evidence {
  const base = { state: 'missing', file: null, line: null, schedule: null, rule: null, next_due: null, changed: null, changed_at: null };
  const could = f.watched.filter((w) => f.ranAs === null || w.owner === null || w.owner === f.ranAs);
  const changed = f.lastMs === null ? null : changedAfter(could, f.lastMs, f.nowMs, f.ranAs);
  if (changed === null) return item('cause', 'no crontab line runs it', base);
  const ago = `${changed.path} changed ${formatDuration(f.nowMs - changed.mtimeMs)} ago`;
  const facts = { ...base, changed: changed.path, changed_at: isoOf(changed.mtimeMs) };
  // Only the crontab of the user whose run wrote the last heartbeat shows the line was there:
  // another crontab that changed since may never have held it.
  if (f.ranAs !== null && changed.owner === f.ranAs) {
    return item('cause', `no crontab line runs it: removed since the last run (${ago}, after the last run)`, { ...facts, state: 'removed' });
  }
  const what = changed.dir ? ', a crontab added or removed' : '';
  return item('cause', `no crontab line runs it (${ago}${what}, after the last run: removed then?)`, facts);
}

/**
 * The crontab that changed after `lastMs` (and not in the future), most telling first: the
 * latest of `ranAs`'s own crontab, else the latest other file, else the latest directory; null
 * when none did.
 */
export function changedAfter(watched: readonly WatchedPath[], lastMs: number, nowMs: number, ranAs: string | null = null): WatchedPath | null {
  const after = watched.filter((w) => w.mtimeMs > lastMs && w.mtimeMs <= nowMs);
  const latest = (list: WatchedPath[]) => list.reduce<WatchedPath | null>((a, w) => (a === null || w.mtimeMs > a.mtimeMs ? w : a), null);
  return (
    latest(after.filter((w) => !w.dir && ranAs !== null && w.owner === ranAs)) ?? latest(after.filter((w) => !w.dir)) ?? latest(after.filter((w) => w.dir))
  );
}

function lineFacts(r: JobLineRef): Evidence['facts'] {
  return { state: r.state, file: r.file, line: r.line, schedule: r.schedule, rule: r.ignored?.rule ?? null, next_due: null, changed: null, changed_at: null };
}

function item(weight: Evidence['weight'], text: string, facts: Evidence['facts']): Evidence {
  return { kind: 'crontab_line', weight, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text, facts };
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/** "2026-12-06 03:00 UTC". */
export const shortTime = (ms: number) => `${isoOf(ms).slice(0, 16).replace('T', ' ')} UTC`;
