// A job's run history (`<state>/history/<job>.runs.jsonl`): one line per finished run with a
// command, what a learned baseline reads. The line's shape, reading it back, the bound. Pure.

import type { HeartbeatRecord } from '../heartbeat/record.ts';
import { OUTCOME_RANK, type RunOutcome } from '../outcome/types.ts';

/** One finished run, as its history line holds it. */
export interface RunLine {
  started_at: string;
  duration_ms: number;
  status: 'ok' | 'error';
  outcome: RunOutcome;
  exit_code: number | null;
  cycle: number;
}

/** How many runs the history keeps: the most a baseline's window (`runs`) may ask for. */
export const RUNS_KEPT = 200;

/**
 * Past this size the file is cut back to its last RUNS_KEPT lines. A line is about 115 bytes,
 * so the file holds some 2× RUNS_KEPT lines before it is rewritten, and is rewritten rarely.
 */
export const RUNS_TRIM_BYTES = 2 * RUNS_KEPT * 128;

/** The history line of a run that wrote `record` (a record with an outcome: every run with a command has one). */
export function runLineOf(record: HeartbeatRecord): RunLine {
  return {
    started_at: record.started_at,
    duration_ms: record.duration_ms,
    status: record.status,
    outcome: record.outcome ?? (record.status === 'ok' ? 'ok' : 'failed'),
    exit_code: record.exit_code,
    cycle: record.cycle,
  };
}

/** The line as written: JSON and a newline. */
export const formatRunLine = (line: RunLine): string => `${JSON.stringify(line)}\n`;

/**
 * The runs in `text`, oldest first, at most the last `keep`. A line that is not a run (torn by a
 * full disk, edited by hand, a field of the wrong kind) is skipped: history informs, it never
 * stops a run.
 */
export function parseRunLines(text: string, keep: number = RUNS_KEPT): RunLine[] {
  const out: RunLine[] = [];
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0 && out.length < keep; i--) {
    const run = parseRunLine(lines[i]!);
    if (run) out.push(run);
  }
  return out.reverse();
}

/** One line read back, or null when it is not a run line. */
export function parseRunLine(text: string): RunLine | null {
  if (!text.startsWith('{')) return null;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { started_at, duration_ms, status, outcome, exit_code, cycle } = v;
  if (typeof started_at !== 'string') return null;
  if (typeof duration_ms !== 'number' || !Number.isFinite(duration_ms) || duration_ms < 0) return null;
  if (status !== 'ok' && status !== 'error') return null;
  if (typeof outcome !== 'string' || !Object.hasOwn(OUTCOME_RANK, outcome)) return null;
  if (exit_code !== null && !Number.isInteger(exit_code)) return null;
  if (!Number.isSafeInteger(cycle) || (cycle as number) < 0) return null;
  return { started_at, duration_ms, status, outcome: outcome as RunOutcome, exit_code: exit_code as number | null, cycle: cycle as number };
}
