// Evidence `cron_daemon`: is a cron daemon running, and did it run when the job was due. Facts
// from a scan of /proc and cron's pid file in, one evidence item out.

import type { Evidence } from './types.ts';
import { clockAgo, clockText } from './when.ts';
import { isoOrNull } from '../iso-time.ts';

/** The process names (/proc/PID/comm) of the cron daemons hb knows: Debian's cron, cronie's and busybox's crond. */
export const CRON_COMMS: ReadonlySet<string> = new Set(['cron', 'crond']);

/** A live process whose name is a cron daemon's. */
export interface CronProcess {
  pid: number;
  /** When it started, ms since the epoch; null when /proc could not tell. */
  startMs: number | null;
}

/** The pid file a cron daemon writes at start (and leaves behind when it is killed). */
export interface CronPidFile {
  path: string;
  /** The pid it holds; null when it holds none. */
  pid: number | null;
  /** Its mtime: when the cron that wrote it started. */
  mtimeMs: number;
}

/** What one scan of the host found, shared by every job of a check. */
export interface CronDaemonFacts {
  /** Live (not zombie) processes named cron or crond. */
  running: CronProcess[];
  pidFile: CronPidFile | null;
}

/**
 * The daemon among the cron processes: the one its pid file names, else the one that started
 * first (cron forks a child of the same name for every job it runs).
 */
export function cronDaemonOf(facts: CronDaemonFacts): CronProcess | null {
  const named = facts.pidFile?.pid != null ? facts.running.find((p) => p.pid === facts.pidFile!.pid) : undefined;
  if (named) return named;
  const byStart = [...facts.running].sort((a, b) => (a.startMs ?? Infinity) - (b.startMs ?? Infinity) || a.pid - b.pid);
  return byStart[0] ?? null;
}

/**
 * What cron's state says about a run due at `dueMs`: none running is a cause (nothing starts
 * crontab lines); one started after the due time is a clue (not running then, or restarted since); one
 * running since before it rules cron out.
 */
export function cronDaemonEvidence(facts: CronDaemonFacts, dueMs: number | null, nowMs: number): Evidence {
  const daemon = cronDaemonOf(facts);
  if (!daemon) {
    const last = facts.pidFile;
    const lastText = last && last.pid !== null ? `the last one, pid ${last.pid}, started ${clockText(last.mtimeMs, nowMs)}; ` : '';
    return {
      kind: 'cron_daemon',
      weight: 'cause',
      text: `no cron daemon is running (${lastText}since when is not known): nothing starts crontab lines; start it (systemctl start cron)`,
      facts: { runner: 'cron', running: false, pid: last?.pid ?? null, started_at: last ? isoOrNull(last.mtimeMs) : null, pid_file: last?.path ?? null },
    };
  }
  const facts_ = { runner: 'cron', running: true, pid: daemon.pid, started_at: isoOrNull(daemon.startMs), pid_file: facts.pidFile?.path ?? null };
  if (daemon.startMs === null) {
    return { kind: 'cron_daemon', weight: 'clear', text: `cron (pid ${daemon.pid}) is running (since when is not known)`, facts: facts_ };
  }
  if (dueMs !== null && daemon.startMs > dueMs) {
    return {
      kind: 'cron_daemon',
      weight: 'clue',
      text: `cron (pid ${daemon.pid}) started ${clockAgo(daemon.startMs, nowMs)}, after the run was due at ${clockText(dueMs, nowMs)}: it was not running then, or was restarted since`,
      facts: facts_,
    };
  }
  const before = dueMs === null ? '' : ', since before the run was due';
  return { kind: 'cron_daemon', weight: 'clear', text: `cron (pid ${daemon.pid}) has run since ${clockAgo(daemon.startMs, nowMs)}${before}`, facts: facts_ };
}

/** The hb daemon whose status file lists the job: it runs the job instead of cron. */
export interface HbDaemonFacts {
  pid: number;
  /** When it started, ms since the epoch (from /proc, else its status file); null when neither tells. */
  startMs: number | null;
  /** Whether that process still runs (same pid, same start, same boot). */
  alive: boolean;
  /** The status file that lists the job. */
  statusFile: string;
}

/**
 * What the state of the hb daemon that runs the job says about a run due at `dueMs` (cron's
 * state does not matter then): not running is a cause, started after the due time a clue,
 * running since before it rules the daemon out.
 */
export function hbDaemonEvidence(d: HbDaemonFacts, dueMs: number | null, nowMs: number): Evidence {
  const facts = { runner: 'hb_daemon', running: d.alive, pid: d.pid, started_at: isoOrNull(d.startMs), pid_file: null, status_file: d.statusFile };
  const started = d.startMs === null ? '' : `, started ${clockText(d.startMs, nowMs)},`;
  if (!d.alive) {
    const text = `hb daemon, which runs this job instead of cron, is not running (pid ${d.pid}${started} is gone): start it (hb daemon start)`;
    return { kind: 'cron_daemon', weight: 'cause', text, facts };
  }
  if (d.startMs !== null && dueMs !== null && d.startMs > dueMs) {
    const text = `hb daemon (pid ${d.pid}), which runs this job instead of cron, started ${clockAgo(d.startMs, nowMs)}, after the run was due at ${clockText(dueMs, nowMs)}`;
    return { kind: 'cron_daemon', weight: 'clue', text, facts };
  }
  const since = d.startMs === null ? '' : `, and has run since ${clockAgo(d.startMs, nowMs)}`;
  return { kind: 'cron_daemon', weight: 'clear', text: `hb daemon (pid ${d.pid}) runs this job instead of cron${since}`, facts };
}
