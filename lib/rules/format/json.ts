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
  let out = '';
  for (const part of jsonParts(jobs, meta)) out += part;
  return out;
}

// The array holding the jobs, as JSON.stringify(…, null, 2) opens it: the first key, at depth 1.
const JOBS_KEY = '{\n  "jobs": [';

/**
 * The same text as renderJson (JSON.stringify of the whole report, indented by 2), one job at a
 * time, so that a caller can write it out as it goes instead of holding 100 MB of it: each job is
 * stringified on its own and indented to its depth in the array (a string in JSON holds no raw
 * newline, so every newline is indentation), between the head and tail of the report without jobs.
 */
export function* jsonParts(jobs: JobHealth[], meta: ReportMeta): Generator<string> {
  const problems = jobs.filter((j) => j.problem).length;
  const rest = JSON.stringify(
    {
      jobs: [],
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
  );
  // `{\n  "jobs": [],\n  "healthy": …}`: the jobs go between the brackets.
  const tail = rest.slice(JOBS_KEY.length);
  if (jobs.length === 0) {
    yield `${rest}\n`;
    return;
  }
  yield JOBS_KEY;
  for (let i = 0; i < jobs.length; i++) yield `${i === 0 ? '\n    ' : ',\n    '}${JSON.stringify(jobs[i], null, 2).replace(/\n/g, '\n    ')}`;
  yield `\n  ${tail}\n`;
}
