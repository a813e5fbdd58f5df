// `hb report`: the nightly report. Judge every job, read the event log, build the report purely,
// render it (Markdown, HTML or JSON), print or write it atomically, and optionally send it.

import { statSync } from 'node:fs';
import { HbError, UsageError } from '../../lib/rules/errors.ts';
import { eventsIn } from '../../lib/adapters/events/read.ts';
import { REPORT_JOB } from '../../lib/rules/job-name.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { mergeByTime } from '../../lib/rules/report/merge.ts';
import type { Report } from '../../lib/rules/report/types.ts';
import type { FailedOutput } from '../../lib/rules/history/failed-output.ts';
import { attachFailedOutputs, REPORT_OUTPUT_BUDGET_CHARS, wantsFailedOutputs } from '../../lib/rules/report/failed-outputs.ts';
import { reportJsonParts } from '../../lib/rules/format/report-json.ts';
import { inPieces } from '../../lib/rules/format/pieces.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';
import type { GlobalOptions } from '../context.ts';
import { evaluateAll } from '../../lib/check/evaluate.ts';
import { readCheckScope } from '../../lib/check/scope.ts';
import { checkEffects, deliveryEffects } from '../effects.ts';
import type { Io } from '../io.ts';
import { warnUntrusted } from '../untrusted.ts';
import type { FleetFlags } from './fleet.ts';

/** The window when --since is not given. */
const DEFAULT_WINDOW_MS = 24 * 3_600_000;

interface ReportOptions extends GlobalOptions, FleetFlags {
  /** ms, from parseSince. */
  since?: number;
  format?: 'markdown' | 'html' | 'json';
  output?: string;
  send?: boolean;
}

/** Runs `hb report` and returns its exit code (0; bad flags and unwritable files throw exit 2). */
export async function runReport(opts: ReportOptions, io: Io): Promise<number> {
  const windowMs = opts.since ?? DEFAULT_WINDOW_MS;
  const format = opts.json ? 'json' : (opts.format ?? 'markdown');
  // `--output -` is stdout, as for most tools that take an output file.
  const output = opts.output === '-' ? undefined : opts.output;
  if (opts.prometheus !== undefined && opts.send)
    throw new UsageError("report: --send is not available with --prometheus; send each host's own report, or mail the output");
  if (output !== undefined) await refuseOutput(output);
  // The fleet report reads Prometheus, not the state directory; its code loads only then.
  if (opts.prometheus !== undefined) {
    const fleetParts = await (await import('./fleet.ts')).fleetReportParts(opts, format, windowMs);
    if (output !== undefined) await writeOutput(output, [...fleetParts].join(''));
    else for (const piece of fleetParts) io.out(piece);
    return 0;
  }

  const { kept: health, dirs, untrusted, nowMs, config } = await evaluateAll(await readCheckScope([], opts, io), checkEffects(io), () => true);
  warnUntrusted(untrusted, io);
  // Before any work is written: --send without a sink that takes messages is a usage error.
  const sender = opts.send ? await sendingTo(config, dirs[0]!, io) : null;
  // Streamed: each directory's log is read a chunk at a time as the report counts it.
  const events = mergeByTime(dirs.map((d) => eventsIn(d)));
  const report = await withFailedOutputs(buildReport({ events, health, nowMs, windowMs, host: io.host }), dirs, io);

  const parts = await render(format, report);
  if (output !== undefined) await writeOutput(output, [...parts].join(''));
  // With --send the report goes to the sinks; stdout stays quiet so cron mails nothing twice,
  // unless `--output -` asks for it.
  else if (!sender || opts.output === '-') for (const piece of inPieces(parts)) io.out(piece);
  if (sender) await sender(report);
  return 0;
}

/**
 * The report with the output kept of each job's failed runs in the window (docs/state.md), read
 * from every state directory, one job's file at a time and only for jobs that failed in the
 * window; what is kept is bounded (lib/rules/report/failed-outputs.ts). A file hb will not read
 * (a link) is one line on stderr, and the report goes on without it.
 */
