// A job run as an async function inside the caller's process (the Node API's runJob) instead of
// a command: what the function is told, what it may return, and its ending in the shape a
// child's ending has, so the run pipeline records it as it records a command's.

import { withoutProcess, type ChildResult } from '../adapters/run/child.ts';

/** What a job function is told about its run. */
export interface TaskInfo {
  job: string;
  /** This run's cycle number (what a command sees as $HB_CYCLE). */
  cycle: number;
  /** The state directory the run is recorded in. */
  stateDir: string;
}

/**
 * What a job function may return: nothing (silent), or `message` for the record (as
 * `hb tick --message`) and `notify` for the job's sinks (as `hb tick --notify`).
 */
export interface TaskSaid {
  message?: string;
  notify?: string;
}

/** An in-process job: resolves (success) or throws (failure, with its message). */
export type RunTask = (info: TaskInfo) => Promise<TaskSaid | void> | TaskSaid | void;

/** How a task ended: as a child would have (exit 0 or 1, no output), and what it said. */
export interface TaskEnding {
  child: ChildResult;
  message: string | null;
  notify: string | null;
}

/** Runs `task`, never throwing for its sake: a throw or a return that is not `{ message?, notify? }` is a failed run with the reason as its message. */
export async function runTask(task: RunTask, info: TaskInfo, now: () => number): Promise<TaskEnding> {
  const startedMs = now();
  let failure: string | null = null;
  let said: TaskSaid = {};
  try {
    const value: unknown = await task(info);
    const problem = returnProblem(value);
    if (problem) failure = problem;
    else said = value ?? {};
  } catch (e) {
    failure = thrownMessage(e);
  }
  const finishedMs = now();
  const code = failure === null ? 0 : 1;
  const child = withoutProcess(startedMs, finishedMs, { exitCode: code, code, spawnError: null });
  return { child, message: failure ?? said.message ?? null, notify: failure === null ? (said.notify ?? null) : null };
}

/** Why a function's return value is not one hb understands, or null. */
function returnProblem(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const expected = 'expected nothing or { message?: string, notify?: string }';
  if (typeof value !== 'object' || Array.isArray(value)) return `the job function returned ${describe(value)}; ${expected}`;
  for (const key of ['message', 'notify'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'string') return `the job function returned ${key}: ${describe(v)}; ${expected}`;
  }
  return null;
}

/** A thrown value as one line: an Error's message, else the value itself. */
function thrownMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return `threw ${describe(e)}`;
}

/** A value as a short word for a message. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
