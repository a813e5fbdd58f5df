// One run of a job, shared by `hb tick` and `hb wrap`: crash detection, cycle, running marker,
// the child, the heartbeat record and the events, in that order.

import type { Writable } from 'node:stream';
import { appendEvents } from '../adapters/events/log.ts';
import { newEvent, type EventType, type FieldsOf, type KnownEvent } from '../rules/events/schema.ts';
import type { RunMarker } from '../rules/heartbeat/run-marker.ts';
import type { HeartbeatRecord, ReadHeartbeat } from '../rules/heartbeat/record.ts';
import { readHeartbeat, readRunMarker, removeRunMarker, writeHeartbeat, writeRunMarker } from '../adapters/heartbeat/store.ts';
import type { ScheduleSpec } from '../rules/schedule/types.ts';
import { runChild, type ChildResult } from '../adapters/run/child.ts';
import { nextCycle, takeCycle } from '../adapters/run/cycle.ts';
import { lockForRun } from '../adapters/run/lock.ts';
import { openSpool, type OutputSpool } from '../adapters/run/spool.ts';
import { bootId, gatherFacts, isRunGone, processStartMs } from '../adapters/run/proc.ts';
import type { OutcomeRules } from '../rules/outcome/rules.ts';
import type { ExitFacts } from '../rules/outcome/exit.ts';
import { quietExitReason } from '../rules/outcome/quiet.ts';
import { failedInARow } from '../rules/outcome/types.ts';
import { keepRunHistory, settleOutcome, type Settled } from './outcome.ts';
import { runTask, type RunTask, type TaskEnding } from './task.ts';

/** Everything one run needs; the CLI layer fills it from flags, config and the process. */
export interface JobRunRequest {
  job: string;
  dir: string;
  /** Absent (and no `task`): a pure ping. */
  command?: string | string[];
  /** An in-process function run in place of a command (the Node API's runJob). */
  task?: RunTask;
  schedule: ScheduleSpec | null;
  graceMs?: number;
  timeoutMs?: number;
  killAfterMs?: number;
  lock: boolean;
  skipCode: number;
  tailBytes: number;
  /** How the run's outcome is judged beyond its exit code (config and wrap's flags). */
  rules?: OutcomeRules;
  minDurationMs?: number;
  status?: 'ok' | 'error';
  action?: string;
  message?: string;
  env: NodeJS.ProcessEnv;
  host: string;
  pid: number;
  version: string;
  now(): number;
  stdout: Writable;
  stderr: Writable;
  forwardSignals: boolean;
  /** The child's stdin (default: hb's own). */
  stdin?: 'inherit' | 'ignore';
  /** Told the child's pid once it exists (the daemon signals its process group). */
  onChild?: (pid: number) => void;
  /** Told once the run goes ahead (past --lock): a run skipped for overlap never starts. */
  onStart?: () => void;
  /** The run's cycle as its caller counts (--cycle); absent: the next of hb's own counter. */
  cycle?: number;
}

