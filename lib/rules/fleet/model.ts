// The fleet view from the answers of the fleet queries: one row per host and per (host, job),
// blockers first. A host Prometheus cannot scrape, or whose hb check stopped writing, is itself
// a blocker and its jobs are `unknown since` its last check, never shown as they last were.

import { reasonClass } from '../health/reason-class.ts';
import type { JobStatus } from '../health/types.ts';
import type { FleetFact } from './queries.ts';
import type { FleetHost, FleetJob, FleetView, HostState, Sample } from './types.ts';

/** What the model needs besides the answers. */
export interface FleetOptions {
  /** The queries' evaluation time, seconds since the epoch (Prometheus's clock). */
  nowS: number;
  hostLabel: string;
  /** A check older than this makes its host a blocker (`stale_check`). */
  staleAfterS: number;
  /** Only these jobs (all when empty). */
  jobs?: readonly string[];
}

/** Problem statuses, worst first: how blocker jobs are ordered. Others follow in name order. */
const WORST_FIRST: readonly string[] = [
  'crashed',
  'failed',
  'stale',
  'never',
  'overrunning',
  'recovery_exhausted',
  'recovery_failed',
  'recovery_refused',
  'corrupt',
  'clock_skew',
  'suspicious',
  'slow',
];

const iso = (s: number | undefined | null): string | null =>
  s === undefined || s === null || !Number.isFinite(s) ? null : new Date(Math.round(s * 1000)).toISOString();
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const key = (host: string, job: string) => `${host}\u0000${job}`;

/** The fleet view. `answers` holds the samples of each fact's query (lib/rules/fleet/queries.ts). */
export function buildFleet(answers: Record<FleetFact, readonly Sample[]>, opts: FleetOptions): FleetView {
  const H = opts.hostLabel;
  const wanted = opts.jobs && opts.jobs.length > 0 ? new Set(opts.jobs) : null;
  const hostOf = (s: Sample) => s.labels[H];
  // The last known check of each host, and the scrape jobs that brought it (to find its `up`).
  const checkLast = new Map<string, { at: number; scrapeJobs: Set<string> }>();
  for (const s of answers.check_last) {
    const host = hostOf(s);
    if (host === undefined) continue;
    const seen = checkLast.get(host) ?? { at: -Infinity, scrapeJobs: new Set<string>() };
    seen.at = Math.max(seen.at, s.value);
    if (s.labels.job !== undefined) seen.scrapeJobs.add(s.labels.job);
    checkLast.set(host, seen);
  }
  const checkNow = new Map<string, number>();
  for (const s of answers.check_now) {
    const host = hostOf(s);
    if (host !== undefined) checkNow.set(host, Math.max(checkNow.get(host) ?? -Infinity, s.value));
  }

  // Per-job facts, keyed by host and hb_job; the first sample of a fact wins.
  const rows = new Map<string, Partial<Record<FleetFact, Sample>>>();
  for (const fact of ['status', 'problem', 'reason', 'exit_code', 'last_run', 'last_success', 'due', 'deadline', 'info', 'duration'] as const) {
    for (const s of answers[fact]) {
      const host = hostOf(s);
      const job = s.labels.hb_job;
      if (host === undefined || job === undefined || (wanted && !wanted.has(job))) continue;
      const k = key(host, job);
      const row = rows.get(k) ?? {};
      row[fact] ??= s;
      rows.set(k, row);
      if (!checkLast.has(host)) checkLast.set(host, { at: -Infinity, scrapeJobs: new Set(s.labels.job === undefined ? [] : [s.labels.job]) });
    }
  }

  const hosts = new Map<string, FleetHost>();
  for (const [host, last] of checkLast) hosts.set(host, judgeHost(host, last, checkNow.get(host), answers.up, opts));

  const jobs: FleetJob[] = [];
  for (const [k, row] of rows) {
    const [host, job] = k.split('\u0000') as [string, string];
    const h = hosts.get(host)!;
    const j = jobRow(host, job, row, h);
    h.jobs++;
    if (j.problem) h.problems++;
    jobs.push(j);
  }
  const hostList = [...hosts.values()].sort((a, b) => Number(b.blocker) - Number(a.blocker) || cmp(a.host, b.host));
  const order = new Map(hostList.map((h, i) => [h.host, i]));
  jobs.sort((a, b) => jobRank(a, order) - jobRank(b, order) || cmp(a.host, b.host) || cmp(a.job, b.job));
  return {
    generated_at: iso(opts.nowS)!,
    host_label: H,
    stale_after_s: opts.staleAfterS,
    summary: {
      hosts: hostList.length,
      hosts_blocked: hostList.filter((h) => h.blocker).length,
      jobs: jobs.length,
      problems: jobs.filter((j) => j.problem && j.status !== 'unknown').length,
      unknown: jobs.filter((j) => j.status === 'unknown').length,
      blockers: hostList.filter((h) => h.blocker).length + jobs.filter((j) => j.problem && j.status !== 'unknown').length,
    },
    hosts: hostList,
    jobs,
  };
}

