// The lateness rule (SPEC §4): pure facts about one job plus `now` in, a verdict out.

import { formatDuration } from '../duration.ts';
import { visible } from '../visible.ts';
import type { JobConfig } from '../config/types.ts';
import { heartbeatTime, type ReadHeartbeat } from '../heartbeat/record.ts';
import { failedInARow } from '../outcome/types.ts';
import type { ScheduleSpec, Timing } from '../schedule/types.ts';
import { PROBLEM_STATUSES, type JobHealth, type JobStatus, type RecoveryOutcome, type ScheduleSource } from './types.ts';
import type { RunMarker } from '../heartbeat/run-marker.ts';
import { unscheduledIsProblem, unscheduledReason, type UnscheduledSetting } from './unscheduled.ts';
import type { OpenWindow } from '../maintenance/open.ts';
import { formatIsoUtc } from '../schedule/tz.ts';
import { isoOrNull } from '../iso-time.ts';

/** Everything known about one job, gathered by the caller. */
export interface JobFacts {
  job: string;
  heartbeat: ReadHeartbeat | null;
  file: string | null;
  run: RunMarker | null;
  /** A `.run` file that is not a valid marker (a FIFO, a link, garbage): the job is `corrupt`. */
  runError?: { file: string; reason: string } | null;
  /** Whether the run marker's process is gone (computed from /proc by the caller). */
  runGone: { gone: boolean; reason: string } | null;
  config: JobConfig | null;
  crontabSchedule?: ScheduleSpec | null;
  /** When hb first saw this configured job without a heartbeat. */
  firstSeenMs: number | null;
  /** Paused until this instant (Infinity: until resumed); null when not paused. */
  pausedUntilMs: number | null;
  /** When a pause ended: what happened before it is not judged, the clock restarts there. */
  resumedAtMs?: number | null;
  /** The maintenance window the job is in (lib/rules/maintenance/open.ts): paused; its end restarts nothing. */
  maintenance?: OpenWindow | null;
  /** What dead-man recovery concluded when it could not bring the job back; null: nothing. */
  recovery?: RecoveryOutcome | null;
}

/** What the rule needs besides the facts. */
export interface EvalContext {
  nowMs: number;
  defaults: { graceMs?: number; timeoutMs?: number; maxRuntimeMs?: number };
  /** The config's `unscheduled:` setting (absent: warn, never a problem). */
  unscheduled?: UnscheduledSetting;
  /** Due time and period of `spec` after a run at `anchorMs` (possibly cached); throws on an invalid schedule. */
  timing(spec: ScheduleSpec, anchorMs: number): Timing;
}

/** A heartbeat this far in the future is clock skew, not a heartbeat. */
export const CLOCK_SKEW_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const ago = (ms: number) => `${formatDuration(ms)} ago`;

/** The decision alone, in numbers: cheap enough to make for 10,000 jobs, described only when shown. */
export interface Judgement {
  status: JobStatus;
  problem: boolean;
  spec: ScheduleSpec | null;
  source: ScheduleSource | null;
  lastMs: number | null;
  dueMs: number | null;
  deadlineMs: number | null;
  periodMs: number | null;
  graceMs: number | null;
  /** Start of the run in progress (running, overrunning) or of the dead one (crashed). */
  runStartMs: number | null;
  /** The runtime limit an overrunning job broke, or the min_duration a too-fast run missed. */
  limitMs: number | null;
  /** Why a stored schedule is invalid (status corrupt). */
  scheduleError: string | null;
}

