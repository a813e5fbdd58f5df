// The nightly report over the fleet: the fleet view now, and what Prometheus kept of each host and
// job over the window (runs seen, time spent as a problem, the longest run, the scrape's uptime).

import { promRange } from './queries.ts';
import type { FleetHost, FleetJob, FleetSummary, FleetView, Sample } from './types.ts';

/** The window facts, each one instant query over the window's range. */
export const WINDOW_FACTS = ['runs', 'problem_ratio', 'longest', 'up_ratio'] as const;

/** One of WINDOW_FACTS. */
export type WindowFact = (typeof WINDOW_FACTS)[number];

/** The query of each window fact over `windowS` seconds. */
export function windowQueries(windowS: number): Record<WindowFact, string> {
  const r = promRange(windowS);
  return {
    // The cycle grows by one per run: its growth over the window counts the runs Prometheus saw.
    runs: `max_over_time(hb_run_cycle[${r}]) - min_over_time(hb_run_cycle[${r}])`,
    problem_ratio: `avg_over_time(hb_problem[${r}])`,
    longest: `max_over_time(hb_last_duration_seconds[${r}])`,
    up_ratio: `avg_over_time(up[${r}])`,
  };
}

/** A host in the report: its state now and the share of the window its scrape succeeded. */
export interface FleetReportHost extends FleetHost {
  /** 0–1; null when Prometheus kept no `up` for it in the window. */
  up_ratio: number | null;
}

/** A job in the report: the view's row and the window's facts. */
export interface FleetReportJob extends FleetJob {
  /** Runs seen in the window (growth of hb_run_cycle); null when unknown. */
  runs: number | null;
  /** 0–1: the share of the window's samples in which the job was a problem; null when unknown. */
  problem_ratio: number | null;
  /** The longest last-run duration seen in the window, seconds. */
  longest_s: number | null;
}

/** A blocker of the report: a host, or a job (host and job). */
export interface FleetBlocker {
  host: string;
  job: string | null;
  status: string;
  text: string;
}

/** The report (`hb report --prometheus URL --format json`, docs/report.md). Stable. */
export interface FleetReport {
  kind: 'fleet';
  prometheus: string;
  generated_at: string;
  since: string;
  until: string;
  host_label: string;
  summary: FleetSummary & { runs: number; jobs_with_problems_in_window: number };
  blockers: FleetBlocker[];
  hosts: FleetReportHost[];
  jobs: FleetReportJob[];
}

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** The report from the view and the window facts' answers. */
export function buildFleetReport(view: FleetView, windowAnswers: Record<WindowFact, readonly Sample[]>, windowS: number, prometheus: string): FleetReport {
  const H = view.host_label;
  const byJob = (fact: WindowFact) => {
    const m = new Map<string, number>();
    for (const s of windowAnswers[fact])
      if (s.labels[H] !== undefined && s.labels.hb_job !== undefined) m.set(`${s.labels[H]}\u0000${s.labels.hb_job}`, s.value);
    return m;
  };
  const runs = byJob('runs');
  const ratio = byJob('problem_ratio');
  const longest = byJob('longest');
  const upRatio = new Map<string, number>();
  for (const s of windowAnswers.up_ratio) {
    const host = s.labels[H];
    if (host !== undefined) upRatio.set(host, Math.min(upRatio.get(host) ?? 1, s.value));
  }
  const jobs = view.jobs.map((j): FleetReportJob => {
    const k = `${j.host}\u0000${j.job}`;
    const n = finite(runs.get(k));
    return { ...j, runs: n === null || n < 0 ? null : n, problem_ratio: finite(ratio.get(k)), longest_s: finite(longest.get(k)) };
  });
  const hosts = view.hosts.map((h): FleetReportHost => ({ ...h, up_ratio: finite(upRatio.get(h.host)) }));
  const blockers: FleetBlocker[] = [
    ...view.hosts
      .filter((h) => h.blocker)
      .map((h) => ({ host: h.host, job: null, status: h.state, text: `${h.reason}; ${h.jobs} job${h.jobs === 1 ? '' : 's'} unknown` })),
    ...view.jobs
      .filter((j) => j.problem && j.status !== 'unknown')
      .map((j) => ({
        host: j.host,
        job: j.job,
        status: j.status,
        text: `${j.status}${j.reason_class ? ` (${j.reason_class})` : ''}${j.exit_code === null ? '' : `, exit ${j.exit_code}`}${j.last_run_at ? `, last run ${j.last_run_at}` : ''}`,
      })),
  ];
  const untilMs = Date.parse(view.generated_at);
  return {
    kind: 'fleet',
    prometheus,
    generated_at: view.generated_at,
    since: new Date(untilMs - windowS * 1000).toISOString(),
    until: view.generated_at,
    host_label: H,
    summary: {
      ...view.summary,
      runs: jobs.reduce((sum, j) => sum + (j.runs ?? 0), 0),
      jobs_with_problems_in_window: jobs.filter((j) => (j.problem_ratio ?? 0) > 0).length,
    },
    blockers,
    hosts,
    jobs,
  };
}