// Blocked hosts' jobs first (in host order), then problem jobs worst first, then the rest.
function jobRank(j: FleetJob, hostOrder: Map<string, number>): number {
  if (j.status === 'unknown') return hostOrder.get(j.host)!;
  if (j.problem) {
    const worst = WORST_FIRST.indexOf(j.status);
    return 100_000 + (worst < 0 ? WORST_FIRST.length : worst);
  }
  return 200_000;
}

function judgeHost(
  host: string,
  last: { at: number; scrapeJobs: Set<string> },
  nowCheck: number | undefined,
  up: readonly Sample[],
  opts: FleetOptions,
): FleetHost {
  const ups = up.filter((s) => s.labels[opts.hostLabel] === host && (last.scrapeJobs.size === 0 || last.scrapeJobs.has(s.labels.job ?? '')));
  const isUp = ups.length === 0 ? null : ups.every((s) => s.value === 1);
  const checkedS = nowCheck ?? (Number.isFinite(last.at) ? last.at : null);
  const checkedAt = iso(checkedS);
  const ageS = checkedS === null ? null : Math.round(opts.nowS - checkedS);
  const since = checkedAt ? `; last check ${checkedAt}` : '';
  let state: HostState = 'ok';
  let reason = `hb check ran ${ageS}s ago`;
  if (isUp === null) {
    state = 'down';
    reason = `Prometheus no longer scrapes it (no up series)${since}`;
  } else if (!isUp) {
    state = 'down';
    reason = `the scrape fails (up == 0)${since}`;
  } else if (nowCheck === undefined) {
    state = 'no_series';
    reason = `it answers but serves no hb series (the textfile is gone or unreadable)${since}`;
  } else if (ageS !== null && ageS > opts.staleAfterS) {
    state = 'stale_check';
    reason = `hb check has not written the textfile for ${ageS}s (more than ${opts.staleAfterS}s)${since}`;
  }
  return { host, state, blocker: state !== 'ok', reason, checked_at: checkedAt, check_age_s: ageS, up: isUp, jobs: 0, problems: 0 };
}

function jobRow(host: string, job: string, row: Partial<Record<FleetFact, Sample>>, h: FleetHost): FleetJob {
  const status = row.status?.labels.status ?? null;
  const problem = row.problem ? row.problem.value === 1 : false;
  const exit = row.exit_code?.value;
  const info = row.info?.labels;
  const schedule = info?.schedule ? info.schedule : null;
  return {
    host,
    job,
    status: h.blocker ? 'unknown' : (status ?? 'unknown'),
    last_known_status: status,
    problem,
    blocker: h.blocker || problem,
    reason_class: row.reason?.labels.reason_class ?? derivedReason(status, exit),
    exit_code: exit === undefined || !Number.isFinite(exit) ? null : exit,
    last_run_at: iso(row.last_run?.value),
    last_success_at: iso(row.last_success?.value),
    due: iso(row.due?.value),
    deadline: iso(row.deadline?.value),
    schedule: schedule && info?.tz ? `${schedule} (${info.tz})` : schedule,
    duration_s: row.duration && Number.isFinite(row.duration.value) ? row.duration.value : null,
    unknown_since: h.blocker ? h.checked_at : null,
  };
}

// A host whose hb predates hb_job_reason_info: the class its status alone gives; a failure is
// `exit_code` only when a non-zero exit code says so (a signal or a judged run cannot be told).
function derivedReason(status: string | null, exit: number | undefined): string | null {
  if (status === null) return null;
  if (status === 'failed') return exit !== undefined && exit !== 0 && Number.isFinite(exit) ? 'exit_code' : null;
  // A status this hb does not know (a newer hb's) has no class here.
  const known: string | undefined = reasonClass({ status: status as JobStatus, last: null, root_cause: null });
  return known ?? null;
}
