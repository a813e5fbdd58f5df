// The output of failed runs in the report: which jobs the report reads it for, and how much of
// it a report holds (a few runs per job, the end of each tail, a budget for the whole report), so
// a night of a thousand failing jobs with 1 MiB tails still makes a report of bounded size. Pure.

import type { FailedOutput } from '../history/failed-output.ts';
import { validateJobName } from '../job-name.ts';
import type { JobReport } from './types.ts';

/** Failed runs shown per job: the newest of those in the window. */
export const REPORT_OUTPUTS_PER_JOB = 3;
/** Characters kept of each tail: its end, where the error usually is. */
export const REPORT_TAIL_CHARS = 8 * 1024;
/** Characters of output in the whole report; past it, later jobs show none (and count it as omitted). */
export const REPORT_OUTPUT_BUDGET_CHARS = 4 * 1024 * 1024;

/**
 * Whether the report reads `history/<job>.failed.jsonl` for this job: only with a failed run in
 * the window, and only for a valid job name (a name from a tampered log never makes a path).
 */
export const wantsFailedOutputs = (job: JobReport): boolean => job.failures > 0 && validateJobName(job.job) === null;

/** The end of `tail`, at most `max` characters, starting after a line break when one is near. */
export function tailEnd(tail: string, max: number = REPORT_TAIL_CHARS): string {
  if (tail.length <= max) return tail;
  const cut = tail.slice(tail.length - max);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < cut.length - 1 && nl < 200 ? cut.slice(nl + 1) : cut;
}

/** What attaching found: the job with its outputs, and the characters they took of the budget. */
export interface Attached {
  job: JobReport;
  chars: number;
}

/**
 * The job with `failed_outputs` set: of `entries` (any order, from every state directory), those
 * that finished in [sinceMs, untilMs], the newest REPORT_OUTPUTS_PER_JOB, oldest first, each tail
 * cut to its end, as long as they fit in `budgetChars`; `failed_outputs_omitted` counts the rest.
 */
export function attachFailedOutputs(job: JobReport, entries: readonly FailedOutput[], sinceMs: number, untilMs: number, budgetChars: number): Attached {
  const inWindow = entries
    .filter((e) => {
      const at = Date.parse(e.finished_at);
      return at >= sinceMs && at <= untilMs;
    })
    .sort((a, b) => (a.finished_at < b.finished_at ? -1 : a.finished_at > b.finished_at ? 1 : 0));
  const newest = inWindow.slice(-REPORT_OUTPUTS_PER_JOB);
  const kept: FailedOutput[] = [];
  let chars = 0;
  for (let i = newest.length - 1; i >= 0; i--) {
    const e = newest[i]!;
    const tail = e.output_tail === null ? null : tailEnd(e.output_tail);
    const size = (tail?.length ?? 0) + (e.reason?.length ?? 0);
    if (chars + size > budgetChars) break;
    kept.unshift({ ...e, output_tail: tail });
    chars += size;
  }
  return { job: { ...job, failed_outputs: kept, failed_outputs_omitted: inWindow.length - kept.length }, chars };
}

/** The HTML id of a job's section of failed output, and of its `n`th run there (0: the oldest shown). */
export const failedOutputsAnchor = (job: string): string => `failed-outputs-${job}`;
export const failedOutputAnchor = (job: string, n: number): string => `failed-output-${job}-${n + 1}`;
