// hb daemon's limits: the shortest interval it schedules and how many runs it keeps in flight.
// Each run is a new node process (about 0.1-0.2 s of CPU to start), so a schedule or a burst
// of fires can otherwise fill a small host with processes.

import type { RawProblem } from '../config/validate.ts';
import type { HbConfig } from '../config/types.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import { selectJobs } from './jobs.ts';

/**
 * The shortest `every` the daemon runs. A run costs a process start of 0.1-0.2 s of CPU, so a
 * 1 s period already keeps a tenth of a core busy per job; below that a job's runs would
 * spend more time starting than a heartbeat's second-granular timestamps can tell apart.
 */
export const MIN_INTERVAL_MS = 1000;

/**
 * The runs in flight by default. A safety net, not a throttle: 1,000 short jobs a minute need
 * only a handful at once, while 32 node processes (~40 MB each) still fit a small host.
 */
export const DEFAULT_MAX_CONCURRENT = 32;

/** Problems with a config hb daemon would run: any `every` of a job it runs shorter than MIN_INTERVAL_MS. */
export function daemonConfigProblems(config: HbConfig): RawProblem[] {
  const problems: RawProblem[] = [];
  for (const job of selectJobs(config, 'UTC').jobs) {
    if (!('every' in job.schedule)) continue;
    const ms = parseDuration(job.schedule.every);
    if (ms !== undefined && ms < MIN_INTERVAL_MS) {
      const floor = formatDuration(MIN_INTERVAL_MS);
      problems.push({
        path: ['jobs', job.name, 'every'],
        message: `${job.schedule.every} is shorter than hb daemon's minimum interval of ${floor} (each run is a new process); use every: ${floor} or longer`,
      });
    }
  }
  return problems;
}
