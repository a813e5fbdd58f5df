// Gathers `host_down` evidence: the boot time and the host's two clocks since boot, read once per
// check; the pure rule decides per job.

import { readFileSync } from 'node:fs';
import { bootTimeMs } from '../run/proc.ts';
import { hostDownEvidence, type HostClocks } from '../../rules/evidence/host-down.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import type { ExplainContext, ExplainTarget } from '../../check/explain.ts';
import { isHostTarget } from './targets.ts';

/** CLOCK_MONOTONIC in ms: time since boot without suspend (what process.hrtime counts). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Reads the boot time, then CLOCK_BOOTTIME (/proc/uptime) and CLOCK_MONOTONIC (`monotonic`) one right after the other. */
export function readHostClocks(procRoot: string, monotonic: () => number = monotonicMs): HostClocks {
  const bootMs = bootTimeMs(procRoot);
  const sinceBootMs = uptimeMs(procRoot);
  const awake = monotonic();
  return { bootMs, sinceBootMs, awakeMs: Number.isFinite(awake) ? awake : null };
}

/** /proc/uptime's first field (time since boot, suspend included) in ms, or null when unreadable. */
function uptimeMs(procRoot: string): number | null {
  try {
    const first = Number(readFileSync(`${procRoot}/uptime`, 'utf8').split(/\s+/)[0]);
    return Number.isFinite(first) && first >= 0 ? Math.round(first * 1000) : null;
  } catch {
    return null;
  }
}

/** Says for each stale or never-ran target whether the host was down or asleep when its run was due. */
export async function gatherHostDown(
  targets: readonly ExplainTarget[],
  ctx: ExplainContext,
  monotonic: () => number = monotonicMs,
): Promise<Map<string, Evidence[]>> {
  const found = new Map<string, Evidence[]>();
  const looked = targets.filter(isHostTarget);
  if (looked.length === 0) return found;
  const clocks = readHostClocks(ctx.procRoot, monotonic);
  for (const t of looked) {
    const { dueMs, graceMs, spec } = t.judgement;
    const items = hostDownEvidence({ dueMs, graceMs, spec }, clocks, ctx.nowMs, ctx.timing);
    if (items.length > 0) found.set(t.facts.job, items);
  }
  return found;
}
