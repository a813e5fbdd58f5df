// What a quiet run (`hb wrap --quiet`, `quiet: true`) says of itself when it fails: the child's
// output is written out then, and one line of hb's says why, since the mail cron sends is all
// the person reading it gets. Pure.

import type { ExitFacts } from './exit.ts';

/**
 * Why a failed run failed, from its exit alone, for the line a quiet run prints when no stage
 * gave a reason: "exit code 3", "killed by SIGKILL", "timed out after 90s". Null for a command
 * that never started (hb already says why) or a run that did not end badly.
 */
export function quietExitReason(exit: ExitFacts, timeoutMs: number | undefined): string | null {
  if (exit.spawnFailed) return null;
  if (exit.timedOut) return timeoutMs === undefined ? 'timed out' : `timed out after ${Math.round(timeoutMs / 1000)}s`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return exit.code === 0 ? null : `exit code ${exit.code}`;
}
