// The shapes dead-man recovery passes between its modules: the validated policy and the
// manifest of a known-good set of files. Types only, so the pure planner loads no I/O.

/** How a job's health is judged. */
export type HealthCheck =
  | { kind: 'heartbeat' }
  | { kind: 'url'; url: string }
  | { kind: 'command'; command: string }
  /** Alive when the process a pid file names runs (not a zombie, not a reused id). */
  | { kind: 'pid_file'; path: string };

/** A job's `recover:` block, validated, with every default filled in. */
export interface RecoverPolicy {
  health: HealthCheck;
  /** Guarded files: absolute, normalised, no duplicates, in the order written. */
  config: string[];
  /** A string runs through `/bin/sh -c`; a list runs as argv without a shell (as a job's `command`). */
  restart: string | string[] | null;
  /** At most `count` restarts within any `windowMs`; count 0 never restarts. */
  maxRestarts: { count: number; windowMs: number };
  /** Where the known-good content comes from. */
  source: 'snapshot' | 'git';
  /** The git ref the known-good content is read from (source git only). */
  ref: string;
  /** How long to wait after acting before probing health again. */
  settleMs: number;
  /** Limit for the health probe and for the restart command. */
  timeoutMs: number;
  /** Snapshots kept per job. */
  keep: number;
}

/** One guarded file as it was when the job was last healthy. */
export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  /** Permission bits; restored as mode & 0o777 (an old snapshot may hold a setuid bit: dropped). */
  mode: number;
}

/** A known-good set of guarded files (`snapshots/<id>/manifest.json`). */
export interface Manifest {
  v: 1;
  id: string;
  job: string;
  /** ISO 8601, UTC. */
  taken_at: string;
  files: ManifestFile[];
}
