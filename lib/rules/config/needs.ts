// Validation of a job's `needs:` list.

import type { Need } from '../needs/types.ts';
import type { RawProblem } from './tree.ts';

/** Validates `needs:` as written under a job; problems' paths are below the key. */
export function parseNeeds(value: unknown): { needs: Need[] | undefined; problems: RawProblem[] } {
  void value;
  return { needs: undefined, problems: [{ path: [], message: 'needs: is not available yet' }] };
}
