// Where recovery keeps a job's files in the state directory: a path, decided from the job's name
// alone, so the readers of one file (the kept outcome, the restart history) need no snapshot code.

import { join } from 'node:path';
import { validateJobName } from '../job-name.ts';
import { RecoverError } from './error.ts';

/** `<state>/recover/<job>`: everything recovery keeps for a job. */
export function jobRecoverDir(stateDir: string, job: string): string {
  const problem = validateJobName(job);
  if (problem) throw new RecoverError(problem);
  return join(stateDir, 'recover', job);
}
