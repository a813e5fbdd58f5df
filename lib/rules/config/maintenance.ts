// Validation of `maintenance:` windows, global (with an optional `jobs:` list) or under a job.

import { ABOVE_ZERO, configDuration, durationHint, formatDuration } from '../duration.ts';
import { validateJobName } from '../job-name.ts';
import { MAX_WINDOW_MS, type MaintenanceWindow } from '../maintenance/types.ts';
import { closesWithin } from '../maintenance/open.ts';
import { compileSchedule, validateSchedule } from '../schedule/compile.ts';
import { isMap, typeName, type RawProblem, type Tree } from './tree.ts';

const ENTRY_KEYS = ['cron', 'duration', 'tz'];

/** Validates a `maintenance:` list; `global` allows `jobs:` in an entry; problems' paths are below the key. */
export function parseMaintenance(value: unknown, defaultTz: string, global: boolean): { windows: MaintenanceWindow[] | undefined; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  if (!Array.isArray(value)) {
    problems.push({ path: [], message: `expected a list of windows (- cron: "0 2 * * 0", duration: 2h), found ${typeName(value)}` });
    return { windows: undefined, problems };
  }
  const windows: MaintenanceWindow[] = [];
  value.forEach((entry, i) => {
    const window = parseWindow(entry, [i], defaultTz, global, problems);
    if (window) windows.push(window);
  });
  return { windows: problems.length === 0 ? windows : undefined, problems };
}

function parseWindow(entry: unknown, at: number[], defaultTz: string, global: boolean, problems: RawProblem[]): MaintenanceWindow | undefined {
  const known = global ? [...ENTRY_KEYS, 'jobs'] : ENTRY_KEYS;
  if (!isMap(entry)) {
    problems.push({ path: at, message: `expected a window with keys ${known.join(', ')} (e.g. {cron: "0 2 * * 0", duration: 2h}), found ${typeName(entry)}` });
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(entry)) {
    if (known.includes(key)) continue;
    const hint = key === 'jobs' ? ': a window under a job applies to that job; list jobs in a top-level maintenance: entry' : '';
    problems.push({ path: [...at, key], atKey: true, message: `unknown key "${key}" in a maintenance window (expected one of ${known.join(', ')})${hint}` });
  }
  const cron = cronOf(entry, at, defaultTz, problems);
  const durationMs = durationOf(entry, at, problems);
  const jobs = global && entry.jobs !== undefined ? jobsOf(entry.jobs, [...at, 'jobs'], problems) : undefined;
  if (problems.length > before || cron === undefined || durationMs === undefined) return undefined;
  const written = typeof entry.duration === 'string' ? entry.duration.trim() : formatDuration(durationMs);
  if (neverCloses(cron, durationMs)) {
    problems.push({
      path: [...at, 'duration'],
      message: `a window of ${written} opening at "${cron.cron}" never closes (each one opens before the one before it ends), so its jobs would never be watched: make duration shorter than the time between the cron's fires, or pause the job with hb pause JOB`,
    });
    return undefined;
  }
  const window: MaintenanceWindow = { schedule: cron, durationMs, text: `${cron.cron} for ${written} (${cron.tz})` };
  if (jobs) window.jobs = jobs;
  return window;
}

/** The window's cron and zone (default: the host's), checked by the schedule engine. */
function cronOf(entry: Tree, at: number[], defaultTz: string, problems: RawProblem[]): { cron: string; tz: string } | undefined {
  const { cron, tz } = entry;
  if (cron === undefined) {
    problems.push({ path: at, message: 'a maintenance window needs cron: when it opens (e.g. cron: "0 2 * * 0")' });
    return undefined;
  }
  if (typeof cron !== 'string') {
    problems.push({ path: [...at, 'cron'], message: `expected a cron expression such as "0 2 * * 0", found ${typeName(cron)}` });
    return undefined;
  }
  if (tz !== undefined && typeof tz !== 'string') {
    problems.push({ path: [...at, 'tz'], message: `expected a time zone name such as Europe/Berlin, found ${typeName(tz)}` });
    return undefined;
  }
  const spec = { cron, tz: tz ?? defaultTz };
  const found = validateSchedule(spec, defaultTz);
  for (const problem of found) {
    // A bad host zone is no key of this window: say where it came from.
    const key = problem.key === 'tz' && tz === undefined ? null : problem.key;
    problems.push(key === null ? { path: at, message: `the host time zone: ${problem.message}` } : { path: [...at, key], message: problem.message });
  }
  return found.length === 0 ? spec : undefined;
}

// Where the walk for a window that never closes starts, and how far it looks: a year and a day,
// so a window that closes only on some weekday, date or month still closes. A config is
// compiled once per change; a window that closes stops the walk at its first gap.
const CLOSE_FROM_MS = Date.UTC(2026, 0, 1);
const CLOSE_HORIZON_MS = 367 * 24 * 3_600_000;

/** Whether a window opening at each fire of `cron` and lasting `durationMs` stays open for good. */
function neverCloses(cron: { cron: string; tz: string }, durationMs: number): boolean {
  const schedule = compileSchedule(cron, cron.tz);
  return !closesWithin((from, n) => schedule.next(from, n), durationMs, CLOSE_FROM_MS, CLOSE_HORIZON_MS);
}

/** How long the window lasts: longer than 0, at most MAX_WINDOW_MS (longer is a pause). */
function durationOf(entry: Tree, at: number[], problems: RawProblem[]): number | undefined {
  const v = entry.duration;
  if (v === undefined) {
    problems.push({ path: at, message: 'a maintenance window needs duration: how long it lasts (e.g. duration: 2h)' });
    return undefined;
  }
  const ms = configDuration(v, ABOVE_ZERO);
  if (ms === undefined) {
    problems.push({
      path: [...at, 'duration'],
      message: typeof v === 'string' ? durationHint(v) : `expected a duration longer than 0 such as 2h, found ${typeName(v)}`,
    });
    return undefined;
  }
  if (ms > MAX_WINDOW_MS) {
    problems.push({
      path: [...at, 'duration'],
      message: `${typeof v === 'string' ? `"${v.trim()}"` : formatDuration(ms)} is longer than a window can last (at most ${formatDuration(MAX_WINDOW_MS)}): for longer, pause the job with hb pause JOB and end it with hb resume JOB`,
    });
    return undefined;
  }
  return ms;
}

/** A global window's `jobs:`: a non-empty list of job names. */
function jobsOf(value: unknown, at: Array<string | number>, problems: RawProblem[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({
      path: at,
      message: `expected a list of job names (leave jobs: out for every job), found ${Array.isArray(value) ? 'an empty list' : typeName(value)}`,
    });
    return undefined;
  }
  const jobs: string[] = [];
  value.forEach((job, i) => {
    const bad = typeof job === 'string' ? validateJobName(job) : `expected a job name, found ${typeName(job)}`;
    if (bad === null) jobs.push(job as string);
    else problems.push({ path: [...at, i], message: bad });
  });
  return jobs.length === value.length ? jobs : undefined;
}
