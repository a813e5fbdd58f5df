// Cron's own log, read for a job that missed its run: Debian cron's `CRON[PID]: (USER) CMD (…)`
// lines in a syslog file (RFC 3164 or RFC 3339 stamps, busybox syslogd's facility.level too) or
// the journal, which job each command starts, and what that says about the missed run.

import { programsOf } from '../crontab/programs.ts';
import { hbInvocation } from '../crontab/hb-line.ts';
import { formatDuration } from '../duration.ts';
import { toWall, wallToInstants } from '../schedule/tz.ts';
import type { Evidence } from './types.ts';

/** What cron logged about one run: its start (CMD), its end (END), or its failure (exit status). */
export interface CronLogEntry {
  atMs: number;
  /** The pid in `CRON[PID]`: the cron process that started the run. */
  cronPid: number;
  /** CMD/END: the user it ran as; error: null. */
  user: string | null;
  what: 'CMD' | 'END' | 'failed';
  /** CMD/END: the command as cron logged it (without the `[PID] ` cron -L 8 puts first); failed: ''. */
  command: string;
  /** The job's own process (`[PID]` of cron -L 8, the grandchild of a failure); null when not logged. */
  jobPid: number | null;
  /** failed: the exit status cron logged. */
  exitStatus: number | null;
}

/** What was read of cron's log, once per check. */
export interface CronLogView {
  /** Where it was read, as the text names it: a file's path, or `the journal`. */
  source: string;
  /** Every CRON entry read (in log order). */
  entries: CronLogEntry[];
  /** The log holds every line from this instant on (it reaches back this far); null: unknown. */
  coversFromMs: number | null;
  /** When the log was last written (a file's mtime); null: unknown. */
  lastWrittenMs: number | null;
}

/** How far before the due time a run still counts as that run (cron starts a job in its minute). */
export const RUN_SLACK_MS = 60_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// A stamp this far after now is still taken as now's year (the logger's clock a little ahead).
const FUTURE_TOLERANCE_MS = 3_600_000;

/** The host's zone, or how to ask for it (asking may cost: only a year-less stamp needs it). */
export type Zone = string | (() => string);

const RFC3164 = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) +(?:\S+ +)?/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) +(?:\S+ +)?/;
// After the host: busybox syslogd's `cron.info`, then the tag.
const CRON_TAG = /^(?:[a-z0-9]+\.[a-z]+ +)?CRON\[(\d+)\]: (.*)$/;

/**
 * The instant of a syslog line's stamp, or null when it has none. An RFC 3164 stamp (`Dec  3
 * 18:41:55`) has no year and is in the host's zone `tz`: it is taken in the year that puts it
 * closest before `nowMs` (`tz` may be a function: asked only then). Returns also where the rest
 * of the line (after the host) starts.
 */
export function lineStamp(line: string, nowMs: number, tz: Zone): { atMs: number; rest: number } | null {
  const iso = RFC3339.exec(line);
  if (iso) {
    const atMs = Date.parse(iso[1]!);
    return Number.isNaN(atMs) ? null : { atMs, rest: iso[0].length };
  }
  const m = RFC3164.exec(line);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  const atMs = inferYear(month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, nowMs, typeof tz === 'string' ? tz : tz());
  return atMs === null ? null : { atMs, rest: m[0].length };
}

/** The instant of a year-less wall time in `tz`: the latest year that puts it no later than now (give or take the tolerance). */
function inferYear(month: number, day: number, h: number, min: number, s: number, nowMs: number, tz: string): number | null {
  const year = new Date(toWall(tz, nowMs)).getUTCFullYear();
  for (const y of [year + 1, year, year - 1]) {
    const wall = Date.UTC(y, month, day, h, min, s);
    // Feb 29 of a year without one is no date of that year.
    if (new Date(wall).getUTCDate() !== day) continue;
    const instants = wallToInstants(tz, wall);
    const at = instants[0] ?? wall;
    if (at <= nowMs + FUTURE_TOLERANCE_MS) return at;
  }
  return null;
}

