// The meta-heartbeat's own heartbeat (`hb-check.last`), written at the end of every check.

import type { HbConfig } from '../rules/config/types.ts';
import { makeDirs } from '../adapters/fs/make-dirs.ts';
import { writeCheckHeartbeat } from '../adapters/health/watcher.ts';
import { CHECK_JOB } from '../rules/job-name.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import { STATE_DIR_MODE } from '../rules/fs/modes.ts';
import { HB_VERSION } from '../rules/version.ts';
import type { CheckEffects } from './effects.ts';

/** What the check found and the exit code it chose, for its own heartbeat. */
export interface CheckRun {
  nowMs: number;
  problems: number;
  total: number;
  /** State directories root would not read. */
  untrusted: number;
  code: number;
}

/**
 * Records the check's own heartbeat in the first state directory that takes it (the fallback
 * one when ticks fell back). 'denied' when this user may not write there — a monitoring user
 * that only reads (docs/integrations.md) — and 'failed', said through `fx.warn`, for anything else.
 */
export function recordCheck(dirs: string[], config: HbConfig, run: CheckRun, fx: CheckEffects): HeartbeatRecord | 'denied' | 'failed' {
  const health = run.problems === 0 ? `all ${run.total} jobs healthy` : `${run.problems} of ${run.total} jobs unhealthy`;
  const message = run.untrusted === 0 ? health : `${health}; ${run.untrusted} untrusted state director${run.untrusted === 1 ? 'y' : 'ies'} not read`;
  const why: string[] = [];
  let denied = true;
  for (const dir of dirs) {
    try {
      makeDirs(dir, STATE_DIR_MODE);
      return writeCheckHeartbeat(dir, config, {
        startedMs: run.nowMs,
        finishedMs: fx.now(),
        host: fx.host,
        pid: fx.pid,
        version: HB_VERSION,
        message,
        exitCode: run.code,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') denied = false;
      why.push(`${dir}: ${code ?? (e as Error).message}`);
    }
  }
  if (denied) return 'denied';
  // Reading still worked; the next check tries again.
  fx.warn(`hb: could not record this check's own heartbeat (${CHECK_JOB}.last) in ${why.join('; ')}; the previous one is kept`);
  return 'failed';
}
