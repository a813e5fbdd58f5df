// The end of a check, after its verdicts were shown: its own heartbeat, then the actor's alerts
// (queued, the alert state written, delivered) — done even when showing them failed.

import type { Evaluation } from './evaluate.ts';
import type { CheckEffects } from './effects.ts';
import { recordCheck } from './own-heartbeat.ts';
import { pruneEvents } from '../adapters/events/log.ts';
import { limitsFor } from '../rules/events/retention.ts';

/** How the check ended: the exit code it chose, a dry run, and whether it looked at every job. */
export interface CheckEnd {
  code: number;
  dryRun: boolean;
  /** No job was named: a job no longer seen closes its incident. */
  complete: boolean;
  /**
   * Neither notifies nor recovers (--no-notify --no-recover): a monitor's look, which must not
   * stand in for the acting check. It leaves `hb-check.last` alone, so a dead cron line stays seen.
   */
  looksOnly: boolean;
}

/** What finishing did: whether the own heartbeat could not be written, lines for stderr, a dry run's plan. */
export interface Finished {
  unrecorded: boolean;
  warnings: string[];
  planned: string[];
}

/**
 * Records the check's own heartbeat (not in a dry run or a look only), then lets the actor alert and release the
 * lock, then removes the event log's rotated files past `events_keep` in the chosen state directory.
 */
export async function finishCheck(ev: Evaluation, end: CheckEnd, fx: CheckEffects): Promise<Finished> {
  const run = { nowMs: ev.nowMs, problems: ev.problems, total: ev.total, untrusted: ev.untrusted.length, code: end.code };
  const own = end.dryRun || end.looksOnly ? null : recordCheck(ev.dirs, ev.config, run, fx);
  const unrecorded = own === 'failed';
  const { warnings, planned } = ev.actor
    ? await ev.actor.finish(end.complete, typeof own === 'object' ? own : null, { folded: ev.explained?.folded ?? new Map(), timing: ev.timing })
    : { warnings: [], planned: [] };
  const pruned = end.dryRun || ev.dirs.length === 0 ? null : pruneLog(ev.dirs[0]!, ev.config.eventsKeepMs, ev.nowMs);
  return { unrecorded, warnings: pruned ? [...warnings, pruned] : warnings, planned };
}

/** Removes the rotated event files older than `keepMs` (or past the size cap); a line for stderr when that fails. */
function pruneLog(dir: string, keepMs: number | undefined, nowMs: number): string | null {
  try {
    pruneEvents(dir, limitsFor(keepMs), () => nowMs);
    return null;
  } catch (e) {
    return `hb: could not remove old event log files in ${dir}: ${(e as Error).message}`;
  }
}
