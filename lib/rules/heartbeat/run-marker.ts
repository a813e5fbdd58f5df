// The `.run` record: the shape of a run in progress, and strict reading of a `<job>.run` file. hb
// writes markers whole (rename), so anything that does not parse as one was put there by something
// else, or left by a power loss: reported, never guessed at.

import { CYCLE_RULE, MS_RULE, numberProblem, PID_RULE, type NumberRule } from './record.ts';

/** A run in progress, as `lib/adapters/heartbeat/store.ts` writes it to `<state>/<job>.run` and every reader finds it. */
export interface RunMarker {
  job: string;
  pid: number;
  started_at: string;
  host: string;
  cycle: number;
  /** Kernel boot id when the run started: a marker from another boot is a dead run. */
  boot_id: string | null;
  /** The process start time (ms since epoch) read from /proc, to detect pid reuse. */
  pid_started_ms: number | null;
  /** The child's pid, once spawned. */
  child_pid?: number | null;
  command?: string | null;
  /** The run's timeout, so `hb check` can call it overrunning without the config. */
  timeout_ms?: number | null;
}

/** What a `.run` file turned out to hold: a marker, or why it is not one. */
export type ReadRun = { kind: 'marker'; marker: RunMarker } | { kind: 'invalid'; reason: string };

// The numbers of a marker, checked as a record's are: no run is judged by a pid of Infinity.
const NUMBERS: Array<[keyof RunMarker, NumberRule, 'required' | 'optional']> = [
  ['pid', PID_RULE, 'required'],
  ['cycle', CYCLE_RULE, 'required'],
  ['child_pid', PID_RULE, 'optional'],
  ['timeout_ms', MS_RULE, 'optional'],
  ['pid_started_ms', MS_RULE, 'optional'],
];

// Beyond the required fields, the types the checker and the renderers rely on when present.
const OPTIONAL: Array<[keyof RunMarker, string]> = [
  ['job', 'string'],
  ['host', 'string'],
  ['boot_id', 'string'],
  ['pid_started_ms', 'number'],
  ['child_pid', 'number'],
  ['command', 'string'],
  ['timeout_ms', 'number'],
];

/** Parses a `.run` file's text; the reason says what is wrong in words a person can act on. */
export function parseRunMarker(text: string): ReadRun {
  const invalid = (why: string): ReadRun => ({ kind: 'invalid', reason: `is not a run marker: ${why}` });
  const trimmed = text.trim();
  if (trimmed === '') return invalid('the file is empty');
  if (!trimmed.startsWith('{')) return invalid('not JSON');
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch (e) {
    return invalid(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return invalid('not a JSON object');
  const m = data as Record<string, unknown>;
  if (typeof m.pid !== 'number' || !Number.isSafeInteger(m.pid) || m.pid <= 0) return invalid('field "pid" missing or not a process id');
  if (typeof m.started_at !== 'string' || Number.isNaN(Date.parse(m.started_at))) return invalid('field "started_at" missing or not an ISO 8601 time');
  if (typeof m.cycle !== 'number' || !Number.isSafeInteger(m.cycle)) return invalid('field "cycle" missing or not a whole number');
  for (const [key, type] of OPTIONAL) {
    if (m[key] !== undefined && m[key] !== null && typeof m[key] !== type) return invalid(`field "${key}" is not a ${type}`);
  }
  for (const [key, rule, need] of NUMBERS) {
    const v = m[key];
    if ((v === undefined || v === null) && need === 'optional') continue;
    const problem = typeof v === 'number' ? numberProblem(v, rule) : 'is missing or not a number';
    if (problem !== null) return invalid(`field "${key}" ${problem}`);
  }
  return { kind: 'marker', marker: { ...m, boot_id: m.boot_id ?? null, pid_started_ms: m.pid_started_ms ?? null } as RunMarker };
}
