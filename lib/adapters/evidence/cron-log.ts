// Evidence from cron's own log: the `cron_log:` files, else the first usual syslog file that can
// be read, else the journal; read once per check, from the end back to the earliest due time.

import { readdirSync } from 'node:fs';
import type { ExplainContext, ExplainTarget } from '../../check/explain.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import {
  cronLogEvidence,
  jobsOfCommand,
  lineStamp,
  parseCronLogLine,
  parseCronMessage,
  RUN_SLACK_MS,
  unreadableLog,
  type CronLogEntry,
  type CronLogView,
  type Zone,
} from '../../rules/evidence/cron-log.ts';
import { readLogTail } from './log-tail.ts';

/** Where cron logs on the usual systems, tried in this order when `cron_log:` names nothing. */
export const USUAL_CRON_LOGS = ['/var/log/cron.log', '/var/log/syslog', '/var/log/messages'];

/** How long the journal may take to answer before it is left out. */
const JOURNAL_TIMEOUT_MS = 3_000;

/** What reading cron's log came to: a view, a log that could not be read, or no log at all (null). */
type ReadLog = { view: CronLogView } | { unreadable: { path: string; why: string } } | null;

/** The cron_log gatherer: for each stale or never-run job with a due time, what cron logged about it. */
export async function gatherCronLog(targets: readonly ExplainTarget[], ctx: ExplainContext): Promise<Map<string, Evidence[]>> {
  const out = new Map<string, Evidence[]>();
  const looked = targets.filter((t) => (t.judgement.status === 'stale' || t.judgement.status === 'never') && t.judgement.dueMs !== null);
  if (looked.length === 0) return out;
  const fromMs = Math.min(...looked.map((t) => t.judgement.dueMs!)) - RUN_SLACK_MS;
  const read = await readCronLog(ctx, fromMs);
  if (read === null) return out;
  const memo = new Map<string, string[]>();
  const jobsOf = (command: string) => memo.get(command) ?? memo.set(command, jobsOfCommand(command)).get(command)!;
  for (const t of looked) {
    const target = { job: t.facts.job, dueMs: t.judgement.dueMs!, lastMs: t.judgement.lastMs, lineKnown: t.facts.crontabSchedule != null };
    const found = 'view' in read ? cronLogEvidence(read.view, target, ctx.nowMs, jobsOf) : unreadableLog(read.unreadable.path, read.unreadable.why);
    if (found) out.set(t.facts.job, [found]);
  }
  return out;
}

/** Reads cron's log back to `fromMs`: see the module comment for where. */
export async function readCronLog(ctx: Pick<ExplainContext, 'config' | 'nowMs' | 'localTz'>, fromMs: number): Promise<ReadLog> {
  // The host zone is asked only when a stamp without one is read.
  let zone: string | undefined;
  const tz = () => (zone ??= ctx.localTz());
  const named = ctx.config.cronLog;
  if (named && named.length > 0) {
    // The paths a person named: links followed, every file read; one that fails is said so only when none could be read.
    const views: CronLogView[] = [];
    let failed: { path: string; why: string } | null = null;
    for (const path of named) {
      const got = readLogFile(path, fromMs, ctx.nowMs, tz, true);
      if ('view' in got) views.push(got.view);
      else failed ??= got.unreadable;
    }
    return views.length > 0 ? { view: mergeViews(views) } : { unreadable: failed! };
  }
  let unreadable: ReadLog = null;
  for (const path of USUAL_CRON_LOGS) {
    const got = readLogFile(path, fromMs, ctx.nowMs, tz, false);
    if ('view' in got) return got;
    if (got.unreadable.why !== 'no such file') unreadable ??= got;
  }
  return (await readJournal(fromMs)) ?? unreadable;
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  ELOOP: 'a symbolic link, which hb does not follow there',
  ENOTREG: 'not a regular file',
};

/** One log file as a view, or why it could not be read. */
export function readLogFile(
  path: string,
  fromMs: number,
  nowMs: number,
  tz: Zone,
  follow: boolean,
): { view: CronLogView } | { unreadable: { path: string; why: string } } {
  try {
    const tail = readLogTail(path, (line) => (lineStamp(line, nowMs, tz)?.atMs ?? Infinity) <= fromMs, { follow });
    const entries: CronLogEntry[] = [];
    let coversFromMs: number | null = null;
    for (const line of tail.lines) {
      if (coversFromMs === null) coversFromMs = lineStamp(line, nowMs, tz)?.atMs ?? null;
      if (!line.includes('CRON[')) continue;
      const e = parseCronLogLine(line, nowMs, tz);
      if (e) entries.push(e);
    }
    return { view: { source: path, entries, coversFromMs, lastWrittenMs: tail.mtimeMs } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    return { unreadable: { path, why: ERRNO_WORDS[code] ?? code } };
  }
}

/** Several files as one log: every entry, in time order, covering what the widest of them covers. */
function mergeViews(views: CronLogView[]): CronLogView {
  if (views.length === 1) return views[0]!;
  const covers = views.map((v) => v.coversFromMs).filter((c): c is number => c !== null);
  const written = views.map((v) => v.lastWrittenMs).filter((c): c is number => c !== null);
  return {
    source: views.map((v) => v.source).join(', '),
    entries: views.flatMap((v) => v.entries).sort((a, b) => a.atMs - b.atMs),
    coversFromMs: covers.length > 0 ? Math.min(...covers) : null,
    lastWrittenMs: written.length > 0 ? Math.max(...written) : null,
  };
}

function holdsAnything(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** Runs journalctl with `args`; its stdout, or null when it is missing, fails or takes too long. */
async function journal(args: string[]): Promise<string | null> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      'journalctl',
      ['-q', '--no-pager', '-o', 'json', ...args],
      { timeout: JOURNAL_TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } },
      (err, stdout) => resolve(err ? null : stdout),
    );
  });
}

/** Where systemd-journald keeps its files (one folder per machine id): with neither holding any, journalctl has nothing to tell and is not started. */
export const JOURNAL_DIRS = ['/run/log/journal', '/var/log/journal'];

/** Cron's entries in the journal since `fromMs`, and whether the journal reaches back that far; null: no journal to ask. */
export async function readJournal(fromMs: number, journalDirs: readonly string[] = JOURNAL_DIRS): Promise<{ view: CronLogView } | null> {
  if (!journalDirs.some(holdsAnything)) return null;
  const since = `@${Math.floor(fromMs / 1000)}`;
  const [cron, before] = await Promise.all([journal(['-t', 'CRON', '--since', since]), journal(['-n', '1', '--until', since])]);
  if (cron === null || before === null) return null;
  const records = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return null;
        }
      })
      .filter((r): r is Record<string, unknown> => r !== null);
  const entries: CronLogEntry[] = [];
  for (const r of records(cron)) {
    const message = Array.isArray(r.MESSAGE) ? Buffer.from(r.MESSAGE as number[]).toString('utf8') : r.MESSAGE;
    const atMs = Number(r.__REALTIME_TIMESTAMP) / 1000;
    const pid = Number(r.SYSLOG_PID ?? r._PID);
    const e = typeof message === 'string' && Number.isFinite(atMs) ? parseCronMessage(message, pid, atMs) : null;
    if (e) entries.push(e);
  }
  const earlier = records(before)[0];
  // A journal with nothing in it, or nothing of cron's, is no log to speak of.
  if (earlier === undefined && entries.length === 0) return null;
  const coversFromMs = earlier === undefined ? null : Number(earlier.__REALTIME_TIMESTAMP) / 1000;
  return { view: { source: 'the journal', entries, coversFromMs, lastWrittenMs: null } };
}
