// hb check's schedule lookup: a job's schedule from the crontab lines that run it for this user
// and this state directory, read at most once per check and only when some job has no schedule
// of its own.

import type { ScheduleSpec } from '../schedule/types.ts';
import { mayStartHb } from './hb-line.ts';
import { lends, type LendTarget } from './lend.ts';
import { parseCrontab } from './parse.ts';
import { crontabSchedules } from './schedules.ts';
import type { CrontabText } from './locations.ts';

/** A job's schedule from crontab lines, or null when no line that may lend runs it. */
export type CrontabLookup = (job: string) => Promise<ScheduleSpec | null>;

/**
 * A lookup that reads the crontabs (`read`) on its first call, and learns who checks (`target`)
 * then too when one of them can start hb.
 */
export function crontabLookup(read: () => Promise<readonly CrontabText[]>, target: () => LendTarget): CrontabLookup {
  let schedules: Promise<Map<string, ScheduleSpec>> | undefined;
  const load = async () => {
    // Only a crontab that can start hb is worth parsing (and asking who checks): most never name it.
    const parsed = (await read()).filter((t) => mayStartHb(t.text)).map((t) => parseCrontab(t.text, { kind: t.kind, file: t.path, owner: t.owner }));
    if (parsed.length === 0) return new Map<string, ScheduleSpec>();
    const t = target();
    return crontabSchedules(parsed, (runsAs, line, h) => lends(t, runsAs, line, h));
  };
  return async (job) => (await (schedules ??= load())).get(job) ?? null;
}
