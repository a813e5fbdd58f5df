// The first stage of a run's outcome: what its exit says, read through the job's `ok_codes` and
// `warn_codes`. Pure.

import { OK, type Verdict } from './types.ts';
import type { OutcomeRules } from './rules.ts';

/** How the child ended, as the exit stage reads it. */
export interface ExitFacts {
  /** The shell's code: the exit code, 128+n for signal n, 127/126 when it could not start. */
  code: number;
  signal: string | null;
  timedOut: boolean;
  /** The command never ran. */
  spawnFailed: boolean;
}

/** The exit codes that mean success when a job lists none. */
export const DEFAULT_OK_CODES: readonly number[] = [0];

/**
 * A code in `warn_codes` is a warning, one in `ok_codes` (default [0]) a success, anything else a
 * failure, whose reason the record's exit code, signal and message already give (so it stays
 * null). A signal, a timeout or a command that never started fails whatever the lists say.
 */
export function exitVerdict(exit: ExitFacts, rules: OutcomeRules | undefined): Verdict {
  const failed: Verdict = { outcome: 'failed', reason: null };
  if (exit.signal !== null || exit.timedOut || exit.spawnFailed) return failed;
  if (rules?.warnCodes?.includes(exit.code)) return { outcome: 'warning', reason: `exit ${exit.code} is listed in warn_codes` };
  return (rules?.okCodes ?? DEFAULT_OK_CODES).includes(exit.code) ? OK : failed;
}
