// `hb log`: one readable line per event, a summary for every documented type, key=value for others.

import type { ReadEvent, ReadKnown, UnknownEvent } from '../events/parse.ts';
import { oneLine, shortDuration, shortTime } from './human.ts';

/** One summary per type of a union of read events: a type without one does not type-check. */
export type Summaries<E extends { type: string }> = { readonly [T in E['type']]: (e: Extract<E, { type: T }>) => string };

const text = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
const cycle = (e: { cycle?: number }) => (e.cycle === undefined ? '' : ` (cycle ${e.cycle})`);
const hash = (v: string | null | undefined) => (typeof v === 'string' ? v.slice(0, 12) : 'missing');
const tag = (e: { incident?: string | null }) => (e.incident ? ` [incident ${e.incident.slice(0, 8)}]` : '');
const ended = (e: { signal?: string | null; exit_code?: number | null }) => (e.signal ? `killed by ${e.signal}` : `exit ${text(e.exit_code) || '?'}`);
// What hb made of a run when its status and exit do not say it all: ` — warning: exit 24 is in warn_codes`.
const judged = (e: { outcome?: string; reason?: string }) =>
  e.reason ? ` — ${e.outcome ?? '?'}: ${e.reason}` : e.outcome && e.outcome !== 'ok' && e.outcome !== 'failed' ? ` — ${e.outcome}` : '';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What each type hb writes says in `hb log`; a missing field is left out or shown as `?`. */
export const SUMMARIES: Summaries<ReadKnown> = {
  run_started: (e) => `started${cycle(e)}${e.pid ? `, pid ${e.pid}` : ''}${e.unlocked ? `, without its lock (${e.unlocked})` : ''}`,
  run_finished: (e) =>
    e.ping === true ? `${e.status || 'ok'} ping${cycle(e)}` : `${e.status || '?'} ${ended(e)} in ${shortDuration(e.duration_ms)}${cycle(e)}${judged(e)}`,
  crash_detected: (e) =>
    `run${cycle(e)} died without a heartbeat${e.pid ? ` (pid ${e.pid}, started ${shortTime(e.started_at)})` : ''}${e.reason ? `: ${e.reason}` : ''}`,
  timeout: (e) => `stopped by --timeout after ${shortDuration(e.timeout_ms)}${e.exit_code !== undefined ? `, exit ${text(e.exit_code)}` : ''}${cycle(e)}`,
  overlap_skipped: (e) =>
    `skipped: the previous run${e.holder_pid ? ` (pid ${e.holder_pid}, started ${shortTime(e.holder_started_at)})` : ''} still holds the lock`,
  alert_opened: (e) => `alert opened: ${text(e.status)}${e.reason ? ` — ${e.reason}` : ''}${tag(e)}`,
  alert_reminded: (e) => `reminder: still ${text(e.status)}${e.reason ? ` — ${e.reason}` : ''}${tag(e)}`,
  alert_escalated: (e) => `escalated${e.step !== undefined ? ` (step ${e.step})` : ''}: still ${text(e.status)}${e.reason ? ` — ${e.reason}` : ''}${tag(e)}`,
  alert_resolved: (e) => `alert resolved${e.reason ? ` — ${e.reason}` : ''}${tag(e)}`,
  notify_failed: (e) =>
    `${e.notification || 'notification'} to ${e.sink || '?'}${e.kind ? ` (${e.kind})` : ''} failed${e.attempts ? ` (attempt ${e.attempts})` : ''}: ${text(e.error)}; ${e.will_retry ? 'will retry' : 'gave up'}`,
  paused: (e) => (typeof e.until === 'string' ? `paused until ${shortTime(e.until)}` : 'paused until hb resume'),
  resumed: () => 'resumed',
  forgotten: (e) => `forgotten${e.removed ? `: removed ${plural(e.removed.length, 'file')}` : ''}`,
  snapshot_saved: (e) => `known-good snapshot ${text(e.snapshot)} saved (${plural(e.files?.length ?? 0, 'file')})`,
  snapshot_refused: (e) => `no snapshot: hb will not touch ${(e.files ?? []).map((f) => `${text(f.path)} (${text(f.reason)})`).join(', ') || 'a guarded file'}`,
  config_rolled_back: (e) =>
    `rolled back ${(e.files ?? []).map((f) => `${text(f.path)} (${hash(f.old_hash)} → ${hash(f.new_hash)})`).join(', ') || 'nothing'}${e.source ? ` from ${e.source}` : ''}`,
  restart: (e) => `restart ${ended(e)} in ${shortDuration(e.duration_ms)}${e.timed_out ? ' (timed out)' : ''}`,
  recovery_verified: (e) =>
    e.healthy === true
      ? `healthy again${e.reason ? `: ${e.reason}` : ''}`
      : e.healthy === false
        ? `still unhealthy after recovery: ${text(e.reason)}`
        : `health not known yet${e.reason ? `: ${e.reason}` : ''}`,
  recovery_blocked: (e) => `recovery blocked${e.restarts !== undefined ? ` after ${plural(e.restarts, 'restart')}` : ''}: ${text(e.reason)}`,
};