/** Decides one job's status: the lateness rule of SPEC §4. Pure. */
export function judgeJob(f: JobFacts, ctx: EvalContext): Judgement {
  const now = ctx.nowMs;
  const hb = f.heartbeat;
  const record = hb?.kind === 'record' ? hb.record : null;
  const j: Judgement = {
    status: 'ok',
    problem: false,
    spec: null,
    source: null,
    lastMs: hb && hb.kind !== 'corrupt' ? heartbeatTime(hb) : null,
    dueMs: null,
    deadlineMs: null,
    periodMs: null,
    graceMs: null,
    runStartMs: null,
    limitMs: null,
    scheduleError: null,
  };
  const verdict = (status: JobStatus): Judgement => {
    j.status = status;
    j.problem = PROBLEM_STATUSES.has(status) || (status === 'unscheduled' && unscheduledIsProblem(f.job, ctx.unscheduled));
    return j;
  };
  // Plain assignments: this runs once per job, and a destructuring assignment builds and walks an array each time.
  if (record?.schedule) {
    j.spec = record.schedule;
    j.source = 'heartbeat';
  } else if (f.config?.schedule) {
    j.spec = f.config.schedule;
    j.source = 'config';
  } else if (f.crontabSchedule) {
    j.spec = f.crontabSchedule;
    j.source = 'crontab';
  }

  // Timing first, so every verdict carries due/deadline/ratio. Without an anchor the schedule is
  // only validated. A resume after the last heartbeat restarts the clock.
  const resumed = f.resumedAtMs != null && (j.lastMs === null || f.resumedAtMs > j.lastMs) ? f.resumedAtMs : null;
  const anchor = resumed ?? j.lastMs ?? f.firstSeenMs;
  if (j.spec) {
    let t: Timing;
    try {
      t = ctx.timing(j.spec, anchor ?? now);
    } catch (e) {
      j.scheduleError = (e as Error).message;
      return verdict('corrupt');
    }
    if (anchor !== null) {
      j.periodMs = t.periodMs;
      j.graceMs = record?.grace_s != null && j.source === 'heartbeat' ? record.grace_s * 1000 : (f.config?.graceMs ?? ctx.defaults.graceMs ?? t.periodMs);
      j.dueMs = t.dueMs;
      j.deadlineMs = t.dueMs + j.graceMs;
    }
  }

  if (f.pausedUntilMs !== null && f.pausedUntilMs > now) return verdict('paused');
  if (f.maintenance && f.maintenance.untilMs > now) return verdict('paused');
  if (hb?.kind === 'corrupt' || f.runError) return verdict('corrupt');
  if (j.lastMs !== null && j.lastMs > now + CLOCK_SKEW_MS) return verdict('clock_skew');

  const run = f.run;
  const runStart = run ? Date.parse(run.started_at) : NaN;
  if (run && !Number.isNaN(runStart) && (j.lastMs === null || runStart > j.lastMs)) {
    j.runStartMs = runStart;
    // The end of a pause restarts the clock, not the outcome: a run that died stays crashed
    // until a later run, whenever it died.
    if (f.runGone?.gone) return verdict('crashed');
    const limit = f.config?.maxRuntimeMs ?? ctx.defaults.maxRuntimeMs ?? run.timeout_ms ?? f.config?.timeoutMs ?? ctx.defaults.timeoutMs;
    if (limit != null && now - runStart > limit) {
      j.limitMs = limit;
      return verdict('overrunning');
    }
    return verdict('running');
  }
  // Nor does a pause's end mend a failure: the last run failed until a later one succeeds.
  if (record?.status === 'error') {
    // `tolerate: {failed_runs: N}` counts the job's own runs: fewer failures in a row are shown, not a
    // problem. It never hides a missed run: a tolerated failure past its next deadline is stale.
    const tolerated = failedInARow(record) < (f.config?.failedRuns ?? 1);
    if (tolerated && timingVerdict(j, now, resumed) === 'stale') return verdict('stale');
    verdict('failed');
    j.problem = !tolerated;
    return j;
  }
  if (record?.outcome === 'suspicious' || record?.outcome === 'slow') return verdict(record.outcome);
  // A record from before outcome rules: its min_duration is judged here. A run that "succeeds"
  // faster than it can is suspicious (an empty backup, a skipped step).
  const minimum = f.config?.minDurationMs;
  if (record && record.outcome === undefined && minimum !== undefined && record.duration_ms < minimum) {
    j.limitMs = minimum;
    return verdict('suspicious');
  }
  const timing = timingVerdict(j, now, resumed);
  return verdict(timing === 'ok' && record?.outcome === 'warning' ? 'warning' : timing);
}

/** The verdict of the schedule alone: unscheduled, ok, late, stale or never. */
function timingVerdict(j: Judgement, now: number, resumed: number | null): JobStatus {
  if (!j.spec) return 'unscheduled';
  if (j.dueMs === null || j.deadlineMs === null) return 'ok';
  if (now > j.deadlineMs) return j.lastMs === null && resumed === null ? 'never' : 'stale';
  if (now > j.dueMs) return 'late';
  return 'ok';
}

/** Turns a judgement into the reported verdict: the JSON contract's fields and a reason line. */
export function describeJob(f: JobFacts, j: Judgement, nowMs: number): JobHealth {
  const record = f.heartbeat?.kind === 'record' ? f.heartbeat.record : null;
  const age = j.lastMs === null ? null : round((nowMs - j.lastMs) / 1000);
  const period = j.periodMs === null ? null : round(j.periodMs / 1000);
  return {
    job: f.job,
    status: j.status,
    problem: j.problem,
    reason: reasonFor(f, j, nowMs),
    age_s: age,
    period_s: period,
    grace_s: j.graceMs === null ? null : round(j.graceMs / 1000),
    ratio: age !== null && period !== null && period > 0 ? Math.round((age / period) * 1000) / 1000 : null,
    due: isoOrNull(j.dueMs),
    deadline: isoOrNull(j.deadlineMs),
    schedule: j.spec,
    schedule_source: j.source,
    last_success_at: record ? (record.status === 'ok' ? record.started_at : (record.last_success_at ?? null)) : null,
    last: record,
    running: f.run,
    file: f.file,
    evidence: [],
    root_cause: null,
  };
}

/** Judges and describes one job. */
export function evaluateJob(f: JobFacts, ctx: EvalContext): JobHealth {
  return describeJob(f, withRecovery(judgeJob(f, ctx), f.recovery ?? null), ctx.nowMs);
}

