// Schedules: validate `every`/`cron`/`tz`, compile them, and answer due time and period for the lateness rule.

import { durationHint, parseDuration } from '../duration.ts';
import { UsageError } from '../errors.ts';
import { CronSyntaxError, nextFires, parseCron } from './cron.ts';
import { isValidTimeZone, timeZoneHint } from './tz.ts';
import type { Schedule, ScheduleSpec, Timing } from './types.ts';

/** Which part of a schedule is at fault; callers turn it into `--every`, `jobs.x.cron`, … */
export type ScheduleKey = 'every' | 'cron' | 'tz';

/** An invalid schedule. The message has no location: prefix it with the flag or config key for `key`. */
export class ScheduleError extends Error {
  readonly key: ScheduleKey;
  constructor(key: ScheduleKey, message: string) {
    super(message);
    this.name = 'ScheduleError';
    this.key = key;
  }
}

function everyMs(every: unknown): number {
  if (typeof every !== 'string') {
    throw new ScheduleError('every', `expected a duration such as 15m, found ${typeof every}`);
  }
  const ms = parseDuration(every);
  if (ms === undefined) throw new ScheduleError('every', durationHint(every));
  if (ms <= 0) throw new ScheduleError('every', `"${every}" is not a period: it must be longer than 0`);
  return ms;
}

function checkZone(tz: unknown): string {
  if (typeof tz !== 'string' || !isValidTimeZone(tz)) throw new ScheduleError('tz', timeZoneHint(String(tz)));
  return tz;
}

function checkCron(cron: unknown) {
  if (typeof cron !== 'string') {
    throw new ScheduleError('cron', `expected a cron expression such as "*/15 * * * *", found ${typeof cron}`);
  }
  try {
    return parseCron(cron);
  } catch (e) {
    if (e instanceof CronSyntaxError) throw new ScheduleError('cron', e.message);
    throw e;
  }
}

function everySchedule(spec: ScheduleSpec, period: number): Schedule {
  return {
    spec,
    timing: (lastMs) => ({ dueMs: lastMs + period, periodMs: period }),
    // An interval has no phase of its own: it counts from wherever we start.
    next: (fromMs, n) => Array.from({ length: Math.max(0, n) }, (_, i) => fromMs + (i + 1) * period),
  };
}

/** Compiled schedules by spec and default zone: a check over 10,000 jobs shares a handful. */
const compiled = new Map<string, Schedule>();
const COMPILED_MAX = 1000;

/** Compiles a schedule (cron `tz` defaults to `defaultTz`); throws ScheduleError when invalid. */
export function compileSchedule(spec: ScheduleSpec, defaultTz: string): Schedule {
  const raw = spec as { every?: unknown; cron?: unknown; tz?: unknown };
  const key = `${String(raw.every)}\u0000${String(raw.cron)}\u0000${String(raw.tz ?? defaultTz)}`;
  let schedule = compiled.get(key);
  if (!schedule) {
    schedule = compileUncached(spec, defaultTz);
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, schedule);
  }
  return schedule;
}

function compileUncached(spec: ScheduleSpec, defaultTz: string): Schedule {
  const raw = spec as { every?: unknown; cron?: unknown; tz?: unknown };
  if (raw.every !== undefined && raw.cron !== undefined) {
    throw new ScheduleError('every', 'a schedule has either every or cron, not both');
  }
  if (raw.every !== undefined) return everySchedule(spec, everyMs(raw.every));
  if (raw.cron === undefined) throw new ScheduleError('cron', 'expected every (e.g. 15m) or cron (e.g. "*/15 * * * *")');
  const tz = checkZone(raw.tz ?? defaultTz);
  const expr = checkCron(raw.cron);
  // Fires fall on whole minutes, so the first fire after any instant of a minute is the first
  // fire after the minute's start: many jobs that ran in the same minute share one search.
  const byMinute = new Map<number, Timing>();
  return {
    spec,
    timing(lastMs: number): Timing {
      const minute = Math.floor(lastMs / 60_000) * 60_000;
      let t = byMinute.get(minute);
      if (!t) {
        const [due, after] = nextFires(expr, tz, minute, 2);
        // Only a schedule with no fire within the search horizon finds nothing: such a job is never due.
        t = due === undefined ? { dueMs: Infinity, periodMs: Infinity } : { dueMs: due, periodMs: after === undefined ? Infinity : after - due };
        if (byMinute.size >= COMPILED_MAX) byMinute.clear();
        byMinute.set(minute, t);
      }
      return t;
    },
    next: (fromMs, n) => nextFires(expr, tz, fromMs, n),
  };
}

/** Every problem with a schedule at once (empty when valid), for config validation. */
export function validateSchedule(spec: ScheduleSpec, defaultTz: string): ScheduleError[] {
  const raw = spec as { every?: unknown; cron?: unknown; tz?: unknown };
  const problems: ScheduleError[] = [];
  const attempt = (check: () => unknown) => {
    try {
      check();
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      problems.push(e);
    }
  };
  if (raw.every !== undefined || raw.cron === undefined) {
    attempt(() => compileSchedule(spec, defaultTz));
    if (raw.tz !== undefined && raw.every !== undefined) {
      problems.push(new ScheduleError('tz', 'tz applies to cron schedules only'));
    }
    return problems;
  }
  attempt(() => checkCron(raw.cron));
  attempt(() => checkZone(raw.tz ?? defaultTz));
  return problems;
}

/** The flags that give a schedule on the command line. */
export interface ScheduleFlags {
  every?: string | undefined;
  cron?: string | undefined;
  tz?: string | undefined;
}

/** The schedule given by --every / --cron / --tz, undefined when none; UsageError names the bad flag. */
export function scheduleFromFlags(flags: ScheduleFlags): ScheduleSpec | undefined {
  const { every, cron, tz } = flags;
  if (every !== undefined && cron !== undefined) {
    throw new UsageError('--every and --cron both given: a job has one schedule, choose one');
  }
  if (tz !== undefined && cron === undefined) {
    throw new UsageError('--tz applies only to --cron (an --every interval has no time zone)');
  }
  let spec: ScheduleSpec | undefined;
  if (every !== undefined) spec = { every };
  else if (cron !== undefined) spec = tz === undefined ? { cron } : { cron, tz };
  if (!spec) return undefined;
  // The host zone is irrelevant here: without --tz only the expression is checked.
  const problem = validateSchedule(spec, 'UTC')[0];
  if (problem) throw new UsageError(`--${problem.key}: ${problem.message}`);
  return spec;
}
