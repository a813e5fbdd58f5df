// The output of a job's last failed runs, as `<state>/history/<job>.failed.jsonl` keeps it: one
// entry per failed run, the newest last, bounded in entries and bytes; and how a person reads one
// (a heading, the tail's lines with every control character written out). Pure.

import { inert, visible } from '../visible.ts';
import type { HeartbeatRecord } from '../heartbeat/record.ts';
import { OUTCOME_RANK, type RunOutcome } from '../outcome/types.ts';

/** One failed run and the output tail it left (one line of the file). */
export interface FailedOutput {
  started_at: string;
  finished_at: string;
  cycle: number;
  exit_code: number | null;
  signal: string | null;
  outcome: RunOutcome;
  reason: string | null;
  /** The last `tail` bytes of stdout+stderr; null when the job keeps no tail (`tail: 0`). */
  output_tail: string | null;
}

/** Failed runs kept per job: the newest ten. */
export const FAILED_OUTPUTS_KEPT = 10;

/**
 * The most the file holds, in bytes: what hb reads of any state file (16 MiB). Ten 1 MiB tails
 * fit, unless their control characters, written out by JSON, grow them; then fewer are kept.
 */
export const FAILED_OUTPUT_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** The entry for a run whose record says it failed, or null for any other run. */
export function failedOutputOf(record: HeartbeatRecord): FailedOutput | null {
  if (record.status !== 'error') return null;
  return {
    started_at: record.started_at,
    finished_at: record.finished_at,
    cycle: record.cycle,
    exit_code: record.exit_code,
    signal: record.signal,
    outcome: record.outcome ?? 'failed',
    reason: record.reason ?? null,
    output_tail: record.output_tail,
  };
}

/** The entry as the file holds it: one JSON line, newline included. */
export const failedOutputLine = (entry: FailedOutput): string => JSON.stringify(entry) + '\n';

const isText = (v: unknown): v is string => typeof v === 'string';
const orNull = (v: unknown, ok: (x: unknown) => boolean) => v === null || ok(v);
const isWhole = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** One line of the file read back, or null when it is not an entry hb wrote (torn, edited, another shape). */
export function parseFailedOutput(line: string): FailedOutput | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const ok =
    isText(o.started_at) &&
    isText(o.finished_at) &&
    isWhole(o.cycle, Number.MAX_SAFE_INTEGER) &&
    orNull(o.exit_code, (x) => isWhole(x, 255)) &&
    orNull(o.signal, isText) &&
    isText(o.outcome) &&
    Object.hasOwn(OUTCOME_RANK, o.outcome) &&
    orNull(o.reason, isText) &&
    orNull(o.output_tail, isText);
  if (!ok) return null;
  return {
    started_at: o.started_at as string,
    finished_at: o.finished_at as string,
    cycle: o.cycle as number,
    exit_code: o.exit_code as number | null,
    signal: o.signal as string | null,
    outcome: o.outcome as RunOutcome,
    reason: o.reason as string | null,
    output_tail: o.output_tail as string | null,
  };
}

/** The entries of the file's text, oldest first; lines that are not entries are passed over. */
export function parseFailedOutputs(text: string): FailedOutput[] {
  const out: FailedOutput[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = parseFailedOutput(line);
    if (entry) out.push(entry);
  }
  return out;
}

/**
 * The lines (each a failedOutputLine) to keep, oldest first: the newest `keep`, and of those only
 * the newest whose bytes together stay within `maxBytes` (the newest is always kept).
 */
export function keptFailedLines(lines: readonly string[], keep = FAILED_OUTPUTS_KEPT, maxBytes = FAILED_OUTPUT_FILE_MAX_BYTES): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < keep; i--) {
    const size = Buffer.byteLength(lines[i]!);
    if (kept.length > 0 && bytes + size > maxBytes) break;
    kept.push(lines[i]!);
    bytes += size;
  }
  return kept.reverse();
}

/** How the run ended, in words: `exit 3`, `signal SIGKILL`, or `no exit code`. */
export function endedWith(entry: { exit_code: number | null; signal: string | null }): string {
  if (entry.signal !== null) return `signal ${visible(entry.signal)}`;
  return entry.exit_code === null ? 'no exit code' : `exit ${entry.exit_code}`;
}

/** One line saying which failed run this is: `2026-12-03T04:00:00.120Z  cycle 7  exit 3  failed: ERROR matched`. */
export function failedOutputHeading(entry: FailedOutput): string {
  const why = entry.reason === null ? entry.outcome : `${entry.outcome}: ${visible(entry.reason)}`;
  return `${visible(entry.finished_at)}  cycle ${entry.cycle}  ${endedWith(entry)}  ${why}`;
}

/**
 * The tail's lines for a terminal, the last `max` of them (all when undefined): every control or
 * hidden character written out (`\u001b[2J` is shown, never obeyed), tabs kept, a CR ending a
 * line dropped, and the newline after the last line not counted as a line of its own.
 */
export function tailLines(tail: string, max?: number): string[] {
  const lines = tail.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const shown = max === undefined || lines.length <= max ? lines : lines.slice(lines.length - max);
  return shown.map((line) => inert(line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** The tail's lines (tailLines), each indented by `indent`; a line in words when there is no output or none was kept. */
export function indentedTail(tail: string | null, indent: string, max?: number): string[] {
  if (tail === null) return [`${indent}(no output kept: the job's tail is 0)`];
  if (tail === '') return [`${indent}(no output)`];
  return tailLines(tail, max).map((line) => indent + line);
}

/** `hb log JOB --output` in words: each entry's heading, then its tail indented, a blank line between entries. */
export function* failedOutputParts(entries: Iterable<FailedOutput>): Generator<string> {
  let first = true;
  for (const entry of entries) {
    if (!first) yield '\n';
    first = false;
    yield `${failedOutputHeading(entry)}\n`;
    for (const line of indentedTail(entry.output_tail, '    ')) yield line + '\n';
  }
}
