// `hb check --format prometheus` and `--textfile`: the Prometheus text exposition format 0.0.4,
// clean under `promtool check metrics` and readable by node_exporter's textfile collector.

import type { JobHealth, JobStatus } from '../health/types.ts';
import type { UntrustedDir } from '../../adapters/state/dir.ts';

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
};

/** Every status, in the order the one-hot `hb_job_status` family lists them. */
export const ALL_STATUSES = Object.keys(STATUS_ORDER) as readonly JobStatus[];

type Labels = Array<[string, string]>;
type Sample = { labels: Labels; value: number };

interface Family {
  name: string;
  help: string;
  samples: (j: JobHealth, nowMs: number) => Sample[];
}

// One sample labelled with the job, or none when the value is unknown: an absent series lets
// `absent()`/`unless` express "unknown", where NaN would poison every comparison. An infinite
// value is no measurement either (records are range-checked when read; this is the last guard).
const perJob =
  (value: (j: JobHealth, nowMs: number) => number | null | undefined) =>
  (j: JobHealth, nowMs: number): Sample[] => {
    const v = value(j, nowMs);
    return v === null || v === undefined || !Number.isFinite(v) ? [] : [{ labels: [['hb_job', j.job]], value: v }];
  };

const seconds = (iso: string | null | undefined): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? null : t / 1000;
};

// The job's families, in output order. Names end in their unit and avoid `_total`, since all are
// gauges: they describe the last run, not a count that only grows.
const JOB_FAMILIES: Family[] = [
  {
    name: 'hb_job_healthy',
    help: '1 when the job is healthy, 0 when it has a problem (stale, failed, crashed, overrunning, never, corrupt, clock_skew, recovery_exhausted, recovery_failed, recovery_refused; unscheduled under unscheduled: problem).',
    samples: perJob((j) => (j.problem ? 0 : 1)),
  },
  {
    name: 'hb_problem',
    help: '1 when the job has a problem that makes hb check exit 1, else 0.',
    samples: perJob((j) => (j.problem ? 1 : 0)),
  },
  {
    name: 'hb_job_status',
    help: 'The job status, one-hot: 1 for the current status, 0 for every other.',
    samples: (j) =>
      ALL_STATUSES.map((s) => ({
        labels: [
          ['hb_job', j.job],
          ['status', s],
        ],
        value: s === j.status ? 1 : 0,
      })),
  },
  {
    name: 'hb_job_info',
    help: 'Always 1; labels carry the job schedule and where it came from, for alert annotations.',
    samples: (j) => [{ labels: [['hb_job', j.job], ...scheduleLabels(j)], value: 1 }],
  },
  {
    name: 'hb_last_run_timestamp_seconds',
    help: 'Start of the last run (the heartbeat time), in seconds since the epoch.',
    samples: perJob((j, nowMs) => seconds(j.last?.started_at) ?? (j.age_s === null ? null : nowMs / 1000 - j.age_s)),
  },
  {
    name: 'hb_last_success_timestamp_seconds',
    help: 'Start of the last successful run, in seconds since the epoch; absent when none is known.',
    samples: perJob((j) => seconds(j.last_success_at)),
  },
  {
    name: 'hb_last_duration_seconds',
    help: 'How long the last run took, in seconds.',
    samples: perJob((j) => (j.last ? j.last.duration_ms / 1000 : null)),
  },
  {
    name: 'hb_last_exit_code',
    help: 'Exit code of the last run; absent when it was killed by a signal or only touched.',
    samples: perJob((j) => j.last?.exit_code),
  },
  {
    name: 'hb_age_seconds',
    help: 'Seconds since the last heartbeat, at check time; negative when the heartbeat is in the future.',
    samples: perJob((j) => j.age_s),
  },
  {
    name: 'hb_period_seconds',
    help: 'The job period in seconds (for cron schedules, the gap around the next due time).',
    samples: perJob((j) => j.period_s),
  },
  {
    name: 'hb_grace_seconds',
    help: 'How long after the due time the job may still report before it is stale, in seconds.',
    samples: perJob((j) => j.grace_s),
  },
  {
    name: 'hb_due_timestamp_seconds',
    help: 'When the next run is or was due, in seconds since the epoch.',
    samples: perJob((j) => seconds(j.due)),
  },
  {
    name: 'hb_deadline_timestamp_seconds',
    help: 'When the job becomes stale (due time plus grace), in seconds since the epoch.',
    samples: perJob((j) => seconds(j.deadline)),
  },
  {
    name: 'hb_run_cycle',
    help: 'The cycle number of the last run; it grows by one per run and survives crashes.',
    samples: perJob((j) => j.last?.cycle),
  },
  {
    name: 'hb_running',
    help: '1 while a run of the job is in progress, else 0 (a crashed run is not running).',
    samples: perJob((j) => (j.running && j.status !== 'crashed' ? 1 : 0)),
  },
];

/** Renders the exposition text for the evaluated jobs; stable output, sorted by job name. */
export function renderPrometheus(jobs: readonly JobHealth[], ctx: PrometheusContext): string {
  const list = uniqueByName(jobs);
  const out: string[] = [];
  const family = (name: string, help: string, samples: Sample[]): void => {
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`);
    for (const s of samples) out.push(`${name}${labelSet(s.labels)} ${formatValue(s.value)}`);
  };
  family('hb_check_timestamp_seconds', 'When hb check evaluated the jobs, in seconds since the epoch.', [{ labels: [], value: ctx.nowMs / 1000 }]);
  family('hb_jobs', 'Number of jobs hb check evaluated.', [{ labels: [], value: list.length }]);
  family('hb_problems', 'Number of jobs with a problem; hb check exits 1 when this is above 0.', [{ labels: [], value: list.filter((j) => j.problem).length }]);
  // Only a check that reads the outbox knows these; a missing series is better than a wrong 0.
  if (ctx.notifications) {
    family('hb_notifications_pending', 'Notifications waiting in the outbox for a retry.', [{ labels: [], value: ctx.notifications.pending }]);
    family('hb_notifications_failed', 'Notifications given up after repeated delivery failures (see outbox/failed).', [
      { labels: [], value: ctx.notifications.failed },
    ]);
  }
  if (ctx.untrusted) {
    family(
      'hb_state_dir_untrusted',
      'State directories hb check, run as root, did not read because other users can change them: 1 each; hb check exits 1 while there is one.',
      ctx.untrusted.map((u) => ({ labels: [['dir', u.dir]], value: 1 })),
    );
  }
  // Every family is written even with no jobs, so rules and dashboards see the same names.
  for (const f of JOB_FAMILIES)
    family(
      f.name,
      f.help,
      list.flatMap((j) => f.samples(j, ctx.nowMs)),
    );
  return out.join('\n') + '\n';
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
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
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
