// The first stage of a run's outcome: what its exit says. Pure.

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

/**
 * Exit 0 is a success and anything else a failure, whose reason the record's exit code, signal
 * and message already give (so the reason stays null).
 */
export function exitVerdict(exit: ExitFacts, _rules: OutcomeRules | undefined): Verdict {
  return exit.code === 0 ? OK : { outcome: 'failed', reason: null };
}
