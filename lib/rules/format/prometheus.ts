// `hb check --format prometheus` and `--textfile`: the Prometheus text exposition format 0.0.4,
// clean under `promtool check metrics` and readable by node_exporter's textfile collector.

import type { JobHealth, JobStatus } from '../health/types.ts';
import { OUTCOME_RANK, failedInARow, type RunOutcome } from '../outcome/types.ts';
import type { UntrustedDir } from '../../adapters/state/dir.ts';
import { reasonClass } from '../health/reason-class.ts';

/** What the renderer needs besides the jobs; `host` is accepted for parity with other renderers. */
export interface PrometheusContext {
  nowMs: number;
  host?: string;
  /** Outbox counts (hb check passes them), for alerting on notifications that do not arrive. */
  notifications?: { pending: number; failed: number };
  /** State directories root did not read because other users can change them (hb check passes it). */
  untrusted?: readonly UntrustedDir[];
}

// A record, not a list, so adding a JobStatus without listing it here fails to compile.
const STATUS_ORDER: Record<JobStatus, true> = {
  ok: true,
  late: true,
  stale: true,
  failed: true,
  crashed: true,
  running: true,
  overrunning: true,
  never: true,
  corrupt: true,
  clock_skew: true,
  paused: true,
  unscheduled: true,
  recovery_exhausted: true,
  recovery_failed: true,
  recovery_refused: true,
  warning: true,
  suspicious: true,
  slow: true,
};

/** Every status, in the order the one-hot `hb_job_status` family lists them. */
export const ALL_STATUSES = Object.keys(STATUS_ORDER) as readonly JobStatus[];

type Labels = Array<[string, string]>;

/** A family of per-job series: its name, help, and the lines one job adds to it. */
interface Family {
  name: string;
  help: string;
  /** The job's lines, each ending in a newline (none when unknown); `label` is its `hb_job="…"` pair. */
  lines: (j: JobHealth, label: string, nowMs: number) => string;
}

// One sample labelled with the job, or none when the value is unknown: an absent series lets
// `absent()`/`unless` express "unknown", where NaN would poison every comparison. An infinite
// value is no measurement either (records are range-checked when read; this is the last guard).
const perJob = (name: string, help: string, value: (j: JobHealth, nowMs: number) => number | null | undefined): Family => ({
  name,
  help,
  lines: (j, label, nowMs) => {
    const v = value(j, nowMs);
    return v === null || v === undefined || !Number.isFinite(v) ? '' : `${name}{${label}} ${formatValue(v)}\n`;
  },
});

const seconds = (iso: string | null | undefined): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? null : t / 1000;
};

// What follows the job's label in each line of the one-hot family, status by status.
const STATUS_LABELS = ALL_STATUSES.map((s) => `,status="${escapeLabel(s)}"} `);

/** Every run outcome, mildest first: the order the one-hot `hb_last_run_outcome` family lists them. */
export const ALL_OUTCOMES = Object.keys(OUTCOME_RANK) as readonly RunOutcome[];
const OUTCOME_LABELS = ALL_OUTCOMES.map((o) => `,outcome="${o}"} `);

/** The outcome of the job's last run; a record from before outcomes has its status alone. Null: no run known. */
function lastOutcome(j: JobHealth): RunOutcome | null {
  if (!j.last) return null;
  return j.last.outcome ?? (j.last.status === 'error' ? 'failed' : 'ok');
}

