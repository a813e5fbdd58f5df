// `hb check --format nagios`: one plugin answer (status line, perfdata, long output) per the
// Nagios/Monitoring Plugins guidelines, so Nagios, Icinga and Naemon can run hb as a check.

import type { JobHealth, JobStatus } from '../health/types.ts';
import { warnsUnscheduled } from '../health/unscheduled.ts';
import { formatDuration } from '../duration.ts';
import { inert } from '../visible.ts';
import { causeLine } from '../evidence/cause-line.ts';
import type { UntrustedDir } from '../../adapters/state/dir.ts';

/** What the renderer needs besides the jobs; `host` is accepted for parity with other renderers. */
export interface NagiosContext {
  nowMs: number;
  host?: string;
  /** State directories root did not read because other users can change them: CRITICAL. */
  untrusted?: readonly UntrustedDir[];
}

/** Plugin exit codes: OK, WARNING, CRITICAL, UNKNOWN. */
export type NagiosExitCode = 0 | 1 | 2 | 3;

/** The complete plugin answer: print `text` to stdout, exit with `exitCode`. */
export interface NagiosResult {
  text: string;
  exitCode: NagiosExitCode;
}

const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

// The status line is what pagers and dashboards show; past this many names it stops being read.
const MAX_NAMED = 5;
const MAX_DETAIL = 60;
const MAX_LINE = 300;

/**
 * Renders the plugin answer for the evaluated jobs: problems (suspicious and slow runs among
 * them) → CRITICAL; late jobs, jobs without a schedule (hb cannot tell when they are late), runs
 * that succeeded with a warning and failures still within `tolerate: {failed_runs}` → WARNING.
 */
export function renderNagios(jobs: readonly JobHealth[], ctx: NagiosContext): NagiosResult {
  // Worst first, so the long output reads in the same order as the status line.
  const sorted = [...jobs].sort((a, b) => severity(b) - severity(a) || compare(a.job, b.job));
  const problems = sorted.filter((j) => j.problem);
  const late = sorted.filter((j) => !j.problem && j.status === 'late');
  const warned = sorted.filter((j) => !j.problem && j.status === 'warning');
  const tolerated = sorted.filter((j) => !j.problem && j.status === 'failed');
  const unscheduled = sorted.filter((j) => warnsUnscheduled(j.job, j));
  const untrusted = ctx.untrusted ?? [];
  const warnings = late.length + warned.length + tolerated.length + unscheduled.length;
  const exitCode: NagiosExitCode = problems.length > 0 || untrusted.length > 0 ? 2 : warnings > 0 ? 1 : 0;

  const n = jobs.length;
  const verdict = (j: JobHealth) => `${j.job} ${j.status}${paren(detail(j, ctx.nowMs))}`;
  let summary: string;
  if (problems.length > 0) {
    summary = `${problems.length} of ${n} ${plural(n)} unhealthy: ${nameList(problems, verdict)}`;
  } else if (warnings > 0) {
    const parts = [];
    if (late.length > 0) parts.push(`${late.length} of ${n} ${plural(n)} late: ${nameList(late, verdict)}`);
    if (warned.length > 0) parts.push(`${warned.length} of ${n} ${plural(n)} warned: ${nameList(warned, verdict)}`);
    if (tolerated.length > 0) parts.push(`${tolerated.length} of ${n} ${plural(n)} failed within tolerance: ${nameList(tolerated, verdict)}`);
    if (unscheduled.length > 0) {
      const they = unscheduled.length === 1 ? 'it is' : 'they are';
      parts.push(`${unscheduled.length} of ${n} ${plural(n)} without a schedule (hb cannot tell when ${they} late): ${nameList(unscheduled, (j) => j.job)}`);
    }
    summary = parts.join('; ');
  } else if (n === 0) {
    // An empty state directory is healthy for `hb check` too; saying so beats a bare "0 jobs".
    summary = 'no jobs to check';
  } else {
    summary = `${n} ${plural(n)} healthy`;
  }

  // An untrusted state directory comes first: the verdicts after it cover only what root did read.
  const dirs = untrusted.map((u) => `state directory ${u.dir} untrusted, not read (${u.why}): ${u.fix}`);
  if (dirs.length > 0) summary = `${dirs.join('; ')}; ${summary}`;
  const first = `HB ${STATE_NAMES[exitCode]} - ${clean(summary, Infinity)} | ${perfdata(sorted, problems.length, ctx.nowMs)}`;
  const long = untrusted
    .map((u) => clean(`CRITICAL state directory ${u.dir} untrusted - ${u.why}; fix: ${u.fix}`, MAX_LINE))
    .concat(sorted.flatMap((j) => [clean(`${STATE_NAMES[severity(j)]} ${j.job} ${j.status}${j.reason ? ` - ${j.reason}` : ''}`, MAX_LINE), ...causeOf(j)]));
  return { text: [first, ...long].join('\n') + '\n', exitCode };
}

