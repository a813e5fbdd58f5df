// How a job's schedule is written (in config, flags and heartbeat records).

/** A schedule as stored in a heartbeat: `{every: "15m"}` or `{cron: "0 2 * * *", tz: "UTC"}`. */
export type ScheduleSpec = { every: string } | { cron: string; tz?: string };

/** What the lateness rule needs from a schedule, evaluated at instants (ms since epoch). */
export interface Timing {
  /** When the run after `lastMs` is due. */
  dueMs: number;
  /** The period around that due time (every: P; cron: gap from due to the fire after it). */
  periodMs: number;
}

/** A validated, ready-to-evaluate schedule. */
export interface Schedule {
  readonly spec: ScheduleSpec;
  /** The due time and period for a job whose last run started at `lastMs`. */
  timing(lastMs: number): Timing;
  /** The next `n` fire times strictly after `fromMs`. */
  next(fromMs: number, n: number): number[];
}