// The job's families, in output order. Names end in their unit and avoid `_total`, since all are
// gauges: they describe the last run, not a count that only grows.
const JOB_FAMILIES: Family[] = [
  perJob(
    'hb_job_healthy',
    '1 when the job is healthy, 0 when it has a problem (stale, failed, suspicious, slow, crashed, overrunning, never, corrupt, clock_skew, recovery_exhausted, recovery_failed, recovery_refused; unscheduled under unscheduled: problem). A failure within tolerate: {failed_runs} is no problem yet.',
    (j) => (j.problem ? 0 : 1),
  ),
  perJob('hb_problem', '1 when the job has a problem that makes hb check exit 1, else 0.', (j) => (j.problem ? 1 : 0)),
  {
    name: 'hb_job_status',
    help: 'The job status, one-hot: 1 for the current status, 0 for every other.',
    lines: (j, label) => {
      let out = '';
      for (let i = 0; i < ALL_STATUSES.length; i++) out += `hb_job_status{${label}${STATUS_LABELS[i]}${ALL_STATUSES[i] === j.status ? 1 : 0}\n`;
      return out;
    },
  },
  {
    name: 'hb_job_info',
    help: 'Always 1; labels carry the job schedule and where it came from, for alert annotations.',
    lines: (j, label) => `hb_job_info{${label},${labelPairs(scheduleLabels(j))}} 1\n`,
  },
  {
    name: 'hb_job_reason_info',
    help: 'Always 1; the reason_class label says why the job has its status, one word from a fixed list (docs/integrations.md), for alert annotations and fleet views.',
    lines: (j, label) => `hb_job_reason_info{${label},reason_class="${reasonClass(j)}"} 1\n`,
  },
  perJob(
    'hb_last_run_timestamp_seconds',
    'Start of the last run (the heartbeat time), in seconds since the epoch.',
    (j, nowMs) => seconds(j.last?.started_at) ?? (j.age_s === null ? null : nowMs / 1000 - j.age_s),
  ),
  perJob('hb_last_success_timestamp_seconds', 'Start of the last successful run, in seconds since the epoch; absent when none is known.', (j) =>
    seconds(j.last_success_at),
  ),
  perJob('hb_last_duration_seconds', 'How long the last run took, in seconds.', (j) => (j.last ? j.last.duration_ms / 1000 : null)),
  perJob('hb_last_exit_code', 'Exit code of the last run; absent when it was killed by a signal or only touched.', (j) => j.last?.exit_code),
  perJob('hb_age_seconds', 'Seconds since the last heartbeat, at check time; negative when the heartbeat is in the future.', (j) => j.age_s),
  perJob('hb_period_seconds', 'The job period in seconds (for cron schedules, the gap around the next due time).', (j) => j.period_s),
  perJob('hb_grace_seconds', 'How long after the due time the job may still report before it is stale, in seconds.', (j) => j.grace_s),
  perJob('hb_due_timestamp_seconds', 'When the next run is or was due, in seconds since the epoch.', (j) => seconds(j.due)),
  perJob('hb_deadline_timestamp_seconds', 'When the job becomes stale (due time plus grace), in seconds since the epoch.', (j) => seconds(j.deadline)),
  perJob('hb_run_cycle', 'The cycle number of the last run; it grows by one per run and survives crashes.', (j) => j.last?.cycle),
  perJob('hb_running', '1 while a run of the job is in progress, else 0 (a crashed run is not running).', (j) => (j.running && j.status !== 'crashed' ? 1 : 0)),
  {
    name: 'hb_last_run_outcome',
    help: 'The outcome of the last run, one-hot: 1 for ok, warning, slow, suspicious or failed, 0 for the others; absent when no run is known. hb check --verbose names the reason.',
    lines: (j, label) => {
      const outcome = lastOutcome(j);
      if (outcome === null) return '';
      let out = '';
      for (let i = 0; i < ALL_OUTCOMES.length; i++) out += `hb_last_run_outcome{${label}${OUTCOME_LABELS[i]}${ALL_OUTCOMES[i] === outcome ? 1 : 0}\n`;
      return out;
    },
  },
  perJob(
    'hb_failed_runs_in_a_row',
    'Failed runs in a row the last run ends (0 after a success): what tolerate: {failed_runs} counts; absent when no run is known.',
    (j) => (!j.last ? null : j.last.status === 'error' ? failedInARow(j.last) : 0),
  ),
];