/**
 * The verdict once recovery has spoken: a job recovery could not bring back is that recovery
 * state, a problem, whatever its heartbeat says (recovery acts on a health probe the heartbeat
 * may not see); a pause still holds it. `judgeJob` leaves this out so that recovery itself
 * decides from the job's own verdict.
 */
export function withRecovery(j: Judgement, recovery: RecoveryOutcome | null): Judgement {
  if (recovery === null || j.status === 'paused') return j;
  return { ...j, status: recovery.status, problem: true };
}

function reasonFor(f: JobFacts, j: Judgement, now: number): string {
  const { lastMs, dueMs, deadlineMs } = j;
  const run = f.run;
  const record = f.heartbeat?.kind === 'record' ? f.heartbeat.record : null;
  switch (j.status) {
    case 'paused':
      if (f.pausedUntilMs === null || f.pausedUntilMs <= now)
        return `in maintenance window ${f.maintenance!.text} until ${formatIsoUtc(f.maintenance!.untilMs)}`;
      return Number.isFinite(f.pausedUntilMs) ? `paused until ${iso(f.pausedUntilMs)}` : 'paused until resumed';
    case 'corrupt':
      if (j.scheduleError !== null) return `${j.source} schedule is invalid: ${j.scheduleError}`;
      if (f.heartbeat?.kind !== 'corrupt' && f.runError) return `${f.runError.file}: ${f.runError.reason}`;
      return `${f.file ?? f.job}: ${f.heartbeat?.kind === 'corrupt' ? f.heartbeat.reason : 'unreadable'}`;
    case 'clock_skew':
      return `heartbeat is ${formatDuration(lastMs! - now)} in the future (started_at ${iso(lastMs!)}): check the clocks`;
    case 'crashed':
      return `run of cycle ${run!.cycle} (pid ${run!.pid}) started ${ago(now - j.runStartMs!)} and died without a heartbeat: ${f.runGone!.reason}`;
    case 'overrunning':
      return `running for ${formatDuration(now - j.runStartMs!)}, longer than its ${formatDuration(j.limitMs!)} limit (pid ${run!.pid})`;
    case 'running':
      return `running for ${formatDuration(now - j.runStartMs!)} (pid ${run!.pid}, cycle ${run!.cycle})`;
    case 'failed': {
      const how = record!.timed_out ? 'timed out' : record!.signal ? `was killed by ${record!.signal}` : `failed with exit ${record!.exit_code}`;
      const why = record!.reason ?? record!.message;
      const text = `last run ${record!.reason ? 'failed' : how}, ${ago(now - (lastMs ?? now))}${why ? `: ${oneLine(why)}` : ''}`;
      const needed = f.config?.failedRuns ?? 1;
      return j.problem || needed <= 1 ? text : `${text} (${failedInARow(record!)} of ${needed} failed runs in a row tolerated)`;
    }
    case 'suspicious':
    case 'slow':
      if (j.limitMs !== null)
        return `last run finished in ${formatDuration(record!.duration_ms)}, faster than its min_duration ${formatDuration(j.limitMs)}: suspicious`;
      return `last run ${ago(now - (lastMs ?? now))} was ${j.status}: ${oneLine(record!.reason ?? `it took ${formatDuration(record!.duration_ms)}`)}`;
    case 'warning':
      return `last run ${ago(now - (lastMs ?? now))} succeeded with a warning: ${oneLine(record!.reason ?? 'no reason recorded')}${dueMs === null ? '' : `; next due in ${formatDuration(dueMs - now)}`}`;
    case 'unscheduled':
      return unscheduledReason(f.job);
    case 'recovery_exhausted':
    case 'recovery_failed':
    case 'recovery_refused':
      return f.recovery?.reason ?? 'recovery could not bring it back';
    case 'never':
      return `configured, but no heartbeat since hb first saw it ${ago(now - (f.firstSeenMs ?? now))}; first run was due ${ago(now - dueMs!)}`;
    case 'stale':
      return `last heartbeat ${ago(now - lastMs!)}; was due ${ago(now - dueMs!)}, deadline passed ${ago(now - deadlineMs!)}`;
    case 'late':
      return lastMs === null
        ? `no heartbeat yet; first run was due ${ago(now - dueMs!)}, a problem in ${formatDuration(deadlineMs! - now)}`
        : `last heartbeat ${ago(now - lastMs)}; due ${ago(now - dueMs!)}, stale in ${formatDuration(deadlineMs! - now)}`;
    default:
      if (dueMs === null) return 'configured; no heartbeat yet';
      return lastMs === null
        ? `no heartbeat yet; first run due in ${formatDuration(dueMs - now)}`
        : `last heartbeat ${ago(now - lastMs)}; next due in ${formatDuration(dueMs - now)}`;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function oneLine(text: string): string {
  // A reason is read on terminals, in mails and reports: a job's message must not drive them.
  const line = visible(text.replace(/\s+/g, ' ').trim());
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
