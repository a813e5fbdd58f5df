// The heartbeat record (version 1) and tolerant reading of `.last` files.

import { OUTCOME_RANK, type ArtifactResult, type BaselineBand, type RunOutcome } from '../outcome/types.ts';
import type { ScheduleSpec } from '../schedule/types.ts';

/** One completed run, as written to `<state>/<job>.last`. */
export interface HeartbeatRecord {
  v: 1;
  job: string;
  host: string;
  status: 'ok' | 'error';
  exit_code: number | null;
  signal: string | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  cycle: number;
  action: string | null;
  message: string | null;
  schedule: ScheduleSpec | null;
  grace_s: number | null;
  output_tail: string | null;
  pid: number;
  hb_version: string;
  /** Start of the last successful run (this one, or carried over from the record before). */
  last_success_at?: string | null;
  /** Set when the run was stopped by `--timeout`. */
  timed_out?: boolean;
  /** Set when the run asked for `--lock` and none could be made: why it ran without one. */
  unlocked?: string;
  /** Set on the first run after a crash: what the crashed run was doing. */
  previous?: { status: 'crashed'; cycle: number; started_at: string; pid: number } | null;
  /** hb's judgement of the run (lib/rules/outcome/types.ts); absent in older records, whose status alone speaks. `failed` exactly when status is `error`. */
  outcome?: RunOutcome;
  /** Why the outcome is not ok, in one line a person understands ("backup.sql.gz is 20 B; last run's was 2.1 GB"). */
  reason?: string | null;
  /** Failed runs in a row, this one included (0 after a success): what `tolerate: {failed_runs}` counts. */
  failed_streak?: number;
  /** What each configured artifact check found. */
  expect?: ArtifactResult[] | null;
  /** The duration band learned from earlier runs that this run was judged against. */
  baseline?: BaselineBand | null;
}

/** What a `.last` file turned out to hold. */
export type ReadHeartbeat =
  { kind: 'record'; record: HeartbeatRecord; mtimeMs: number } | { kind: 'touch'; mtimeMs: number } | { kind: 'corrupt'; reason: string; mtimeMs: number };

const REQUIRED: Array<[keyof HeartbeatRecord, string]> = [
  ['v', 'number'],
  ['job', 'string'],
  ['status', 'string'],
  ['started_at', 'string'],
  ['finished_at', 'string'],
  ['cycle', 'number'],
];

// Optional, but when present the checker and the renderers rely on their type: a tampered value
// must make the record corrupt rather than crash `hb check` for every job.
const OPTIONAL: Array<[keyof HeartbeatRecord, string]> = [
  ['host', 'string'],
  ['exit_code', 'number'],
  ['signal', 'string'],
  ['duration_ms', 'number'],
  ['action', 'string'],
  ['message', 'string'],
  ['grace_s', 'number'],
  ['output_tail', 'string'],
  ['pid', 'number'],
  ['hb_version', 'string'],
  ['last_success_at', 'string'],
  ['timed_out', 'boolean'],
  ['outcome', 'string'],
  ['reason', 'string'],
];

/** The range a number in a state file must be in; `whole`: an integer. */
export interface NumberRule {
  min: number;
  max: number;
  whole: boolean;
}

// The longest duration hb counts (lib/rules/duration.ts): 2^53 ms.
const MAX_MS = Number.MAX_SAFE_INTEGER;
/** A process id: pid_t is a 32-bit signed integer. */
export const PID_RULE: NumberRule = { min: 1, max: 2 ** 31 - 1, whole: true };
/** A cycle number. */
export const CYCLE_RULE: NumberRule = { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true };
/** A size in bytes. */
export const SIZE_RULE: NumberRule = { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true };
/** A duration in milliseconds (a run's, a timeout). */
export const MS_RULE: NumberRule = { min: 0, max: MAX_MS, whole: false };

// JSON reads 1e309 as Infinity and accepts -57 as a grace: a number is trusted only in range, or
// a tampered record would be `ok` forever, or "due -57s ago", or print Infinity in every format.
const NUMBERS: Array<[keyof HeartbeatRecord, NumberRule]> = [
  ['v', { min: 1, max: Number.MAX_SAFE_INTEGER, whole: true }],
  ['cycle', CYCLE_RULE],
  ['exit_code', { min: 0, max: 255, whole: true }],
  ['duration_ms', MS_RULE],
  ['grace_s', { min: 0, max: MAX_MS / 1000, whole: false }],
  ['pid', PID_RULE],
  ['failed_streak', CYCLE_RULE],
];

// The numbers of `previous` (the crashed run a record reports).
const PREVIOUS_NUMBERS: ReadonlyArray<readonly ['cycle' | 'pid', NumberRule]> = [
  ['cycle', CYCLE_RULE],
  ['pid', PID_RULE],
];

/** Why `value` breaks `rule`, as the end of a sentence about it ("is -57, expected …"), or null. */
export function numberProblem(value: number, rule: NumberRule): string | null {
  // Every record of every check passes through here: the message is built only for a bad one.
  if (value >= rule.min && value <= rule.max && (!rule.whole || Number.isInteger(value))) return null;
  const expected = `expected ${rule.whole ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}`;
  return Number.isFinite(value) ? `is ${value}, ${expected}` : `is not a finite number, ${expected}`;
}