async function withFailedOutputs(report: Report, dirs: readonly string[], io: Io): Promise<Report> {
  if (!report.jobs.some(wantsFailedOutputs)) return report;
  const { readFailedOutputs } = await import('../../lib/adapters/history/failed-output.ts');
  const sinceMs = Date.parse(report.since);
  const untilMs = Date.parse(report.until);
  let budget = REPORT_OUTPUT_BUDGET_CHARS;
  const jobs = report.jobs.map((job) => {
    if (!wantsFailedOutputs(job)) return job;
    const entries: FailedOutput[] = [];
    for (const dir of dirs) {
      try {
        entries.push(...readFailedOutputs(dir, job.job));
      } catch (e) {
        io.err(`hb: the output of ${job.job}'s failed runs in ${dir} is not in the report: ${(e as Error).message}\n`);
      }
    }
    const attached = attachFailedOutputs(job, entries, sinceMs, untilMs, budget);
    budget -= attached.chars;
    return attached.job;
  });
  return { ...report, jobs };
}

/** The rendered report in parts (JSON a job at a time, so a big one is never one string; the others whole). */
async function render(format: string, report: Report): Promise<Iterable<string>> {
  if (format === 'json') return reportJsonParts(report);
  if (format === 'html') return [(await import('../../lib/rules/format/report-html.ts')).renderHtml(report)];
  return [(await import('../../lib/rules/format/report-markdown.ts')).renderMarkdown(report)];
}

/** Refuses, before any work, an output name hb must not replace: a directory, a link, a device, a FIFO, a socket. */
async function refuseOutput(path: string): Promise<void> {
  let isDir = path.endsWith('/');
  try {
    isDir ||= statSync(path).isDirectory();
  } catch {
    // Not there yet: it will be created.
  }
  if (isDir) throw new UsageError(`--output: ${path} is a directory; give a file name (e.g. ${path.replace(/\/+$/, '')}/report.html)`);
  const { outputRefusal } = await import('../../lib/adapters/fs/output-path.ts');
  const refusal = outputRefusal(path);
  if (refusal) throw new UsageError(`--output ${path}: ${refusal}`);
}

/** A temp file beside the target, fsynced, renamed over it: a reader never sees half a report. */
async function writeOutput(path: string, text: string): Promise<void> {
  const { writeBytesAtomic } = await import('../../lib/adapters/recover/atomic.ts');
  try {
    writeBytesAtomic(path, Buffer.from(text), 0o644);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new HbError(`--output: cannot write ${path}: ${err.code ?? err.message}${err.code === 'ENOENT' ? ' (its directory does not exist)' : ''}`, 2);
  }
}

/**
 * Checks that some sink receives messages, and returns the sender: the Markdown report as one
 * `message` through the sinks of job `hb-report` (the global ones, plus any under jobs.hb-report).
 */
async function sendingTo(config: HbConfig, dir: string, io: Io): Promise<(report: Report) => Promise<void>> {
  const [{ hasReceiver, sendNow }, { messageNotification }, { renderMarkdown, reportHeadline }] = await Promise.all([
    import('../../lib/adapters/alerts/delivery.ts'),
    import('../../lib/rules/alerts/notification.ts'),
    import('../../lib/rules/format/report-markdown.ts'),
  ]);
  if (!hasReceiver(config, REPORT_JOB, 'message')) {
    throw new UsageError(
      `--send: no sink receives messages${config.file ? ` in ${config.file}` : ' (no config file)'}: add a global notify: sink (or one under jobs.${REPORT_JOB})`,
    );
  }
  return async (report) => {
    const blocked = report.blockers.length > 0;
    const n = {
      ...messageNotification(REPORT_JOB, renderMarkdown(report, { failedOutputs: false }), io.host, Date.parse(report.generated_at), blocked ? 'failed' : 'ok'),
      problem: blocked,
      title: `[hb] report ${report.host}: ${reportHeadline(report)}`,
    };
    const warnings = await sendNow(config, dir, deliveryEffects(io), [n]);
    for (const w of warnings) io.err(`${w}\n`);
  };
}
