// The fleet view's shape: every host and job hb's series in Prometheus describe. What
// `hb status --prometheus URL --json` prints (docs/cli.md, "The fleet view"). Stable.

/** One series of an instant query's answer: its labels and its value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** An instant query's answer: the evaluation time (Prometheus's clock, seconds) and its series. */
export interface Answer {
  at: number;
  samples: Sample[];
}

/**
 * How a host stands. `down`: Prometheus cannot scrape it (`up` is 0, or it is no longer a
 * target); `no_series`: it answers but serves no hb series any more; `stale_check`: its
 * `hb check` stopped writing (node_exporter keeps serving the old file). All but `ok` are blockers.
 */
export type HostState = 'ok' | 'down' | 'no_series' | 'stale_check';

/** One host of the fleet. */
export interface FleetHost {
  /** The value of the host label (`instance` unless --host-label says otherwise). */
  host: string;
  state: HostState;
  blocker: boolean;
  /** One line a person can act on: why the host has this state. */
  reason: string;
  /** When the host's last known `hb check` ran (hb_check_timestamp_seconds, ISO 8601 UTC). */
  checked_at: string | null;
  /** Seconds from checked_at to the query's time. */
  check_age_s: number | null;
  /** The scrape's `up`; null when Prometheus no longer scrapes the host. */
  up: boolean | null;
  jobs: number;
  /** Jobs whose status is a problem (last known, for a blocked host). */
  problems: number;
}

/** One job on one host. */
export interface FleetJob {
  host: string;
  job: string;
  /** The job's status as hb check on the host said it; `unknown` while the host is a blocker. */
  status: string;
  /** The last status Prometheus has for the job (the same as status on a host that is ok). */
  last_known_status: string | null;
  /** hb_problem, last known. */
  problem: boolean;
  /** A problem job, or any job of a blocked host. */
  blocker: boolean;
  /** hb_job_reason_info's class; derived from the status on hosts whose hb does not write it (null when it cannot be). */
  reason_class: string | null;
  exit_code: number | null;
  last_run_at: string | null;
  last_success_at: string | null;
  due: string | null;
  deadline: string | null;
  /** `every 1h`, `cron 30 2 * * *`, or null when the job has none. */
  schedule: string | null;
  duration_s: number | null;
  /** For a job of a blocked host: the time of the host's last known check; else null. */
  unknown_since: string | null;
}

/** Sums over the fleet. */
export interface FleetSummary {
  hosts: number;
  hosts_blocked: number;
  jobs: number;
  problems: number;
  unknown: number;
  blockers: number;
}

/** The whole view: hosts blockers first, jobs blockers first (worst first), then by host and job. */
export interface FleetView {
  /** Prometheus's evaluation time of the queries (ISO 8601 UTC). */
  generated_at: string;
  host_label: string;
  stale_after_s: number;
  summary: FleetSummary;
  hosts: FleetHost[];
  jobs: FleetJob[];
}