const COMMON = new Set(['ts', 'job', 'type']);

/** What happened, in words; unknown types show their fields as key=value. */
export function summarize(e: ReadEvent): string {
  if (!e.known) return oneLine(pairs(e));
  return oneLine((SUMMARIES[e.type] as (e: ReadKnown) => string)(e));
}

/** `key=value` for each field of a line of another type, quoting what needs it. */
function pairs(e: UnknownEvent): string {
  return Object.keys(e.fields)
    .filter((k) => !COMMON.has(k))
    .map((k) => {
      const v = e.fields[k];
      return `${k}=${typeof v === 'string' && !/[\s"=]/.test(v) && v !== '' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
}

/** Column widths, so job and type line up over the lines printed together. */
export interface LogWidths {
  job: number;
  type: number;
}

/** The widths for a list of events. */
export function widthsOf(events: readonly ReadEvent[]): LogWidths {
  const w = { job: 0, type: 0 };
  for (const e of events) widen(w, e);
  return w;
}

/** Widens `w` in place to fit one more event (a long log printed as it is read). */
export function widen(w: LogWidths, e: ReadEvent): void {
  w.job = Math.max(w.job, oneLine(e.job ?? '').length);
  w.type = Math.max(w.type, oneLine(e.type).length);
}

/** `2026-11-20 09:00:05Z  backup  run_finished  ok exit 0 in 1.2s (cycle 12)`. */
export function logLine(e: ReadEvent, w: LogWidths): string {
  return `${oneLine(shortTime(e.ts))}  ${oneLine(e.job ?? '').padEnd(w.job)}  ${oneLine(e.type).padEnd(w.type)}  ${summarize(e)}`.trimEnd();
}

/** Padded columns of one width, built once per name (a log names a few jobs and types many times). */
class Column {
  private width = -1;
  private readonly cells = new Map<string, string>();
  /** `text` on one line, padded to `width`. */
  cell(text: string, width: number): string {
    if (width !== this.width) {
      this.cells.clear();
      this.width = width;
    }
    let cell = this.cells.get(text);
    if (cell === undefined) {
      cell = oneLine(text).padEnd(width);
      // A log of endless distinct names keeps no more than this many.
      if (this.cells.size < 10_000) this.cells.set(text, cell);
    }
    return cell;
  }
}

/**
 * logLine for a long run of events: the same lines, with the padded job and type columns built
 * once per name and width (the widths are read at each call, so they may widen on the way).
 */
export function lineMaker(w: LogWidths): (e: ReadEvent) => string {
  const jobs = new Column();
  const types = new Column();
  return (e) => {
    const line = `${oneLine(shortTime(e.ts))}  ${jobs.cell(e.job ?? '', w.job)}  ${types.cell(e.type, w.type)}  ${summarize(e)}`;
    // Only a line ending in blank space has anything to trim.
    const last = line.charCodeAt(line.length - 1);
    return last > 0x20 && last < 0x7f ? line : line.trimEnd();
  };
}
