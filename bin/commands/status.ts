// `hb status`: the heartbeat panel. Informational: exits 0 whatever the jobs' state.

import type { GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';
import { evaluateAll } from './check.ts';

/** Runs `hb status` and returns its exit code. */
export async function runStatus(jobs: string[], opts: GlobalOptions, io: Io): Promise<number> {
  const { kept: health, dirs, nowMs } = await evaluateAll(jobs, opts, io, () => true);
  if (opts.json) {
    const [{ renderJson }, { HB_VERSION }] = await Promise.all([import('../../lib/format/json.ts'), import('../../lib/version.ts')]);
    io.out(renderJson(health, { nowMs, host: io.host, stateDirs: dirs, version: HB_VERSION }));
  } else {
    const { renderStatusTable } = await import('../../lib/format/text.ts');
    io.out(renderStatusTable(health, { color: io.color }));
  }
  return 0;
}
