// The nightly report, built purely from the event log, the current verdicts and an injected `now`.

import type { HbEvent } from '../events/parse.ts';
import type { JobHealth } from '../health/types.ts';
import { blockersOf } from './blockers.ts';
import { byStart, collect, type JobTally } from './collect.ts';
import { durationStats } from './percentile.ts';
import { LIST_CAP, TIMELINE_CAP, type JobReport, type Report, type ReportTotals, type TimelineRun } from './types.ts';

/** What a report is made of; nothing here touches the disk or the clock. */
export interface ReportInput {
  /** Every line of the log, oldest first (all rotations; events after `nowMs` are ignored), read once as a stream; each is parsed here. */
  events: Iterable<HbEvent>;
  /** The current verdict of every job, as `hb check` judges it now. */
  health: readonly JobHealth[];
  nowMs: number;
  /** Length of the window ending at `nowMs`. */
  windowMs: number;
  host: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Builds the report over [now − window, now]. Jobs are every job with a verdict, every job with
 * an event in the window, and every job with an incident still open; in name order.
 */
export function buildReport(input: ReportInput): Report {
  const { nowMs, windowMs } = input;
  const sinceMs = nowMs - windowMs;
  const tallies = collect(input.events, { sinceMs, untilMs: nowMs });
  const verdicts = new Map(input.health.map((h) => [h.job, h]));
  const names = new Set<string>(verdicts.keys());
  for (const t of tallies.values()) if (t.seen || t.open.size > 0) names.add(t.job);

  const jobs = [...names].sort().map((name) => jobReport(name, tallies.get(name), verdicts.get(name), nowMs));
  const blockers = blockersOf(jobs);
  return {
    generated_at: iso(nowMs),
    since: iso(sinceMs),
    until: iso(nowMs),
    host: input.host,
    blockers,
    jobs,
    totals: totalsOf(jobs, tallies, blockers.length),
  };
}

function jobReport(job: string, t: JobTally | undefined, h: JobHealth | undefined, nowMs: number): JobReport {
  const timeline: TimelineRun[] = t ? t.timeline : [];
  let crashes = t?.crashes ?? 0;
  // The run the verdict is about: in progress now, or dead and not yet logged by a later run.
  const m = h?.running;
  if (m && Date.parse(m.started_at) <= nowMs) {
    const mark = (outcome: TimelineRun['outcome']) =>
      timeline.push({ started_at: m.started_at, duration_ms: null, outcome, exit_code: null, signal: null, cycle: m.cycle, ping: false });
    if (h.status === 'running' || h.status === 'overrunning') mark('running');
    else if (h.status === 'crashed' && !t?.crashedCycles.has(m.cycle)) {
      mark('crashed');
      crashes++;
    }
  }
  // Crashes are logged when found, later than the run started: order the marks by start.
  timeline.sort(byStart);
  const cut = Math.max(0, timeline.length - TIMELINE_CAP);
  const omitted = cut + (t?.timelineDropped ?? 0);
  const list = t ? [...t.closed, ...t.open.values()].sort((a, b) => (a.opened_at < b.opened_at ? -1 : 1)).slice(-LIST_CAP) : [];
  return {
    job,
    status: h?.status ?? null,
    problem: h?.problem ?? false,
    reason: h?.reason ?? null,
    evidence: h?.evidence ?? [],
    root_cause: h?.root_cause ?? null,
    runs: t?.runs ?? 0,
    ok: t?.ok ?? 0,
    warnings: t?.warnings ?? 0,
    slow: t?.slow ?? 0,
    suspicious: t?.suspicious ?? 0,
    failures: t?.failures ?? 0,
    timeouts: t?.timeouts ?? 0,
    crashes,
    pings: t?.pings ?? 0,
    overlaps: t?.overlaps ?? 0,
    incidents: { opened: t?.opened ?? 0, resolved: t?.resolved ?? 0, open: t?.open.size ?? 0, list },
    rollbacks: t?.rollbacks ?? 0,
    restarts: t?.restarts ?? 0,
    restart_failures: t?.restartFailures ?? 0,
    notify_failures: t?.notifyFailures ?? 0,
    recovery_blocked: t?.recoveryBlocked ?? 0,
    duration_ms: durationStats(t?.durations ?? []),
    timeline: cut > 0 ? timeline.slice(cut) : timeline,
    timeline_omitted: omitted,
    recovery: t ? t.recovery.slice(-LIST_CAP) : [],
    // Filled from the history folder by whoever reads it (attachFailedOutputs).
    failed_outputs: [],
    failed_outputs_omitted: 0,
  };
}

function totalsOf(jobs: readonly JobReport[], tallies: Map<string, JobTally>, blockers: number): ReportTotals {
  const sum = (f: (j: JobReport) => number) => jobs.reduce((n, j) => n + f(j), 0);
  let events = 0;
  for (const t of tallies.values()) events += t.events;
  return {
    jobs: jobs.length,
    events,
    runs: sum((j) => j.runs),
    ok: sum((j) => j.ok),
    warnings: sum((j) => j.warnings),
    slow: sum((j) => j.slow),
    suspicious: sum((j) => j.suspicious),
    failures: sum((j) => j.failures),
    timeouts: sum((j) => j.timeouts),
    crashes: sum((j) => j.crashes),
    incidents_opened: sum((j) => j.incidents.opened),
    open_incidents: sum((j) => j.incidents.open),
    rollbacks: sum((j) => j.rollbacks),
    restarts: sum((j) => j.restarts),
    notify_failures: sum((j) => j.notify_failures),
    blockers,
  };
}
