// `needs:` — what a job depends on: other jobs, and preconditions probed at check time.

/** One entry of a job's `needs:` list, validated. */
export type Need =
  /** `job:dump`: another job; when it is a problem, this job's incident is folded into it. */
  | { kind: 'job'; job: string; text: string }
  /** `mount:/mnt/backup`: a mount point that must be mounted. */
  | { kind: 'mount'; path: string; text: string }
  /** `path:/srv/data`: a path that must exist. */
  | { kind: 'path'; path: string; text: string }
  /** `tcp:127.0.0.1:5432`: a host:port that must accept a connection. */
  | { kind: 'tcp'; host: string; port: number; text: string }
  /** `command: pg_isready`: a command that must exit 0 (run through /bin/sh -c, with a timeout). */
  | { kind: 'command'; command: string; timeoutMs: number; text: string };

/** Every job some `needs:` names: the check keeps their verdicts for the explain stage. */
export function neededJobs(jobs: Iterable<{ needs?: Need[] }>): Set<string> {
  const names = new Set<string>();
  for (const j of jobs) for (const n of j.needs ?? []) if (n.kind === 'job') names.add(n.job);
  return names;
}