/** What happened: the exit code to pass on, the record written, and lines for stderr. */
export interface JobRunResult {
  exitCode: number;
  record: HeartbeatRecord | null;
  /** The record this run made, written or not (null: the run was skipped). */
  made: HeartbeatRecord | null;
  /** The heartbeat this run found before writing its own (null: none, or the run was skipped). */
  previous: ReadHeartbeat | null;
  skipped: boolean;
  warnings: string[];
  /** What a task asked to be sent to the job's sinks (absent: nothing). */
  notify?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the job (or records a ping) and writes its heartbeat; never throws for the child's sake. */
export async function runJob(req: JobRunRequest): Promise<JobRunResult> {
  const warnings: string[] = [];
  const events: KnownEvent[] = [];
  const event = <T extends EventType>(type: T, fields: FieldsOf<T>) => events.push(newEvent[type](iso(req.now()), req.job, fields));
  const flush = () => {
    try {
      appendEvents(req.dir, events.splice(0));
    } catch (e) {
      warnings.push(`hb: could not append to the event log in ${req.dir}: ${(e as Error).message}`);
    }
  };

  let release: (() => void) | null = null;
  let spool: OutputSpool | null = null;
  // Why this run holds no lock although it asked for one (none could be made): it runs anyway.
  let unlocked: string | null = null;
  const runs = req.command !== undefined || req.task !== undefined;
  if (req.lock && runs) {
    const lock = lockForRun(req.dir, req.job, { pid: req.pid, started_at: iso(req.now()), boot_id: bootId(), pid_started_ms: processStartMs(req.pid) });
    if (lock.kind === 'busy') {
      event('overlap_skipped', { holder_pid: lock.holder?.pid ?? null, holder_started_at: lock.holder?.started_at ?? null });
      flush();
      return { exitCode: req.skipCode, record: null, made: null, previous: null, skipped: true, warnings };
    }
    if (lock.kind === 'held') release = lock.release;
    else {
      unlocked = lock.reason;
      warnings.push(`hb: overlap protection is off for this run of ${req.job}: ${lock.reason}`);
    }
  }
  req.onStart?.();

  try {
    const prev = readHeartbeat(req.dir, req.job);
    const prevRecord = prev?.kind === 'record' ? prev.record : null;
    const leftover = readRunMarker(req.dir, req.job);
    const crashed = leftover ? crashedRun(leftover, prev) : null;
    if (crashed) event('crash_detected', { cycle: leftover!.cycle, pid: leftover!.pid, started_at: leftover!.started_at, reason: crashed });
    const startedMs = req.now();
    const boot = bootId();
    const pidStartedMs = processStartMs(req.pid);
    // Concurrent runs of one job each get their own number (lib/adapters/run/cycle.ts); a
    // number the caller gives is taken as it is, and keeps the counter from going back below it.
    const holder = { pid: req.pid, started_at: iso(startedMs), boot_id: boot, pid_started_ms: pidStartedMs };
    const cycle =
      req.cycle !== undefined
        ? takeCycle(req.dir, req.job, req.cycle, holder)
        : nextCycle(req.dir, req.job, Math.max(prevRecord?.cycle ?? 0, leftover?.cycle ?? 0), holder);

    let child: ChildResult | null = null;
    let ended: TaskEnding | null = null;
    if (runs) {
      const marker: RunMarker = {
        job: req.job,
        pid: req.pid,
        started_at: iso(startedMs),
        host: req.host,
        cycle,
        boot_id: boot,
        pid_started_ms: pidStartedMs,
        command: req.command === undefined ? null : typeof req.command === 'string' ? req.command : req.command.join(' '),
        timeout_ms: req.timeoutMs ?? null,
      };
      const mark = (m: RunMarker) => {
        try {
          writeRunMarker(req.dir, m);
        } catch (e) {
          warnings.push(`hb: could not write the running marker of ${req.job} in ${req.dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      };
      mark(marker);
      event('run_started', { cycle, pid: req.pid, ...(unlocked ? { unlocked } : {}) });
      flush();
      if (req.task) {
        ended = await runTask(req.task, { job: req.job, cycle, stateDir: req.dir }, req.now);
        child = ended.child;
      } else {
        if (req.rules?.quiet) spool = await quietSpool(req.job, warnings);
        child = await runChild({
          command: req.command!,
          env: childEnv(req, cycle, prev, crashed ? leftover : null),
          tailBytes: req.tailBytes,
          timeoutMs: req.timeoutMs,
          killAfterMs: req.killAfterMs,
          stdout: spool?.stdout ?? req.stdout,
          stderr: spool?.stderr ?? req.stderr,
          forward: req.forwardSignals,
          stdin: req.stdin,
          now: req.now,
          onSpawn: (childPid) => {
            mark({ ...marker, child_pid: childPid });
            req.onChild?.(childPid);
          },
        });
      }
    }
    // Like a shell, say why the command never ran: cron mails it.
    if (child?.spawnError) warnings.push(`hb: ${req.job}: ${child.spawnError.message}`);
    const finishedMs = child ? child.finishedMs : startedMs;
    const settled: Settled = child
      ? await settleOutcome({
          job: req.job,
          dir: req.dir,
          exit: exitFacts(child),
          startedMs: child.startedMs,
          durationMs: child.durationMs,
          tail: child.tail,
          rules: req.rules,
          minDurationMs: req.minDurationMs,
          previous: prevRecord,
          env: req.env,
          forwardSignals: req.forwardSignals,
          onChild: req.onChild,
        })
      : { outcome: req.status === 'error' ? 'failed' : 'ok', reason: null, expect: null, baseline: null };
    const status = settled.outcome === 'failed' ? 'error' : 'ok';
    // Quiet: the output a run held back is written out only when it failed, and hb's line after
    // it says why even when the exit code alone does (the mail is all its reader gets).
    if (spool && status === 'error') {
      await spool.replay(req.stdout, req.stderr);
      const lost = child ? spool.missing(child.outputBytes) : null;
      if (lost) warnings.push(`hb: ${req.job}: quiet: ${lost}`);
      const why = settled.reason === null && child ? quietExitReason(exitFacts(child), req.timeoutMs) : null;
      if (why) warnings.push(`hb: ${req.job}: failed: ${why}`);
    }
    // Said on stderr when the exit code does not say it: cron mails it.
    if (settled.reason !== null && settled.outcome !== 'warning') warnings.push(`hb: ${req.job}: ${settled.outcome}: ${settled.reason}`);
    const record: HeartbeatRecord = {
      v: 1,
      job: req.job,
      host: req.host,
      status,
      exit_code: child ? (child.exitCode ?? (child.spawnError ? child.code : null)) : status === 'ok' ? 0 : 1,
      signal: child?.signal ?? null,
      started_at: iso(child ? child.startedMs : startedMs),
      finished_at: iso(finishedMs),
      duration_ms: child ? child.durationMs : 0,
      cycle,
      action: req.action ?? null,
      message:
        req.message ??
        ended?.message ??
        (child?.spawnError ? child.spawnError.message : child?.timedOut ? `timed out after ${Math.round((req.timeoutMs ?? 0) / 1000)}s` : null),
      schedule: req.schedule,
      grace_s: req.graceMs === undefined ? null : req.graceMs / 1000,
      output_tail: child && req.tailBytes > 0 ? child.tail : null,
      pid: req.pid,
      hb_version: req.version,
      last_success_at:
        status === 'ok'
          ? iso(child ? child.startedMs : startedMs)
          : prevRecord?.status === 'ok'
            ? prevRecord.started_at
            : (prevRecord?.last_success_at ?? null),
      ...(child?.timedOut ? { timed_out: true } : {}),
      ...(unlocked ? { unlocked } : {}),
      ...(crashed ? { previous: { status: 'crashed' as const, cycle: leftover!.cycle, started_at: leftover!.started_at, pid: leftover!.pid } } : {}),
      outcome: settled.outcome,
      reason: settled.reason,
      failed_streak: status === 'ok' ? 0 : prevRecord?.status === 'error' ? failedInARow(prevRecord) + 1 : 1,
      ...(settled.expect ? { expect: settled.expect } : {}),
      ...(settled.baseline ? { baseline: settled.baseline } : {}),
    };
    if (child?.timedOut) event('timeout', { cycle, timeout_ms: req.timeoutMs, exit_code: child.code });
    let written = true;
    try {
      writeHeartbeat(req.dir, record);
    } catch (e) {
      written = false;
      warnings.push(
        `hb: could not write the heartbeat of ${req.job} in ${req.dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the previous heartbeat is kept`,
      );
    }
    // Only beside the heartbeat it belongs to: a directory that took no heartbeat is not asked again.
    if (child && written) warnings.push(...keepRunHistory(req.dir, record, req.now));
    if (runs) removeRunMarker(req.dir, req.job, req.pid);
    event('run_finished', {
      cycle,
      status,
      exit_code: record.exit_code,
      signal: record.signal,
      duration_ms: record.duration_ms,
      outcome: settled.outcome,
      ...(settled.reason !== null ? { reason: settled.reason } : {}),
      ...(runs ? {} : { ping: true }),
    });
    flush();
    const exitCode = child ? child.code : written ? 0 : 1;
    return {
      exitCode,
      record: written ? record : null,
      made: record,
      previous: prev,
      skipped: false,
      warnings,
      ...(ended?.notify ? { notify: ended.notify } : {}),
    };
  } finally {
    spool?.close();
    release?.();
  }
}

/** The spool that holds a quiet run's output, or null (said in `warnings`) when none can be made: the output then passes through. */
async function quietSpool(job: string, warnings: string[]): Promise<OutputSpool | null> {
  try {
    return await openSpool();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    warnings.push(`hb: ${job}: quiet: cannot hold the output back (${err.message}); it is passed through`);
    return null;
  }
}

/** How the child ended, as the outcome stages read it. */
function exitFacts(child: ChildResult): ExitFacts {
  return { code: child.code, signal: child.signal, timedOut: child.timedOut, spawnFailed: child.spawnError !== null };
}

/** Why a leftover `.run` marker is a crash, or null when it is not (alive, or a heartbeat came after it). */
function crashedRun(marker: RunMarker, prev: ReadHeartbeat | null): string | null {
  const started = Date.parse(marker.started_at);
  if (prev?.kind === 'record' && Date.parse(prev.record.started_at) >= started) return null;
  const verdict = isRunGone(marker, gatherFacts(marker.pid));
  return verdict.gone ? verdict.reason : null;
}

/** The child's environment: the caller's plus what it may want to know about this and the last run. */
function childEnv(req: JobRunRequest, cycle: number, prev: ReadHeartbeat | null, crashed: RunMarker | null): NodeJS.ProcessEnv {
  const rec = prev?.kind === 'record' ? prev.record : null;
  const env: NodeJS.ProcessEnv = {
    ...req.env,
    HB_JOB: req.job,
    HB_CYCLE: String(cycle),
    HB_STATE_DIR: req.dir,
    HB_PREV_STATUS: crashed ? 'crashed' : rec ? rec.status : prev ? 'ok' : 'none',
    HB_PREV_EXIT_CODE: crashed ? '' : rec?.exit_code != null ? String(rec.exit_code) : '',
    HB_PREV_STARTED_AT: crashed ? crashed.started_at : (rec?.started_at ?? ''),
  };
  // The check is this run's: an hb the command starts (a tick of another job) must not report to it.
  delete env.HB_PING_URL;
  return env;
}
