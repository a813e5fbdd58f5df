// hb check's schedule lookup: a job's schedule from the crontab lines hb can read, read at most
// once per check and only when some job has no schedule of its own.

import type { ScheduleSpec } from '../schedule/types.ts';
import { parseCrontab } from './parse.ts';
import { crontabSchedules } from './schedules.ts';
import type { CrontabText } from './sources.ts';

/** A job's schedule from crontab lines, or null when no line runs it. */
export type CrontabLookup = (job: string) => Promise<ScheduleSpec | null>;

/** A lookup that reads (`read`) and parses the crontabs on its first call. */
export function crontabLookup(read: () => Promise<readonly CrontabText[]>): CrontabLookup {
  let schedules: Promise<Map<string, ScheduleSpec>> | undefined;
  const load = async () => crontabSchedules((await read()).map((t) => parseCrontab(t.text, { kind: t.kind, file: t.path })));
  return async (job) => (await (schedules ??= load())).get(job) ?? null;
}
