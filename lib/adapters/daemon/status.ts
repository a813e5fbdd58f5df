// `hb daemon status`: the status file a running daemon keeps beside its PID file, and the pure
// view built from it (running? since when, which jobs, when each runs next).

import { unlinkSync } from 'node:fs';
import { formatDuration } from '../../rules/duration.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { readStateFileNoFollow } from '../fs/no-follow.ts';
import type { ScheduleSpec } from '../../rules/schedule/types.ts';
import { mayOverlap, scheduleText, type DaemonJob, type IgnoredJob } from '../../rules/daemon/jobs.ts';
import { fireAfter, type Slot } from '../../rules/daemon/scheduler.ts';
import type { LoadStats } from '../../rules/daemon/load.ts';

/** The status file beside a PID file: `daemon.pid` → `daemon.json`. */
export const infoPathFor = (pidFile: string) => (pidFile.endsWith('.pid') ? pidFile.slice(0, -4) : pidFile) + '.json';

/** What a running daemon publishes about itself (rewritten at start and on each reload). */
export interface DaemonInfo {
  v: 1;
  pid: number;
  host: string;
  started_at: string;
  pid_started_ms: number | null;
  boot_id: string | null;
  /** The daemon's own command line, which `stop` and `status` compare with the live process's. */
  cmdline?: string[] | null;
  config: string | null;
  state_dir: string;
  pid_file: string;
  stop_timeout_ms: number;
  jobs: Array<{ job: string; kind: DaemonJob['kind']; schedule: ScheduleSpec; lock: boolean; overlap?: boolean; anchor_ms: number }>;
  ignored: IgnoredJob[];
  /** How far behind its schedule the daemon runs (rewritten each minute with fires). */
  load?: LoadStats;
  updated_at: string;
}

/** The status file's content for the current plan. */
export function daemonInfo(base: Omit<DaemonInfo, 'v' | 'jobs' | 'updated_at'>, slots: readonly Slot[], nowMs: number): DaemonInfo {
  const jobs = slots.map((s) => ({
    job: s.job.name,
    kind: s.job.kind,
    schedule: s.job.schedule,
    lock: s.job.lock,
    ...(mayOverlap(s.job) ? { overlap: true } : {}),
    anchor_ms: s.anchorMs,
  }));
  return { v: 1, ...base, jobs, updated_at: new Date(nowMs).toISOString() };
}

/** Writes the status file atomically. */
export function writeDaemonInfo(path: string, info: DaemonInfo): void {
  writeAtomic(path, JSON.stringify(info) + '\n', { fsync: false });
}

/** Reads a status file (bounded, no link, a regular file only); null when absent or not one. */
export function readDaemonInfo(path: string): DaemonInfo | null {
  try {
    const v = JSON.parse(readStateFileNoFollow(path)) as DaemonInfo;
    const argvOk = v?.cmdline === undefined || v.cmdline === null || (Array.isArray(v.cmdline) && v.cmdline.every((a) => typeof a === 'string'));
    if (!(v && v.v === 1 && typeof v.pid === 'number' && Array.isArray(v.jobs) && argvOk)) return null;
    // Shown on a terminal: load figures that are not plain numbers and times are left out.
    if (v.load !== undefined && !isLoadStats(v.load)) delete v.load;
    return v;
  } catch {
    return null;
  }
}

const count = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isoOrNull = (x: unknown) => x === null || (typeof x === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(x));

/** Whether a status file's `load` holds only counts and ISO times (what the daemon writes). */
export function isLoadStats(x: unknown): x is LoadStats {
  const l = x as Record<string, unknown> | null;
  if (typeof l !== 'object' || l === null) return false;
  const counts = ['running', 'waiting', 'max_concurrent', 'fires', 'late', 'lost', 'overload_minutes'];
  if (!counts.every((k) => count(l[k])) || !isoOrNull(l.last_overload_at)) return false;
  const m = l.last_minute as Record<string, unknown> | null;
  if (m === null) return true;
  if (typeof m !== 'object' || m === undefined || !isoOrNull(m.from) || m.from === null) return false;
  return ['fires', 'late', 'lost', 'lag_p50_ms', 'lag_p99_ms', 'lag_max_ms', 'peak_waiting'].every((k) => count(m[k]));
}