/** Renders the exposition text for the evaluated jobs; stable output, sorted by job name. */
export function renderPrometheus(jobs: readonly JobHealth[], ctx: PrometheusContext): string {
  let out = '';
  for (const part of prometheusParts(jobs, ctx)) out += part;
  return out;
}

/**
 * The same text as renderPrometheus, in parts (a family's header, then one job's lines at a
 * time), so that a caller can write it out as it goes: 100,000 jobs make 150 MB of metrics.
 */
export function* prometheusParts(jobs: readonly JobHealth[], ctx: PrometheusContext): Generator<string> {
  const list = uniqueByName(jobs);
  const header = (name: string, help: string) => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} gauge\n`;
  const family = (name: string, help: string, samples: Array<{ labels: Labels; value: number }>): string =>
    header(name, help) + samples.map((s) => `${name}${labelSet(s.labels)} ${formatValue(s.value)}\n`).join('');
  yield family('hb_check_timestamp_seconds', 'When hb check evaluated the jobs, in seconds since the epoch.', [{ labels: [], value: ctx.nowMs / 1000 }]);
  yield family('hb_jobs', 'Number of jobs hb check evaluated.', [{ labels: [], value: list.length }]);
  yield family('hb_problems', 'Number of jobs with a problem; hb check exits 1 when this is above 0.', [
    { labels: [], value: list.filter((j) => j.problem).length },
  ]);
  // Only a check that reads the outbox knows these; a missing series is better than a wrong 0.
  if (ctx.notifications) {
    yield family('hb_notifications_pending', 'Notifications waiting in the outbox for a retry.', [{ labels: [], value: ctx.notifications.pending }]);
    yield family('hb_notifications_failed', 'Notifications given up after repeated delivery failures (see outbox/failed).', [
      { labels: [], value: ctx.notifications.failed },
    ]);
  }
  if (ctx.untrusted) {
    yield family(
      'hb_state_dir_untrusted',
      'State directories hb check, run as root, did not read because other users can change them: 1 each; hb check exits 1 while there is one.',
      ctx.untrusted.map((u) => ({ labels: [['dir', u.dir]], value: 1 })),
    );
  }
  // Every family is written even with no jobs, so rules and dashboards see the same names.
  const labels = list.map((j) => `hb_job="${escapeLabel(j.job)}"`);
  for (const f of JOB_FAMILIES) {
    yield header(f.name, f.help);
    for (let i = 0; i < list.length; i++) {
      const lines = f.lines(list[i]!, labels[i]!, ctx.nowMs);
      if (lines) yield lines;
    }
  }
}

// A job read from two state directories must not yield duplicate series: node_exporter drops a
// whole file that has one. Keep the worse verdict, since hiding a problem is the costly mistake.
function uniqueByName(jobs: readonly JobHealth[]): JobHealth[] {
  const byName = new Map<string, JobHealth>();
  for (const j of jobs) {
    const seen = byName.get(j.job);
    if (!seen || (j.problem && !seen.problem)) byName.set(j.job, j);
  }
  return [...byName.values()].sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}

// The same label names for every job, so `group_left(schedule)` works whatever the schedule kind.
function scheduleLabels(j: JobHealth): Labels {
  const s = j.schedule;
  const schedule = !s ? '' : 'every' in s ? `every ${s.every}` : `cron ${s.cron}`;
  const tz = s && 'cron' in s ? (s.tz ?? '') : '';
  return [
    ['schedule', schedule],
    ['tz', tz],
    ['schedule_source', j.schedule_source ?? ''],
  ];
}

function labelSet(labels: Labels): string {
  return labels.length === 0 ? '' : `{${labelPairs(labels)}}`;
}

function labelPairs(labels: Labels): string {
  return labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

/** Escapes a label value as the text format requires: backslash, double quote, newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value; the text format spells the special floats NaN, +Inf and -Inf. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
