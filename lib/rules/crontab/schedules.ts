// The schedules crontab lines give hb's jobs: `hb tick JOB` and `hb wrap --job JOB` lines give
// JOB the line's schedule, `hb check` lines give the meta-heartbeat its own (SPEC §3, §5).

import { CHECK_JOB } from '../job-name.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import type { HbInvocation } from './hb-line.ts';
import type { JobLine, ParsedCrontab } from './parse.ts';
import { fileRefusals } from './verdict.ts';

/** Whether a line's hb command may lend its schedule; `runsAs` is its user field or its crontab's owner. */
export type Lender = (runsAs: string | null, line: JobLine, h: HbInvocation) => boolean;

/**
 * Job name → the schedule of the first line that runs it and `lends` accepts, without a zone:
 * the caller's default, the host's, applies — Debian cron fires every line in its own zone and
 * ignores CRON_TZ (hb doctor warns about it). Lines cron never runs — @reboot, in a file cron
 * ignores (a line it refuses, a last line without its newline) — give nothing. A job run by
 * several lines takes the first: more heartbeats than that schedule expects never make a job
 * look late.
 */
export function crontabSchedules(sources: readonly ParsedCrontab[], lends: Lender = () => true): Map<string, ScheduleSpec> {
  const out = new Map<string, ScheduleSpec>();
  for (const source of sources) {
    if (fileRefusals(source, null).length > 0) continue;
    for (const line of source.lines) {
      if (line.kind !== 'job' || line.cronSchedule === null) continue;
      for (const h of line.hb) {
        const job = h.subcommand === 'check' ? CHECK_JOB : h.subcommand === 'tick' || h.subcommand === 'wrap' ? h.job : null;
        if (job === null || out.has(job) || !lends(line.user ?? source.owner, line, h)) continue;
        out.set(job, { cron: line.cronSchedule });
      }
    }
  }
  return out;
}
