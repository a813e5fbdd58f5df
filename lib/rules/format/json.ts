// The JSON shape of `hb check --json` and `hb status --json` (stable: scripts depend on it).

import type { JobHealth } from '../health/types.ts';
import type { UntrustedDir } from '../../adapters/state/dir.ts';

/** Facts about the check itself that go beside the jobs. */
export interface ReportMeta {
  nowMs: number;
  host: string;
  stateDirs: string[];
  version: string;
  /** Outbox counts: waiting for a retry, and given up (shown so nobody misses a lost alert). */
  notifications?: { pending: number; failed: number };
  /** State directories root did not read because other users can change them (check and status pass it). */
  untrusted?: UntrustedDir[];
}

/** `{"jobs": [...], "problems": N, ...}` followed by a newline. */
export function renderJson(jobs: JobHealth[], meta: ReportMeta): string {
  const problems = jobs.filter((j) => j.problem).length;
  return (
    JSON.stringify(
      {
        jobs,
        healthy: problems === 0 && (meta.untrusted?.length ?? 0) === 0,
        problems,
        checked_at: new Date(meta.nowMs).toISOString(),
        host: meta.host,
        state_dirs: meta.stateDirs,
        ...(meta.untrusted ? { untrusted_state_dirs: meta.untrusted } : {}),
        hb_version: meta.version,
        ...(meta.notifications ? { notifications: meta.notifications } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}
