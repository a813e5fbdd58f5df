// `maintenance:` — recurring windows in which jobs are paused (not alerted).

import type { ScheduleSpec } from '../schedule/types.ts';

/** One validated maintenance window: it opens at each fire of `schedule` and lasts `durationMs`. */
export interface MaintenanceWindow {
  /** A cron schedule with its zone (`{cron, tz}`); DST is the schedule engine's. */
  schedule: ScheduleSpec;
  durationMs: number;
  /** Global windows only: the jobs it applies to (absent: every job). */
  jobs?: string[];
  /** The window as written, for reasons: `0 2 * * 0 for 2h (Europe/Berlin)`. */
  text: string;
}
