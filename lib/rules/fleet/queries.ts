// The PromQL the fleet view asks: one instant query per fact, all at the same instant. A host
// that serves hb series now answers with its current values; one that does not (down, or its
// series gone) with the last values Prometheus kept in the look-back window, so it stays in the
// view as a blocker instead of vanishing.

/** The facts the view reads, each one instant query. */
export const FLEET_FACTS = [
  'up',
  'check_now',
  'check_last',
  'status',
  'problem',
  'reason',
  'exit_code',
  'last_run',
  'last_success',
  'due',
  'deadline',
  'info',
  'duration',
] as const;

/** One of FLEET_FACTS. */
export type FleetFact = (typeof FLEET_FACTS)[number];

/** A label name as PromQL accepts it in `on(…)`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A duration as PromQL writes it in a range selector: whole seconds, `86400s`. */
export const promRange = (seconds: number): string => `${Math.max(1, Math.round(seconds))}s`;

/**
 * The query of each fact. `hostLabel` names the host (instance by default); `lookbackS` is how far
 * back the last known value of a host without current series is looked for.
 */
export function fleetQueries(hostLabel: string, lookbackS: number): Record<FleetFact, string> {
  if (!LABEL_NAME.test(hostLabel)) throw new Error(`a label name must match ${LABEL_NAME.source}, found "${hostLabel}"`);
  const range = promRange(lookbackS);
  // The current series, else (for a host with no current hb_check_timestamp_seconds) the last kept.
  const current = (m: string, filter = '') =>
    `(${m}${filter}) or ((last_over_time(${m}[${range}])${filter}) unless on(${hostLabel}) hb_check_timestamp_seconds)`;
  return {
    up: 'up',
    check_now: 'hb_check_timestamp_seconds',
    check_last: `last_over_time(hb_check_timestamp_seconds[${range}])`,
    status: current('hb_job_status', ' == 1'),
    problem: current('hb_problem'),
    reason: current('hb_job_reason_info'),
    exit_code: current('hb_last_exit_code'),
    last_run: current('hb_last_run_timestamp_seconds'),
    last_success: current('hb_last_success_timestamp_seconds'),
    due: current('hb_due_timestamp_seconds'),
    deadline: current('hb_deadline_timestamp_seconds'),
    info: current('hb_job_info'),
    duration: current('hb_last_duration_seconds'),
  };
}