const CMD = /^\(([^()\s]+)\) (CMD|END) \((?:\[(\d+)\] )?(.*)\)$/;
const FAILED = /^\(CRON\) error \(grandchild #(\d+) failed with exit status (\d+)\)$/;

/** A CRON entry from a journal record: its message, pid and time. */
export function parseCronMessage(message: string, cronPid: number, atMs: number): CronLogEntry | null {
  const run = CMD.exec(message);
  if (run) {
    return {
      atMs,
      cronPid,
      user: run[1]!,
      what: run[2] as 'CMD' | 'END',
      command: run[4]!,
      jobPid: run[3] ? Number(run[3]) : null,
      exitStatus: null,
    };
  }
  const failed = FAILED.exec(message);
  if (failed) return { atMs, cronPid, user: null, what: 'failed', command: '', jobPid: Number(failed[1]), exitStatus: Number(failed[2]) };
  return null;
}

/** A CRON entry from a syslog file's line, or null for any other line. */
export function parseCronLogLine(line: string, nowMs: number, tz: Zone): CronLogEntry | null {
  const stamp = lineStamp(line, nowMs, tz);
  if (!stamp) return null;
  const tagged = CRON_TAG.exec(line.slice(stamp.rest));
  return tagged ? parseCronMessage(tagged[2]!, Number(tagged[1]), stamp.atMs) : null;
}

/**
 * The jobs a logged command starts: those of its `hb tick JOB` and `hb wrap --job JOB` (or the
 * name wrap derives), by the rule that ties a crontab line to a job (the logged command is the
 * line's command text).
 */
export function jobsOfCommand(command: string): string[] {
  const jobs: string[] = [];
  programsOf(command).forEach((use, i) => {
    const h = hbInvocation(use, i);
    if (h?.job && (h.subcommand === 'tick' || h.subcommand === 'wrap')) jobs.push(h.job);
  });
  return jobs;
}

/** What the check knows of the job the log is read for. */
export interface CronLogTarget {
  job: string;
  dueMs: number;
  /** The job's last heartbeat here; null: none. */
  lastMs: number | null;
  /** A crontab line is known to run hb for it (its schedule came from one): cron logs a command naming it. */
  lineKnown: boolean;
}

const hhmm = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * What cron's log says about a job that missed its run, or null when it says nothing worth a line.
 * `commandJobs` caches jobsOfCommand per command across the check's targets.
 */
export function cronLogEvidence(
  view: CronLogView,
  t: CronLogTarget,
  nowMs: number,
  commandJobs: (command: string) => readonly string[] = jobsOfCommand,
): Evidence | null {
  const facts = { source: view.source, due_at: iso(t.dueMs) };
  const runs = view.entries.filter((e) => e.what === 'CMD' && commandJobs(e.command).includes(t.job));
  // A run is followed when a heartbeat was written at or after cron started it.
  const unfollowed = runs.filter((e) => e.atMs >= t.dueMs - RUN_SLACK_MS && (t.lastMs === null || t.lastMs < e.atMs));
  const run = unfollowed.at(-1);
  if (run) {
    const pid = run.jobPid ?? run.cronPid;
    const same = (e: CronLogEntry) => (run.jobPid !== null ? e.jobPid === run.jobPid : e.cronPid === run.cronPid) && e.atMs >= run.atMs;
    const failed = view.entries.find((e) => e.what === 'failed' && same(e));
    const ended = view.entries.some((e) => e.what === 'END' && e.command === run.command && same(e)) || failed !== undefined;
    const logsEnds = view.entries.some((e) => e.what === 'END');
    const runFacts = { ...facts, started_at: iso(run.atMs), pid, user: run.user, exit_status: failed?.exitStatus ?? null, ended: logsEnds ? ended : null };
    if (logsEnds && !ended) {
      return {
        kind: 'cron_log',
        weight: 'clue',
        text: `cron started it at ${hhmm(run.atMs)} (pid ${pid}); it has not ended and wrote no heartbeat yet: see what it waits for (ps -p ${pid})`,
        facts: runFacts,
      };
    }
    const exit = failed ? `, it exited ${failed.exitStatus}` : '';
    return {
      kind: 'cron_log',
      weight: 'cause',
      text: `cron started it at ${hhmm(run.atMs)} (pid ${pid})${exit} but no heartbeat followed: the command failed before hb ran (run it by hand as ${run.user})`,
      facts: runFacts,
    };
  }
  if (view.coversFromMs === null || view.coversFromMs > t.dueMs - RUN_SLACK_MS) {
    const what =
      view.coversFromMs === null
        ? `holds nothing from before it was due at ${hhmm(t.dueMs)}`
        : `starts at ${hhmm(view.coversFromMs)}, after it was due at ${hhmm(t.dueMs)}`;
    return {
      kind: 'cron_log',
      weight: 'clue',
      text: `cron's log (${view.source}) ${what}: it cannot tell whether cron ran it`,
      facts: { ...facts, covers_from: iso(view.coversFromMs) },
    };
  }
  if (view.lastWrittenMs !== null && view.lastWrittenMs < t.dueMs) {
    return {
      kind: 'cron_log',
      weight: 'clue',
      text: `cron's log (${view.source}) was last written ${formatDuration(nowMs - view.lastWrittenMs)} ago, before it was due at ${hhmm(t.dueMs)}: is the system logger running?`,
      facts: { ...facts, last_written_at: iso(view.lastWrittenMs) },
    };
  }
  // Sure only when cron is known to log a command naming the job: an earlier run, or its crontab line.
  const known = t.lineKnown || runs.length > 0;
  return {
    kind: 'cron_log',
    weight: known ? 'cause' : 'clue',
    text: `cron's log (${view.source}) has no run of it since it was due at ${hhmm(t.dueMs)}${known ? '' : ' (if a script runs hb for it, look for that script)'}`,
    facts: { ...facts, runs_seen: runs.length },
  };
}

/** The clue for a log that could not be read (`why`: permission denied, a symbolic link, …). */
export function unreadableLog(path: string, why: string): Evidence {
  return {
    kind: 'cron_log',
    weight: 'clue',
    text: `cron's log ${path} could not be read (${why}): it cannot tell whether cron ran it`,
    facts: { source: path, error: why },
  };
}
