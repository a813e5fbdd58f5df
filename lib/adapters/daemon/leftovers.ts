// What the state directory says about the daemon's jobs at start and on reload: where each
// `every` grid is anchored, and runs a previous daemon left behind.

import { heartbeatTime } from '../../rules/heartbeat/record.ts';
import { readHeartbeat, readRunMarker } from '../heartbeat/store.ts';
import type { RunMarker } from '../../rules/heartbeat/run-marker.ts';
import { gatherFacts, isRunGone, type GoneVerdict, type ProcessFacts } from '../run/proc.ts';
import type { DaemonJob } from '../../rules/daemon/jobs.ts';

/** `every` jobs keep their phase across restarts: each counts from its last heartbeat. */
export function readAnchors(stateDir: string, jobs: readonly DaemonJob[]): Map<string, number> {
  const anchors = new Map<string, number>();
  for (const job of jobs) {
    if (!('every' in job.schedule)) continue;
    const hb = readHeartbeat(stateDir, job.name);
    const at = hb && hb.kind !== 'corrupt' ? heartbeatTime(hb) : NaN;
    if (Number.isFinite(at)) anchors.set(job.name, at);
  }
  return anchors;
}

/** A run marker with no heartbeat after it: crashed (process gone) or still going. */
export interface Leftover {
  job: string;
  marker: RunMarker;
  verdict: GoneVerdict;
}

/** The `.run` markers of the daemon's jobs that no heartbeat followed (the same rule as a tick's crash detection). */
export function findLeftovers(stateDir: string, jobs: readonly DaemonJob[], factsOf: (pid: number) => ProcessFacts = gatherFacts): Leftover[] {
  const found: Leftover[] = [];
  for (const job of jobs) {
    const marker = job.kind === 'tick' ? readRunMarker(stateDir, job.name) : null;
    if (!marker) continue;
    const hb = readHeartbeat(stateDir, job.name);
    if (hb?.kind === 'record' && Date.parse(hb.record.started_at) >= Date.parse(marker.started_at)) continue;
    found.push({ job: job.name, marker, verdict: isRunGone(marker, factsOf(marker.pid)) });
  }
  return found;
}

/** The log line for a leftover run. */
export function leftoverLine(l: Leftover): string {
  return l.verdict.gone
    ? `tick ${l.job} (pid ${l.marker.pid}, cycle ${l.marker.cycle}, started ${l.marker.started_at}) never finished: ${l.verdict.reason}; its next run records it as crashed`
    : `tick ${l.job} (pid ${l.marker.pid}) from before this daemon is still running`;
}