/**
 * Reads a `.last` file's text. Empty or non-JSON text (a shell script's `touch` or `date >`) is a
 * heartbeat at its mtime; text that starts like JSON but is not a valid record is corrupt.
 */
export function parseHeartbeat(text: string, mtimeMs: number): ReadHeartbeat {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return { kind: 'touch', mtimeMs };
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch (e) {
    return { kind: 'corrupt', reason: `not valid JSON (${(e as Error).message})`, mtimeMs };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'corrupt', reason: 'not a JSON object', mtimeMs };
  }
  const rec = data as Record<string, unknown>;
  const reason = recordProblem(rec);
  if (reason !== null) return { kind: 'corrupt', reason, mtimeMs };
  return { kind: 'record', record: rec as unknown as HeartbeatRecord, mtimeMs };
}

/**
 * Why a parsed object is not a heartbeat record, or null when it is one; the first problem in the
 * order below is the one reported. Every record of every check passes through here, mostly before
 * the code is optimised: the tables are walked by index, because `for…of` and array destructuring
 * cost an iterator per field there, and a message is built only for a bad record.
 */
function recordProblem(rec: Record<string, unknown>): string | null {
  for (let i = 0; i < REQUIRED.length; i++) {
    const field = REQUIRED[i]!;
    if (typeof rec[field[0]] !== field[1]) return `field "${field[0]}" missing or not a ${field[1]}`;
  }
  for (let i = 0; i < OPTIONAL.length; i++) {
    const field = OPTIONAL[i]!;
    const v = rec[field[0]];
    if (v !== undefined && v !== null && typeof v !== field[1]) return `field "${field[0]}" is not a ${field[1]}`;
  }
  for (let i = 0; i < NUMBERS.length; i++) {
    const field = NUMBERS[i]!;
    const v = rec[field[0]];
    const problem = typeof v === 'number' ? numberProblem(v, field[1]) : null;
    if (problem) return `field "${field[0]}" ${problem}`;
  }
  // Checked in full where it is compiled; here only its shape, so a number is corrupt rather than a crash there.
  if (!objectOrAbsent(rec.schedule)) return 'field "schedule" is not an object';
  if (!objectOrAbsent(rec.previous)) return 'field "previous" is not an object';
  const previous = rec.previous as Record<string, unknown> | null | undefined;
  if (previous) {
    for (let i = 0; i < PREVIOUS_NUMBERS.length; i++) {
      const field = PREVIOUS_NUMBERS[i]!;
      const v = previous[field[0]];
      if (v === undefined || v === null) continue;
      const problem = typeof v === 'number' ? numberProblem(v, field[1]) : 'is not a number';
      if (problem) return `field "previous": "${field[0]}" ${problem}`;
    }
  }
  if (rec.status !== 'ok' && rec.status !== 'error') return `field "status" is "${String(rec.status)}", expected ok or error`;
  if (rec.outcome !== undefined && rec.outcome !== null) {
    const outcome = rec.outcome as string;
    if (!Object.hasOwn(OUTCOME_RANK, outcome)) return `field "outcome" is "${outcome}", expected one of ${Object.keys(OUTCOME_RANK).join(', ')}`;
    if ((outcome === 'failed') !== (rec.status === 'error')) return `field "outcome" is "${outcome}" but "status" is "${String(rec.status)}"`;
  }
  if (!objectOrAbsent(rec.baseline)) return 'field "baseline" is not an object';
  const band = rec.baseline as Record<string, unknown> | null | undefined;
  if (band) {
    for (const key of ['runs', 'low_ms', 'high_ms'] as const) {
      const n = band[key];
      const problem = typeof n === 'number' ? numberProblem(n, MS_RULE) : 'is not a number';
      if (problem) return `field "baseline": "${key}" ${problem}`;
    }
  }
  const artifacts = artifactsProblem(rec.expect);
  if (artifacts) return `field "expect" ${artifacts}`;
  if (Number.isNaN(Date.parse(rec.started_at as string))) return 'field "started_at" is not an ISO 8601 time';
  if (Number.isNaN(Date.parse(rec.finished_at as string))) return 'field "finished_at" is not an ISO 8601 time';
  return null;
}

/** Why an `expect` value is not a list of artifact results (the renderers read path, file, size, ok and reason), or null. */
function artifactsProblem(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) return 'is not a list';
  for (let i = 0; i < v.length; i++) {
    const a = v[i] as Record<string, unknown> | null;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return `[${i}] is not an object`;
    if (typeof a.path !== 'string' || typeof a.ok !== 'boolean') return `[${i}] lacks a path or ok`;
    for (const key of ['file', 'reason'] as const) if (a[key] != null && typeof a[key] !== 'string') return `[${i}].${key} is not text`;
    for (const key of ['size', 'ref_size'] as const) {
      const n = a[key];
      if (n == null) continue;
      const problem = typeof n === 'number' ? numberProblem(n, SIZE_RULE) : 'is not a number';
      if (problem) return `[${i}].${key} ${problem}`;
    }
  }
  return null;
}

/** Whether `v` is absent (undefined, null) or a JSON object (not an array). */
function objectOrAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
}

/** The instant the heartbeat counts from: the record's `started_at`, else the file's mtime. */
export function heartbeatTime(hb: ReadHeartbeat): number {
  return hb.kind === 'record' ? Date.parse(hb.record.started_at) : hb.mtimeMs;
}