/** Removes the status file if it still describes `pid`. */
export function removeDaemonInfo(path: string, pid: number): void {
  if (readDaemonInfo(path)?.pid !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** One job as `hb daemon status --json` shows it. */
export interface DaemonJobStatus {
  job: string;
  kind: DaemonJob['kind'];
  schedule: ScheduleSpec;
  lock: boolean;
  /** Whether a fire may start a run while another of the job goes (`overlap: true`). */
  overlap: boolean;
  next_run: string | null;
  next_in_s: number | null;
  running_pid: number | null;
}

/** `hb daemon status --json`. */
export interface DaemonStatus {
  running: boolean;
  /** Why not running, or what is running. */
  reason: string;
  pid: number | null;
  pid_file: string;
  started_at: string | null;
  uptime_s: number | null;
  config: string | null;
  state_dir: string | null;
  jobs: DaemonJobStatus[];
  /** The daemon's load as of its last status-file write, or null (not running, or an older daemon). */
  load: LoadStats | null;
  checked_at: string;
}

/** The facts the view is built from. */
export interface StatusFacts {
  pidFile: string;
  /** The pid in the PID file, or null (absent or not a pid). */
  pid: number | null;
  /** Set when there is no live daemon: why. */
  notRunning: string | null;
  /** The status file, when it belongs to the live pid. */
  info: DaemonInfo | null;
  /** When the process started (from /proc), used when the status file is missing. */
  processStartMs: number | null;
  /** The pid of a run in flight per job (from its `.run` marker). */
  runningPid: (job: string) => number | null;
  nowMs: number;
}

/** Builds the status: next runs are computed with the same rule the daemon schedules by. */
export function describeDaemon(f: StatusFacts): DaemonStatus {
  const checkedAt = new Date(f.nowMs).toISOString();
  if (f.notRunning !== null || f.pid === null) {
    return {
      running: false,
      reason: f.notRunning ?? 'not running',
      pid: f.pid,
      pid_file: f.pidFile,
      started_at: null,
      uptime_s: null,
      config: null,
      state_dir: null,
      jobs: [],
      load: null,
      checked_at: checkedAt,
    };
  }
  const info = f.info;
  const startedMs = info ? Date.parse(info.started_at) : f.processStartMs;
  const jobs = (info?.jobs ?? []).map((j): DaemonJobStatus => {
    const job: DaemonJob = { name: j.job, kind: j.kind, schedule: j.schedule, lock: j.lock, overlap: j.overlap === true };
    const next = fireAfter(job, Math.min(j.anchor_ms, f.nowMs), f.nowMs);
    const finite = Number.isFinite(next);
    return {
      job: j.job,
      kind: j.kind,
      schedule: j.schedule,
      lock: j.lock,
      overlap: mayOverlap(job),
      next_run: finite ? new Date(next).toISOString() : null,
      next_in_s: finite ? (next - f.nowMs) / 1000 : null,
      running_pid: f.runningPid(j.job),
    };
  });
  return {
    running: true,
    reason: info ? `running (pid ${f.pid})` : `running (pid ${f.pid}); its status file is missing, so no job list`,
    pid: f.pid,
    pid_file: f.pidFile,
    started_at: startedMs === null ? null : new Date(startedMs).toISOString(),
    uptime_s: startedMs === null ? null : Math.max(0, Math.round((f.nowMs - startedMs) / 1000)),
    config: info?.config ?? null,
    state_dir: info?.state_dir ?? null,
    jobs,
    load: info?.load ?? null,
    checked_at: checkedAt,
  };
}

const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** One line: runs in flight and waiting, and how far behind the schedule the daemon ran. */
function loadText(l: LoadStats): string {
  const m = l.last_minute;
  const minute = m ? `; minute from ${seconds(m.from)}: ${m.fires} fires, start lag p50 ${m.lag_p50_ms}ms, p99 ${m.lag_p99_ms}ms, max ${m.lag_max_ms}ms` : '';
  const overload = l.overload_minutes > 0 ? `; OVERLOADED ${l.overload_minutes} min (last from ${seconds(l.last_overload_at ?? '')})` : '; never overloaded';
  return `${l.running} running, ${l.waiting} waiting (--max-concurrent ${l.max_concurrent}); ${l.fires} fires, ${l.late} late, ${l.lost} lost${overload}${minute}`;
}

/** The text form of `hb daemon status`. */
export function renderDaemonStatus(s: DaemonStatus): string {
  if (!s.running) return `hb daemon: not running (${s.reason})\n`;
  const up = s.uptime_s === null ? '' : `, up ${s.uptime_s < 1 ? 'less than 1s' : formatDuration(s.uptime_s * 1000)}`;
  const since = s.started_at ? `, since ${seconds(s.started_at)}` : '';
  const lines = [`hb daemon: running (pid ${s.pid}${up}${since})`];
  if (s.config !== null || s.state_dir !== null) lines.push(`config:   ${s.config ?? '(none)'}`, `state:    ${s.state_dir}`);
  lines.push(`pid file: ${s.pid_file}`);
  if (s.load) lines.push(`load:     ${loadText(s.load)}`);
  if (s.jobs.length === 0) return lines.join('\n') + (s.reason.includes('missing') ? `\n${s.reason}` : '') + '\n';
  const rows = [['JOB', 'SCHEDULE', 'LOCK', 'NEXT RUN', 'RUNNING']];
  for (const j of s.jobs) {
    const next = j.next_run === null ? 'never' : `${seconds(j.next_run)} (in ${formatDuration((j.next_in_s ?? 0) * 1000)})`;
    rows.push([
      j.kind === 'check' ? `${j.job} (hb check)` : j.job,
      scheduleText(j.schedule),
      j.lock ? 'yes' : 'no',
      next,
      j.running_pid === null ? '-' : `pid ${j.running_pid}`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
  return [...lines, '', ...table].join('\n') + '\n';
}
