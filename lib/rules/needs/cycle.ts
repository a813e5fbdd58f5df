// The one rule that needs every job at once: jobs that need each other in a circle would each wait
// for the other's root cause, so such a config is refused. Pure.

import type { Need } from './types.ts';

/** The first cycle of `job:` needs among the jobs, as names from a job back to itself (`dump, backup, dump`); null when there is none. */
export function needsCycle(jobs: ReadonlyMap<string, { needs?: Need[] }>): string[] | null {
  const done = new Set<string>();
  const onPath: string[] = [];
  const inPath = new Set<string>();
  const visit = (job: string): string[] | null => {
    if (inPath.has(job)) return [...onPath.slice(onPath.indexOf(job)), job];
    if (done.has(job)) return null;
    inPath.add(job);
    onPath.push(job);
    for (const n of jobs.get(job)?.needs ?? []) {
      if (n.kind !== 'job') continue;
      const found = visit(n.job);
      if (found) return found;
    }
    onPath.pop();
    inPath.delete(job);
    done.add(job);
    return null;
  };
  for (const job of jobs.keys()) {
    const found = visit(job);
    if (found) return found;
  }
  return null;
}

/** The problem a cycle is, one line. */
export function cycleMessage(cycle: readonly string[]): string {
  return `the needs of ${cycle.slice(0, -1).join(', ')} form a cycle (${cycle.join(' → ')}): a job cannot depend on itself through others`;
}
