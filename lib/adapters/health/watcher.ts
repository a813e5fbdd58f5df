// Who watches the watcher: `hb check` leaves its own heartbeat, and every tick/wrap looks at it.

import type { HbConfig } from '../../rules/config/types.ts';
import type { HeartbeatRecord } from '../../rules/heartbeat/record.ts';
import { readHeartbeat, writeHeartbeat } from '../heartbeat/store.ts';
import { nextCycle } from '../run/cycle.ts';
import { bootId, processStartMs } from '../run/proc.ts';
import { compileSchedule } from '../../rules/schedule/compile.ts';
import { CHECK_JOB } from '../../rules/job-name.ts';
import { judgeJob } from '../../rules/health/evaluate.ts';

/** Records that a check ran: `hb-check.last`, with the schedule the config gives it (if any). */
export function writeCheckHeartbeat(
  dir: string,
  config: HbConfig,
  run: { startedMs: number; finishedMs: number; host: string; pid: number; version: string; message: string; exitCode: number },
): HeartbeatRecord {
  const prev = readHeartbeat(dir, CHECK_JOB);
  const prevCycle = prev?.kind === 'record' ? prev.record.cycle : 0;
  // Two checks that overlap (a slow one and the next minute's) still count one cycle each.
  const cycle = nextCycle(dir, CHECK_JOB, prevCycle, {
    pid: run.pid,
    started_at: new Date(run.startedMs).toISOString(),
    boot_id: bootId(),
    pid_started_ms: processStartMs(run.pid),
  });
  const job = config.jobs.get(CHECK_JOB);
  const record: HeartbeatRecord = {
    v: 1,
    job: CHECK_JOB,
    host: run.host,
    status: 'ok',
    exit_code: run.exitCode,
    signal: null,
    started_at: new Date(run.startedMs).toISOString(),
    finished_at: new Date(run.finishedMs).toISOString(),
    // Never negative, though the wall clock may step back while the check runs.
    duration_ms: Math.max(0, run.finishedMs - run.startedMs),
    cycle,
    action: 'check',
    message: run.message,
    schedule: job?.schedule ?? null,
    grace_s: job?.graceMs === undefined ? null : job.graceMs / 1000,
    output_tail: null,
    pid: run.pid,
    hb_version: run.version,
    last_success_at: new Date(run.startedMs).toISOString(),
  };
  // Not fsynced: it is rewritten every minute, and a power loss that drops one write only makes
  // the next check's heartbeat the first after the boot. Still atomic: never torn.
  writeHeartbeat(dir, record, { fsync: false });
  return record;
}

/**
 * The one stderr line a tick or wrap prints when the meta-heartbeat has run before and is now
 * stale; null otherwise (never run, or no schedule to judge it by: `hb doctor` says that).
 */
export function staleWatcherWarning(dir: string, config: HbConfig, nowMs: number, hostTz: () => string): string | null {
  const hb = readHeartbeat(dir, CHECK_JOB);
  if (!hb || hb.kind === 'corrupt') return null;
  const facts = {
    job: CHECK_JOB,
    heartbeat: hb,
    file: null,
    run: null,
    runGone: null,
    config: config.jobs.get(CHECK_JOB) ?? null,
    firstSeenMs: null,
    pausedUntilMs: null,
  };
  const timing = (spec: Parameters<typeof compileSchedule>[0], at: number) => compileSchedule(spec, 'cron' in spec && !spec.tz ? hostTz() : 'UTC').timing(at);
  const j = judgeJob(facts, { nowMs, defaults: config.defaults, timing });
  if (j.status !== 'stale' || j.lastMs === null) return null;
  const minutes = Math.round((nowMs - j.lastMs) / 60_000);
  return `hb: warning: hb check (the meta-heartbeat) last ran ${minutes} min ago and is stale: no job on this host is being watched; check its cron line`;
}