/** A problem job's cause line, indented under its verdict in the long output (none for the others). */
function causeOf(j: JobHealth): string[] {
  const line = j.problem && (j.evidence.length > 0 || j.root_cause) ? causeLine(j) : null;
  return line ? [`  ${clean(line, MAX_LINE)}`] : [];
}

/** The answer for a usage or config error: UNKNOWN (3), never 2, as plugins must. */
export function renderNagiosError(message: string): NagiosResult {
  return { text: `HB UNKNOWN - ${clean(message, Infinity)}\n`, exitCode: 3 };
}

// A verdict that is no problem yet asks for a look: late, warned, failed within tolerance, unscheduled.
const WARNING_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['late', 'warning', 'failed']);

function severity(j: JobHealth): NagiosExitCode {
  return j.problem ? 2 : WARNING_STATUSES.has(j.status) || warnsUnscheduled(j.job, j) ? 1 : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number): string {
  return n === 1 ? 'job' : 'jobs';
}

function nameList(jobs: JobHealth[], show: (j: JobHealth) => string): string {
  const named = jobs.slice(0, MAX_NAMED).map(show);
  const more = jobs.length - named.length;
  return named.join(', ') + (more > 0 ? `, and ${more} more` : '');
}

function paren(text: string | null): string {
  return text ? ` (${text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text})` : '';
}

// A few words that say why, built from structured fields so they stay short and predictable.
function detail(j: JobHealth, nowMs: number): string | null {
  const since = (iso: string | null | undefined): string | null => {
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(t) ? null : formatDuration(nowMs - t);
  };
  const byStatus: Partial<Record<JobStatus, () => string | null>> = {
    late: () => ago('due', since(j.due)),
    stale: () => ago('due', since(j.due)),
    failed: () => failure(j),
    warning: () => j.last?.reason ?? null,
    suspicious: () => j.last?.reason ?? 'under min_duration',
    slow: () => j.last?.reason ?? null,
    crashed: () => ago('started', since(j.running?.started_at)),
    overrunning: () => (since(j.running?.started_at) ? `running ${since(j.running?.started_at)}` : null),
    never: () => 'no heartbeat',
    corrupt: () => j.reason || null,
    clock_skew: () => (j.age_s !== null && j.age_s < 0 ? `heartbeat ${formatDuration(-j.age_s * 1000)} in the future` : null),
  };
  return byStatus[j.status]?.() ?? null;
}

function ago(what: string, span: string | null): string | null {
  return span ? `${what} ${span} ago` : null;
}

function failure(j: JobHealth): string | null {
  const last = j.last;
  if (!last) return null;
  // An outcome rule failed the run (an output match, a missing artifact): its exit code says nothing.
  if (last.reason) return last.reason;
  if (last.timed_out) return 'timed out';
  if (last.signal) return `signal ${last.signal}`;
  return last.exit_code !== null ? `exit ${last.exit_code}` : null;
}

function perfdata(jobs: JobHealth[], problems: number, nowMs: number): string {
  const parts = [`'jobs'=${jobs.length};;;0`, `'problems'=${problems};;;0`];
  for (const j of [...jobs].sort((a, b) => compare(a.job, b.job))) {
    const [warn, crit] = thresholds(j, nowMs);
    parts.push(`${label(`${j.job}_age`)}=${j.age_s === null ? 'U' : `${num(j.age_s)}s`};${warn};${crit};0`);
  }
  return parts.join(' ');
}

// Age thresholds in seconds since the last heartbeat: warn once due, critical once stale.
// From due/deadline when known, because a cron job's due age is not its period.
function thresholds(j: JobHealth, nowMs: number): [string, string] {
  const due = j.due ? Date.parse(j.due) : NaN;
  const deadline = j.deadline ? Date.parse(j.deadline) : NaN;
  if (j.age_s !== null && !Number.isNaN(due) && !Number.isNaN(deadline)) {
    const lastMs = nowMs - j.age_s * 1000;
    return [num(Math.round((due - lastMs) / 1000)), num(Math.round((deadline - lastMs) / 1000))];
  }
  if (j.period_s === null) return ['', ''];
  return [num(j.period_s), num(j.period_s + (j.grace_s ?? j.period_s))];
}

// Perfdata labels are quoted; a quote inside is doubled, and `=` would end the label.
function label(text: string): string {
  return `'${clean(text, Infinity).replace(/=/g, '_').replace(/'/g, "''")}'`;
}

// Perfdata values are plain decimals; millisecond precision keeps them short.
function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : 'U';
}

// Job data (reasons, messages) may hold anything: keep each output line one line, bidi and
// zero-width characters written out, and `|` out, since Nagios reads the first pipe as the start of perfdata.
function clean(text: string, max: number): string {
  const one = inert(text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' '))
    .replace(/\|/g, '/')
    .trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
