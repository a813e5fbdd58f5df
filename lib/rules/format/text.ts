// Human output: the check summary and the status panel (aligned; coloured only when asked).

import { formatDuration } from '../duration.ts';
import type { JobHealth, JobStatus } from '../health/types.ts';
import { unscheduledSummary } from '../health/unscheduled.ts';
import type { UntrustedDir } from '../../adapters/state/dir.ts';
import { visible } from '../visible.ts';
import { causeLine } from '../evidence/cause-line.ts';

/** Terminal styling; `color: false` gives plain text for pipes and cron mail. */
export interface TextStyle {
  color: boolean;
  /** `hb check --verbose`: the cause line also names what was ruled out. */
  verbose?: boolean;
}

// The colours of verdicts that are not problems (a problem is bold red, whatever its status):
// yellow asks for a look (late, a warning, a failure still within `tolerate: {failed_runs}`).
const COLORS: Partial<Record<JobStatus, string>> = {
  ok: '32',
  running: '36',
  late: '33',
  warning: '33',
  failed: '33',
  paused: '90',
  unscheduled: '33',
};

function paint(text: string, status: JobStatus, problem: boolean, style: TextStyle): string {
  if (!style.color) return text;
  const code = problem ? '31;1' : (COLORS[status] ?? '0');
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** What the summary line counts; `warnings` (jobs whose last run succeeded with a warning) may be left out. */
export interface CheckCounts {
  total: number;
  problems: number;
  unscheduled: number;
  warnings?: number;
}

/**
 * The `hb check` text: one line per job shown (the problems and the jobs without a schedule, or
 * all with --verbose), under it a line saying why when the explain stage found something, one line per action recovery took in this check, then a summary that
 * counts both.
 */
export function renderCheckText(
  shown: JobHealth[],
  counts: CheckCounts,
  style: TextStyle,
  actions: readonly string[] = [],
  untrusted: readonly UntrustedDir[] = [],
): string {
  let out = '';
  for (const part of checkTextParts(shown, counts, style, actions, untrusted)) out += part;
  return out;
}

/**
 * The same text as renderCheckText, a line at a time (each with its newline), so that a caller
 * can write it out as it goes: a host-wide outage lists 100,000 jobs.
 */
export function* checkTextParts(
  shown: JobHealth[],
  counts: CheckCounts,
  style: TextStyle,
  actions: readonly string[] = [],
  untrusted: readonly UntrustedDir[] = [],
): Generator<string> {
  const width = widest(shown, (j) => j.job);
  const statusWidth = widest(shown, (j) => j.status);
  // A directory root would not read is a problem of its own, listed with what fixes it.
  for (const u of untrusted) {
    yield `${visible(u.dir)}  ${paint('UNTRUSTED', 'failed', true, style)}  not read by root: ${visible(u.why)}; fix: ${visible(u.fix)}\n`;
  }
  // The cause line sits under the reason, where the eye already is; it is never wrapped.
  const indent = ' '.repeat(width + statusWidth + 4);
  for (const j of shown) {
    yield `${j.job.padEnd(width)}  ${paint(j.status.toUpperCase().padEnd(statusWidth), j.status, j.problem, style)}  ${visible(j.reason)}\n`;
    const cause = j.evidence.length > 0 || j.root_cause ? causeLine(j, { verbose: style.verbose }) : null;
    if (cause) yield `${indent}${visible(cause)}\n`;
  }
  for (const a of actions) yield `recovery: ${visible(a)}\n`;
  const { total, problems, unscheduled, warnings = 0 } = counts;
  const jobs = `job${total === 1 ? '' : 's'}`;
  const health =
    total === 0
      ? 'no jobs: no heartbeats in the state directory and none configured'
      : problems === 0
        ? `all ${total} ${jobs} healthy`
        : `${problems} of ${total} ${jobs} unhealthy`;
  const notes = [health];
  if (warnings > 0) notes.push(`${warnings} with a warning`);
  if (unscheduled > 0) notes.push(unscheduledSummary(unscheduled));
  if (untrusted.length > 0) notes.push(`${untrusted.length} untrusted state director${untrusted.length === 1 ? 'y' : 'ies'} not read`);
  yield `${notes.join('; ')}\n`;
}

/** The `hb status` panel. */
export function renderStatusTable(jobs: JobHealth[], style: TextStyle): string {
  let out = '';
  for (const part of statusTableParts(jobs, style)) out += part;
  return out;
}

const STATUS_HEADER = ['JOB', 'STATUS', 'AGE', 'INTERVAL', 'RATIO', 'EXIT', 'DURATION', 'CYCLE', 'ACTION'];

/** A job's cells in the status panel, in the order of STATUS_HEADER. */
function statusCells(j: JobHealth): string[] {
  return [
    j.job,
    j.status,
    j.age_s === null ? '-' : formatDuration(j.age_s * 1000),
    j.period_s === null ? '-' : formatDuration(j.period_s * 1000),
    j.ratio === null ? '-' : j.ratio.toFixed(2),
    j.last ? (j.last.signal ?? String(j.last.exit_code ?? '-')) : '-',
    j.last ? formatDuration(j.last.duration_ms) : '-',
    j.last ? String(j.last.cycle) : j.running ? String(j.running.cycle) : '-',
    j.last?.action ? oneLine(j.last.action, 40) : '-',
  ];
}

/**
 * The same panel as renderStatusTable, a line at a time (each with its newline). The cells are
 * made twice, once to measure the columns and once to write them, rather than kept for 100,000 jobs.
 */
export function* statusTableParts(jobs: JobHealth[], style: TextStyle): Generator<string> {
  if (jobs.length === 0) {
    yield 'no jobs yet: run `hb tick JOB --every 15m` or configure jobs in hb.yaml\n';
    return;
  }
  const widths = STATUS_HEADER.map((h) => h.length);
  for (const j of jobs) {
    const cells = statusCells(j);
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, cells[i]!.length);
  }
  // Pad before painting so colour codes do not break the alignment.
  const fmt = (cells: string[], j?: JobHealth) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return i === 1 && j ? paint(padded, j.status, j.problem, style) : padded;
      })
      .join('  ')
      .trimEnd() + '\n';
  yield fmt(STATUS_HEADER);
  for (const j of jobs) yield fmt(statusCells(j), j);
}

/**
 * The length of the longest `text(item)` (0 for no items). A loop, not `Math.max(...lengths)`:
 * spreading 150,000 jobs into one call overflows the stack.
 */
function widest<T>(items: readonly T[], text: (item: T) => string): number {
  let width = 0;
  for (const item of items) width = Math.max(width, text(item).length);
  return width;
}

function oneLine(text: string, max: number): string {
  const line = visible(text.replace(/\s+/g, ' ').trim());
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
