// `hb log`: one readable line per event, a summary for every documented type, key=value for others.

import type { HbEvent } from '../events/log.ts';
import { isEventType, type EventType } from '../events/schema.ts';
import { oneLine, shortDuration, shortTime } from './human.ts';

type Fields = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const cycle = (e: Fields) => (e.cycle === undefined || e.cycle === null ? '' : ` (cycle ${s(e.cycle)})`);
const hash = (v: unknown) => (typeof v === 'string' ? v.slice(0, 12) : 'missing');
const tag = (e: Fields) => (typeof e.incident === 'string' && e.incident ? ` [incident ${e.incident.slice(0, 8)}]` : '');
const ended = (e: Fields) => (typeof e.signal === 'string' && e.signal ? `killed by ${e.signal}` : `exit ${s(e.exit_code) || '?'}`);
const files = (v: unknown): Fields[] => (Array.isArray(v) ? v.filter((f): f is Fields => typeof f === 'object' && f !== null) : []);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// One summary per type hb writes: a new type without one does not type-check. Fields are read
// with care, since a line may come from another version of hb or have been edited.
const SUMMARIES: Record<EventType, (e: Fields) => string> = {
  run_started: (e) => `started${cycle(e)}${e.pid ? `, pid ${s(e.pid)}` : ''}${e.unlocked ? `, without its lock (${s(e.unlocked)})` : ''}`,
  run_finished: (e) =>
    e.ping === true ? `${s(e.status) || 'ok'} ping${cycle(e)}` : `${s(e.status) || '?'} ${ended(e)} in ${shortDuration(e.duration_ms as number)}${cycle(e)}`,
  crash_detected: (e) =>
    `run${cycle(e)} died without a heartbeat${e.pid ? ` (pid ${s(e.pid)}, started ${shortTime(e.started_at)})` : ''}${e.reason ? `: ${s(e.reason)}` : ''}`,
  timeout: (e) => `stopped by --timeout after ${shortDuration(e.timeout_ms as number)}${e.exit_code !== undefined ? `, exit ${s(e.exit_code)}` : ''}${cycle(e)}`,
  overlap_skipped: (e) => `skipped: the previous run${e.holder_pid ? ` (pid ${s(e.holder_pid)}, started ${shortTime(e.holder_started_at)})` : ''} still holds the lock`,
  alert_opened: (e) => `alert opened: ${s(e.status)}${e.reason ? ` — ${s(e.reason)}` : ''}${tag(e)}`,
  alert_reminded: (e) => `reminder: still ${s(e.status)}${e.reason ? ` — ${s(e.reason)}` : ''}${tag(e)}`,
  alert_resolved: (e) => `alert resolved${e.reason ? ` — ${s(e.reason)}` : ''}${tag(e)}`,
  notify_failed: (e) =>
    `${s(e.notification) || 'notification'} to ${s(e.sink) || '?'}${e.kind ? ` (${s(e.kind)})` : ''} failed${e.attempts ? ` (attempt ${s(e.attempts)})` : ''}: ${s(e.error)}; ${e.will_retry ? 'will retry' : 'gave up'}`,
  paused: (e) => (typeof e.until === 'string' ? `paused until ${shortTime(e.until)}` : 'paused until hb resume'),
  resumed: () => 'resumed',
  forgotten: (e) => `forgotten${Array.isArray(e.removed) ? `: removed ${plural(e.removed.length, 'file')}` : ''}`,
  snapshot_saved: (e) => `known-good snapshot ${s(e.snapshot)} saved (${plural(files(e.files).length, 'file')})`,
  snapshot_refused: (e) => `no snapshot: hb will not touch ${files(e.files).map((f) => `${s(f.path)} (${s(f.reason)})`).join(', ') || 'a guarded file'}`,
  config_rolled_back: (e) =>
    `rolled back ${files(e.files).map((f) => `${s(f.path)} (${hash(f.old_hash)} → ${hash(f.new_hash)})`).join(', ') || 'nothing'}${e.source ? ` from ${s(e.source)}` : ''}`,
  restart: (e) => `restart ${ended(e)} in ${shortDuration(e.duration_ms as number)}${e.timed_out ? ' (timed out)' : ''}`,
  recovery_verified: (e) =>
    e.healthy === true ? `healthy again${e.reason ? `: ${s(e.reason)}` : ''}` : e.healthy === false ? `still unhealthy after recovery: ${s(e.reason)}` : `health not known yet${e.reason ? `: ${s(e.reason)}` : ''}`,
  recovery_blocked: (e) => `recovery blocked${e.restarts !== undefined ? ` after ${plural(Number(e.restarts), 'restart')}` : ''}: ${s(e.reason)}`,
};

const COMMON = new Set(['ts', 'job', 'type']);

/** What happened, in words; unknown types show their fields as key=value. */
export function summarize(e: HbEvent): string {
  if (isEventType(e.type)) return oneLine(SUMMARIES[e.type](e));
  const pairs = Object.keys(e)
    .filter((k) => !COMMON.has(k))
    .map((k) => {
      const v = e[k];
      const text = typeof v === 'string' && !/[\s"=]/.test(v) && v !== '' ? v : JSON.stringify(v);
      return `${k}=${text}`;
    });
  return oneLine(pairs.join(' '));
}

/** Column widths, so job and type line up over the lines printed together. */
export interface LogWidths {
  job: number;
  type: number;
}

/** The widths for a list of events. */
export function widthsOf(events: readonly HbEvent[]): LogWidths {
  let job = 0;
  let type = 0;
  for (const e of events) {
    job = Math.max(job, oneLine(s(e.job)).length);
    type = Math.max(type, oneLine(s(e.type)).length);
  }
  return { job, type };
}

/** `2026-11-20 09:00:05Z  backup  run_finished  ok exit 0 in 1.2s (cycle 12)`. */
export function logLine(e: HbEvent, w: LogWidths): string {
  return `${oneLine(shortTime(e.ts))}  ${oneLine(s(e.job)).padEnd(w.job)}  ${oneLine(s(e.type)).padEnd(w.type)}  ${summarize(e)}`.trimEnd();
}
