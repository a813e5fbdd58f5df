// hb next: the next times a cron expression fires, computed by the code that decides lateness.

import { UsageError } from '../../lib/rules/errors.ts';
import { compileSchedule, ScheduleError } from '../../lib/rules/schedule/compile.ts';
import { formatIsoInZone, formatIsoUtc, isUtc, parseIsoInZone, withinIsoYears } from '../../lib/rules/schedule/tz.ts';

const DEFAULT_COUNT = 5;

/** What `hb next` needs from the outside world. */
export interface NextIo {
  out(s: string): void;
  err(s: string): void;
  now(): number;
  defaultTz: string;
}

/** Flags of `hb next`, as commander hands them over. */
export interface NextOptions {
  tz?: string;
  from?: string;
  /** From parseNextCount (bin/option-values.ts). */
  n?: number;
  json?: boolean;
}

/** Prints the next N fire times of EXPR after --from (default now) in --tz (default the host zone). */
export async function runNext(expr: string, opts: NextOptions, io: NextIo): Promise<number> {
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
  let from = io.now();
  if (opts.from !== undefined) {
    const parsed = parseIsoInZone(opts.from, tz);
    if (parsed === undefined) {
      throw new UsageError(
        `--from: "${opts.from}" is not an ISO 8601 time (expected e.g. 2026-03-29T01:30:00Z, ` +
          `2026-03-29T03:30:00+02:00, or 2026-03-29T03:30 read in ${tz})`,
      );
    }
    from = parsed;
  }
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
