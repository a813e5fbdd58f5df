// hb next: the next times a cron expression fires, computed by the code that decides lateness.

import { UsageError } from '../../lib/rules/errors.ts';
import { compileSchedule, ScheduleError } from '../../lib/rules/schedule/compile.ts';
import { formatIsoInZone, formatIsoUtc, isUtc, parseIsoInZone, withinIsoYears } from '../../lib/rules/schedule/tz.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';
import { upcomingWindows, windowsOf } from '../../lib/rules/maintenance/open.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';

const DEFAULT_COUNT = 5;

/** What `hb next` needs from the outside world. */
export interface NextIo {
  out(s: string): void;
  err(s: string): void;
  now(): number;
  defaultTz: string;
  /** The config, with at least `job` when it is configured (for `hb next JOB`; absent: no config). */
  loadConfig?(job: string): Promise<HbConfig>;
}

/** Flags of `hb next`, as commander hands them over. */
export interface NextOptions {
  tz?: string;
  from?: string;
  /** From parseNextCount (bin/option-values.ts). */
  n?: number;
  json?: boolean;
}

/** A job's name where an expression goes: one word, not a macro (an expression has five fields or starts with @). */
const namesJob = (arg: string) => !/\s/.test(arg.trim()) && !arg.trim().startsWith('@');

/**
 * Prints the next N fire times of EXPR after --from (default now) in --tz (default the host
 * zone); given a job's name instead, the job's next N maintenance windows.
 */
export async function runNext(expr: string, opts: NextOptions, io: NextIo): Promise<number> {
  if (namesJob(expr)) return runNextWindows(expr, opts, io);
  const tz = opts.tz ?? io.defaultTz;
  const n = opts.n ?? DEFAULT_COUNT;
  let schedule;
  try {
    schedule = compileSchedule({ cron: expr, tz }, io.defaultTz);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    if (e.key === 'tz') throw new UsageError(opts.tz === undefined ? `host time zone: ${e.message}` : `--tz: ${e.message}`);
    throw new UsageError(`cron expression "${expr}": ${e.message}`);
  }
  const from = fromOf(opts, tz, io);
  // hb's times end with year 9999 (four-digit ISO years): past it there is nothing to print.
  const fires = schedule.next(from, n).filter((t) => withinIsoYears(t, tz));
  if (opts.json) {
    io.out(`${JSON.stringify({ next: fires.map((t) => formatIsoInZone(t, tz)) })}\n`);
  } else {
    io.out(fires.map((t) => `${formatIsoInZone(t, tz)}  (${formatIsoUtc(t)})\n`).join(''));
  }
  if (fires.length < n) {
    const found = fires.length === 0 ? 'no fire time falls' : `only ${fires.length} of ${n} fire times fall`;
    io.err(`hb: next: ${found} before year 10000 (${isUtc(tz) ? 'UTC' : `in ${tz} and in UTC`}): hb's times end with year 9999\n`);
  }
  return 0;
}

/** --from read in `tz` (default: now). */
function fromOf(opts: NextOptions, tz: string, io: NextIo): number {
  if (opts.from === undefined) return io.now();
  const parsed = parseIsoInZone(opts.from, tz);
  if (parsed === undefined) {
    throw new UsageError(
      `--from: "${opts.from}" is not an ISO 8601 time (expected e.g. 2026-03-29T01:30:00Z, ` + `2026-03-29T03:30:00+02:00, or 2026-03-29T03:30 read in ${tz})`,
    );
  }
  return parsed;
}

/** `hb next JOB`: the job's next maintenance windows (an open one first), each in its own zone. */
async function runNextWindows(job: string, opts: NextOptions, io: NextIo): Promise<number> {
  const bad = validateJobName(job);
  if (bad !== null) throw new UsageError(`"${job}" is neither a cron expression (five fields, or a macro such as @daily) nor a job: ${bad}`);
  if (opts.tz !== undefined) throw new UsageError(`--tz applies to a cron expression; the windows of ${job} are shown in their own zones`);
  const config = io.loadConfig ? await io.loadConfig(job) : null;
  const own = config?.jobs.get(job);
  if (!config || !own) {
    throw new UsageError(
      `no job named ${job} in the config (hb next takes a cron expression such as "0 2 * * *", or a configured job to list its maintenance windows)`,
    );
  }
  const from = fromOf(opts, io.defaultTz, io);
  const times = upcomingWindows(windowsOf(job, own.maintenance, config.maintenance), from, opts.n ?? DEFAULT_COUNT).filter((w) =>
    withinIsoYears(w.closesMs, w.window.schedule.tz),
  );
  if (opts.json) {
    const maintenance = times.map((w) => ({
      opens: formatIsoInZone(w.opensMs, w.window.schedule.tz),
      closes: formatIsoInZone(w.closesMs, w.window.schedule.tz),
      window: w.window.text,
    }));
    io.out(`${JSON.stringify({ job, maintenance })}\n`);
    return 0;
  }
  if (times.length === 0) {
    io.out(`${job}: no maintenance window (maintenance: in the config gives some)\n`);
    return 0;
  }
  const zone = (ms: number, w: (typeof times)[number]) => formatIsoInZone(ms, w.window.schedule.tz);
  io.out(times.map((w) => `${zone(w.opensMs, w)} until ${zone(w.closesMs, w)}  (${formatIsoUtc(w.opensMs)})  ${w.window.text}\n`).join(''));
  return 0;
}
