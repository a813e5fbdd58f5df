// Builds the notification a sink receives from an incident draft and the job's verdict.

import { randomUUID } from 'node:crypto';
import type { JobHealth } from '../health/types.ts';
import type { Notification } from '../sinks/types.ts';
import type { Draft } from './incident.ts';
import { causeLine, notifiedEvidence } from '../evidence/cause-line.ts';
import type { LateNotice } from './late.ts';
import { formatDuration } from '../duration.ts';

/** Bytes of job output carried in a notification (sinks bound further for their target). */
export const NOTIFICATION_TAIL_BYTES = 4096;

/** The notification for one draft. */
export function notificationFor(draft: Draft, health: JobHealth, host: string, nowMs: number): Notification {
  const { incident } = draft;
  const title =
    draft.type === 'resolve'
      ? `[hb] ${health.job} recovered`
      : draft.type === 'remind'
        ? `[hb] ${health.job} still ${health.status}`
        : draft.type === 'escalate'
          ? `[hb] ${health.job} ${health.status} for ${formatDuration(nowMs - Date.parse(incident.opened_at))}: escalated`
          : `[hb] ${health.job} ${incident.status}`;
  return {
    v: 1,
    id: randomUUID(),
    type: draft.type,
    job: health.job,
    host,
    status: health.status,
    problem: health.problem,
    message: health.reason,
    title,
    incident: incidentFacts(incident),
    ts: new Date(nowMs).toISOString(),
    ...(draft.type === 'resolve' ? {} : whyFacts(health)),
    ...(draft.escalation ? { escalation: { step: draft.escalation.step, after_s: Math.round(draft.escalation.afterMs / 1000) } } : {}),
    ...(health.last ? { run: runFacts(health.last) } : {}),
  };
}

/** Why an alerted or reminded job is a problem: its evidence (bounded), the cause line, its root cause. */
function whyFacts(health: JobHealth): Pick<Notification, 'evidence' | 'cause' | 'root_cause'> {
  return { evidence: notifiedEvidence(health.evidence), cause: causeLine(health), root_cause: health.root_cause };
}

/** The incident as a notification carries it: `escalated` only once a step was sent. */
function incidentFacts(incident: Draft['incident']): NonNullable<Notification['incident']> {
  const { id, opened_at, status, reminders, escalated } = incident;
  return escalated ? { id, opened_at, status, reminders, escalated } : { id, opened_at, status, reminders };
}

/** The early warning for a job whose due time passed: when it was due, when it turns stale. */
export function lateNotification(health: JobHealth, notice: LateNotice, host: string, nowMs: number): Notification {
  const due = new Date(notice.dueMs).toISOString();
  const staleAt = new Date(notice.deadlineMs).toISOString();
  return {
    v: 1,
    id: randomUUID(),
    type: 'late',
    job: health.job,
    host,
    status: health.status,
    problem: false,
    message: `${health.job} is late: due ${clockTime(due, nowMs)}, stale at ${clockTime(staleAt, nowMs)} unless it runs`,
    title: `[hb] ${health.job} late`,
    incident: null,
    ts: new Date(nowMs).toISOString(),
    late: { due, stale_at: staleAt },
  };
}

/** `10:00 UTC` on the day of `nowMs`, with the date on another day, the seconds when there are any. */
function clockTime(iso: string, nowMs: number): string {
  const time = iso.slice(17, 19) === '00' ? iso.slice(11, 16) : iso.slice(11, 19);
  const day = iso.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10) ? '' : `${iso.slice(0, 10)} `;
  return `${day}${time} UTC`;
}

/** A free-text message from `hb tick JOB --notify TEXT`. */
export function messageNotification(job: string, text: string, host: string, nowMs: number, status: JobHealth['status']): Notification {
  return {
    v: 1,
    id: randomUUID(),
    type: 'message',
    job,
    host,
    status,
    problem: false,
    message: text,
    title: `[hb] ${job}: ${firstLine(text)}`,
    incident: null,
    ts: new Date(nowMs).toISOString(),
  };
}

/** The run facts a notification carries, output bounded. */
export function runFacts(rec: NonNullable<JobHealth['last']>): NonNullable<Notification['run']> {
  return {
    cycle: rec.cycle,
    exit_code: rec.exit_code,
    signal: rec.signal,
    started_at: rec.started_at,
    finished_at: rec.finished_at,
    duration_ms: rec.duration_ms,
    ...(rec.outcome ? { outcome: rec.outcome } : {}),
    ...(rec.reason ? { reason: rec.reason } : {}),
    output_tail: rec.output_tail === null ? null : lastBytes(rec.output_tail, NOTIFICATION_TAIL_BYTES),
  };
}

function lastBytes(text: string, max: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= max) return text;
  // Drop continuation bytes so the cut lands on a character boundary.
  let start = buf.length - max;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** A healthchecks-style run ping: `run_start` before the command, `run_end` with its outcome and reason. */
export function runNotification(
  type: 'run_start' | 'run_end',
  job: string,
  host: string,
  nowMs: number,
  runId: string,
  rec: NonNullable<JobHealth['last']> | null,
): Notification {
  const failed = rec?.status === 'error';
  // A success hb judged otherwise: a warning is shown, a slow or suspicious run is a problem.
  const judged = !failed && rec?.outcome && rec.outcome !== 'ok' && rec.outcome !== 'failed' ? rec.outcome : null;
  const words = failed ? 'failed' : judged === 'warning' ? 'succeeded with a warning' : judged ? `was ${judged}` : 'succeeded';
  // The run's reason first, else the record's own message (the meta-heartbeat's says how many jobs are unhealthy).
  const why = rec?.reason ?? rec?.message ?? null;
  return {
    v: 1,
    id: randomUUID(),
    type,
    job,
    host,
    status: type === 'run_start' ? 'running' : failed ? 'failed' : (judged ?? 'ok'),
    problem: failed || judged === 'slow' || judged === 'suspicious',
    message: type === 'run_start' ? `${job} started` : why ? `${job} ${failed || judged || rec?.reason ? words : 'ran'}: ${why}` : `${job} ${words}`,
    title: `[hb] ${job} ${type === 'run_start' ? 'started' : words}`,
    incident: null,
    ts: new Date(nowMs).toISOString(),
    run: { run_id: runId, ...(rec ? runFacts(rec) : {}) },
  };
}

/** The resolve for an incident whose job is no longer watched (forgotten, removed from the config). */
export function closingNotification(job: string, incident: Draft['incident'], host: string, nowMs: number): Notification {
  return {
    v: 1,
    id: randomUUID(),
    type: 'resolve',
    job,
    host,
    status: 'ok',
    problem: false,
    message: `${job} is no longer watched (forgotten or removed from the config): the incident is closed`,
    title: `[hb] ${job} no longer watched`,
    incident: incidentFacts(incident),
    ts: new Date(nowMs).toISOString(),
  };
}
