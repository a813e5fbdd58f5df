// hb check's schedule lookup: a job's schedule from the crontab lines hb can read, read at most
// once per check and only when some job has no schedule of its own.

import type { ScheduleSpec } from '../schedule/types.ts';
import { parseCrontab } from './parse.ts';
import { crontabSchedules } from './schedules.ts';
import { readCrontabs } from './sources.ts';

/** A job's schedule from crontab lines, or null when no line runs it. */
export type CrontabLookup = (job: string) => ScheduleSpec | null;

/** A lookup that reads and parses the crontabs at `paths()` on its first call. */
export function crontabLookup(paths: () => readonly string[]): CrontabLookup {
  let schedules: Map<string, ScheduleSpec> | undefined;
  return (job) => {
    schedules ??= crontabSchedules(readCrontabs(paths()).map((t) => parseCrontab(t.text, { kind: t.kind, file: t.path })));
    return schedules.get(job) ?? null;
  };
}
