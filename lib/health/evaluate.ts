// The lateness rule (SPEC §4): pure facts about one job plus `now` in, a verdict out.

import { formatDuration } from '../duration.ts';
import type { JobConfig } from '../config/types.ts';
import { heartbeatTime, type ReadHeartbeat } from '../heartbeat/record.ts';
import type { Schedule, ScheduleSpec } from '../schedule/types.ts';
import { PROBLEM_STATUSES, type JobHealth, type JobStatus, type RunMarker, type ScheduleSource } from './types.ts';

/** Everything known about one job, gathered by the caller. */
export interface JobFacts {
  job: string;
  heartbeat: ReadHeartbeat | null;
  file: string | null;
  run: RunMarker | null;
  /** Whether the run marker's process is gone (computed from /proc by the caller). */
  runGone: { gone: boolean; reason: string } | null;
  config: JobConfig | null;
  crontabSchedule?: ScheduleSpec | null;
  /** When hb first saw this configured job without a heartbeat. */
  firstSeenMs: number | null;
  /** Paused until this instant (Infinity: until resumed); null when not paused. */
  pausedUntilMs: number | null;
}

/** What the rule needs besides the facts. */
export interface EvalContext {
  nowMs: number;
  defaults: { graceMs?: number; timeoutMs?: number };
  /** Compiles (and caches) a schedule; throws on an invalid one. */
  compile(spec: ScheduleSpec): Schedule;
}

/** A heartbeat this far in the future is clock skew, not a heartbeat. */
export const CLOCK_SKEW_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
/** ISO time, or null for an instant no Date can hold (a cron never due again, an absurd `every`). */
const isoOrNull = (ms: number) => (Math.abs(ms) <= 8.64e15 ? iso(ms) : null);
const ago = (ms: number) => `${formatDuration(ms)} ago`;

/** Decides one job's status. */
export function evaluateJob(f: JobFacts, ctx: EvalContext): JobHealth {
  const now = ctx.nowMs;
  const hb = f.heartbeat;
  const record = hb?.kind === 'record' ? hb.record : null;
  const lastMs = hb && hb.kind !== 'corrupt' ? heartbeatTime(hb) : null;

  let spec: ScheduleSpec | null = null;
  let source: ScheduleSource | null = null;
  if (record?.schedule) [spec, source] = [record.schedule, 'heartbeat'];
  else if (f.config?.schedule) [spec, source] = [f.config.schedule, 'config'];
  else if (f.crontabSchedule) [spec, source] = [f.crontabSchedule, 'crontab'];

  const h: JobHealth = {
    job: f.job,
    status: 'ok',
    problem: false,
    reason: '',
    age_s: lastMs === null ? null : round((now - lastMs) / 1000),
    period_s: null,
    grace_s: null,
    ratio: null,
    due: null,
    deadline: null,
    schedule: spec,
    schedule_source: source,
    last_success_at: record ? (record.status === 'ok' ? record.started_at : (record.last_success_at ?? null)) : null,
    last: record,
    running: f.run,
    file: f.file,
  };
  const verdict = (status: JobStatus, reason: string): JobHealth => {
    h.status = status;
    h.problem = PROBLEM_STATUSES.has(status);
    h.reason = reason;
    return h;
  };

  let schedule: Schedule | null = null;
  if (spec) {
    try {
      schedule = ctx.compile(spec);
    } catch (e) {
      return verdict('corrupt', `${source} schedule is invalid: ${(e as Error).message}`);
    }
  }
  // Timing first, so every verdict below carries due/deadline/ratio.
  const anchor = lastMs ?? f.firstSeenMs;
  let dueMs: number | null = null;
  let deadlineMs: number | null = null;
  if (schedule && anchor !== null) {
    const t = schedule.timing(anchor);
    const graceMs = record?.grace_s != null && source === 'heartbeat' ? record.grace_s * 1000 : (f.config?.graceMs ?? ctx.defaults.graceMs ?? t.periodMs);
    h.period_s = round(t.periodMs / 1000);
    h.grace_s = round(graceMs / 1000);
    [dueMs, deadlineMs] = [t.dueMs, t.dueMs + graceMs];
    h.due = isoOrNull(dueMs);
    h.deadline = isoOrNull(deadlineMs);
    if (h.age_s !== null && t.periodMs > 0) h.ratio = Math.round((h.age_s / h.period_s) * 1000) / 1000;
  }

  if (f.pausedUntilMs !== null && f.pausedUntilMs > now) {
    return verdict('paused', Number.isFinite(f.pausedUntilMs) ? `paused until ${iso(f.pausedUntilMs)}` : 'paused until resumed');
  }
  if (hb?.kind === 'corrupt') return verdict('corrupt', `${f.file ?? f.job}: ${hb.reason}`);
  if (lastMs !== null && lastMs > now + CLOCK_SKEW_MS) {
    return verdict('clock_skew', `heartbeat is ${formatDuration(lastMs - now)} in the future (started_at ${iso(lastMs)}): check the clocks`);
  }

  const run = f.run;
  const runStart = run ? Date.parse(run.started_at) : NaN;
  if (run && !Number.isNaN(runStart) && (lastMs === null || runStart > lastMs)) {
    if (f.runGone?.gone) {
      return verdict('crashed', `run of cycle ${run.cycle} (pid ${run.pid}) started ${ago(now - runStart)} and died without a heartbeat: ${f.runGone.reason}`);
    }
    const limit = f.config?.maxRuntimeMs ?? run.timeout_ms ?? f.config?.timeoutMs ?? ctx.defaults.timeoutMs;
    if (limit !== undefined && now - runStart > limit) {
      return verdict('overrunning', `running for ${formatDuration(now - runStart)}, longer than its ${formatDuration(limit)} limit (pid ${run.pid})`);
    }
    return verdict('running', `running for ${formatDuration(now - runStart)} (pid ${run.pid}, cycle ${run.cycle})`);
  }

  if (record?.status === 'error') {
    const how = record.timed_out ? 'timed out' : record.signal ? `was killed by ${record.signal}` : `failed with exit ${record.exit_code}`;
    return verdict('failed', `last run ${how}, ${ago(now - (lastMs ?? now))}${record.message ? `: ${oneLine(record.message)}` : ''}`);
  }
  if (!schedule) {
    return verdict('unscheduled', 'no schedule: give it every/cron in the config, --every/--cron on hb tick, or a crontab line');
  }
  if (dueMs === null || deadlineMs === null) {
    return verdict('ok', 'configured; no heartbeat yet');
  }
  const [due, deadline] = [dueMs, deadlineMs];
  if (lastMs === null) {
    if (now > deadline) return verdict('never', `configured, but no heartbeat since hb first saw it ${ago(now - (f.firstSeenMs ?? now))}; first run was due ${ago(now - due)}`);
    if (now > due) return verdict('late', `no heartbeat yet; first run was due ${ago(now - due)}, a problem in ${formatDuration(deadline - now)}`);
    return verdict('ok', `no heartbeat yet; first run due in ${formatDuration(due - now)}`);
  }
  if (now > deadline) return verdict('stale', `last heartbeat ${ago(now - lastMs)}; was due ${ago(now - due)}, deadline passed ${ago(now - deadline)}`);
  if (now > due) return verdict('late', `last heartbeat ${ago(now - lastMs)}; due ${ago(now - due)}, stale in ${formatDuration(deadline - now)}`);
  return verdict('ok', `last heartbeat ${ago(now - lastMs)}; next due in ${formatDuration(due - now)}`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
