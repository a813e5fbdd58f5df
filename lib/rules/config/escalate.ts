// Validation of `escalate:` steps, global or under a job.

import type { EscalationStep } from '../escalate/types.ts';
import type { RawProblem } from './tree.ts';

/** Validates an `escalate:` list; `where` names it in sink labels (`escalate` or `jobs.backup.escalate`); problems' paths are below the key. */
export function parseEscalate(value: unknown, where: string): { steps: EscalationStep[] | undefined; problems: RawProblem[] } {
  void value;
  void where;
  return { steps: undefined, problems: [{ path: [], message: 'escalate: is not available yet' }] };
}
