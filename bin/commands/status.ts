// `hb status`: the heartbeat panel. Informational: exits 0 whatever the jobs' state.

import { countOutbox } from '../../lib/adapters/alerts/outbox.ts';
import { evaluateAll } from '../../lib/check/evaluate.ts';
import { readCheckScope } from '../../lib/check/scope.ts';
import type { GlobalOptions } from '../context.ts';
import { checkEffects } from '../effects.ts';
import type { Io } from '../io.ts';
import { warnUntrusted } from '../untrusted.ts';
import type { FleetFlags } from './fleet.ts';

interface StatusOptions extends GlobalOptions, FleetFlags {
  format?: 'text' | 'json';
}

/** Runs `hb status` and returns its exit code. */
export async function runStatus(jobs: string[], opts: StatusOptions, io: Io): Promise<number> {
  // The fleet view reads Prometheus, not the state directory; its code loads only then.
  if (opts.prometheus !== undefined) return (await import('./fleet.ts')).runFleetStatus(jobs, opts, io);
  const { kept: health, dirs, untrusted, nowMs } = await evaluateAll(await readCheckScope(jobs, opts, io), checkEffects(io), () => true);
  warnUntrusted(untrusted, io);
  const notifications = countOutbox(dirs[0]!);
  if (opts.json || opts.format === 'json') {
    const [{ jsonParts }, { HB_VERSION }, { inPieces }] = await Promise.all([
      import('../../lib/rules/format/json.ts'),
      import('../../lib/rules/version.ts'),
      import('../../lib/rules/format/pieces.ts'),
    ]);
    // Written as it is made: 100,000 jobs make 100 MB of JSON.
    for (const piece of inPieces(jsonParts(health, { nowMs, host: io.host, stateDirs: dirs, version: HB_VERSION, notifications, untrusted }))) io.out(piece);
  } else {
    const [{ statusTableParts }, { inPieces }] = await Promise.all([import('../../lib/rules/format/text.ts'), import('../../lib/rules/format/pieces.ts')]);
    for (const piece of inPieces(statusTableParts(health, { color: io.color }))) io.out(piece);
    // Jobs named: why each has its status, and what its last run said.
    if (jobs.length > 0) {
      const { statusDetailParts } = await import('../../lib/rules/format/status-detail.ts');
      for (const j of health) for (const piece of inPieces(statusDetailParts(j))) io.out(piece);
    }
    if (notifications.failed > 0)
      io.out(
        `${notifications.failed} notification${notifications.failed === 1 ? ' was' : 's were'} given up after repeated failures: see ${dirs[0]}/outbox/failed/ and notify_failed in events.jsonl\n`,
      );
    if (notifications.pending > 0) io.out(`${notifications.pending} notification${notifications.pending === 1 ? '' : 's'} waiting for a retry by hb check\n`);
  }
  return 0;
}
