// Validation of `maintenance:` windows, global (with an optional `jobs:` list) or under a job.

import type { MaintenanceWindow } from '../maintenance/types.ts';
import type { RawProblem } from './tree.ts';

/** Validates a `maintenance:` list; `global` allows `jobs:` in an entry; problems' paths are below the key. */
export function parseMaintenance(value: unknown, defaultTz: string, global: boolean): { windows: MaintenanceWindow[] | undefined; problems: RawProblem[] } {
  void value;
  void defaultTz;
  void global;
  return { windows: undefined, problems: [{ path: [], message: 'maintenance: is not available yet' }] };
}
