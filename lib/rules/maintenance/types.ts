// `maintenance:` — recurring windows in which jobs are paused (not alerted).

/** One validated maintenance window: it opens at each fire of `schedule` and lasts `durationMs`. */
export interface MaintenanceWindow {
  /** A cron schedule with its zone (the host's when none was written, resolved when the config is read); DST is the schedule engine's. */
  schedule: { cron: string; tz: string };
  durationMs: number;
  /** Global windows only: the jobs it applies to (absent: every job). */
  jobs?: string[];
  /** The window as written, for reasons: `0 2 * * 0 for 2h (Europe/Berlin)`. */
  text: string;
}

/** The longest a window lasts: a longer quiet time is a pause (`hb pause`), not a window. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
