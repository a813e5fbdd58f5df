// A job with a schedule but no command: `hb tick JOB` on that schedule runs nothing and records a
// ping on time, so a scheduler hb sets up (hb daemon, an hb systemd timer) must not be its source.

import type { JobConfig } from './types.ts';

/** True when ticking the job on its schedule would only ping it: a schedule and no command. */
export const pingOnly = (job: JobConfig): boolean => job.schedule !== undefined && job.command === undefined;

/** Why a scheduler of hb's leaves such a job alone: said by hb daemon's log and by hb systemd. */
export const PING_ONLY_REASON = 'it has a schedule but no command: its heartbeat is expected from elsewhere';
