// `hb status JOB…` after the panel: for each job named, why it has its status (with every piece
// of evidence the check found, ruled-out causes included), how its last run
// ended and why, and the end of what that run printed, so `failed with exit 3` comes with the
// `ERROR: db unreachable` it printed. Text from the job is shown, never obeyed. Pure.

import type { JobHealth } from '../health/types.ts';
import { endedWith, indentedTail } from '../history/failed-output.ts';
import { visible } from '../visible.ts';
import { rootCauseText } from '../evidence/cause-line.ts';
import { rankEvidence } from '../evidence/types.ts';

/** Lines of the last run's output shown under a job. */
export const STATUS_TAIL_LINES = 20;

/** A job's detail, a line at a time (each with its newline), starting with a blank line. */
export function* statusDetailParts(j: JobHealth): Generator<string> {
  yield '\n';
  yield `${j.job}: ${j.status}: ${visible(j.reason)}\n`;
  yield* evidenceLines(j);
  const last = j.last;
  if (last === null) {
    yield '  no run recorded yet\n';
    return;
  }
  const outcome = last.outcome ?? (last.status === 'error' ? 'failed' : 'ok');
  const why = last.reason ? `: ${visible(last.reason)}` : '';
  yield `  last run: ${visible(last.started_at)}  cycle ${last.cycle}  ${endedWith(last)}  ${outcome}${why}\n`;
  if (last.output_tail === null) {
    yield '  output: none kept (a ping, or the job keeps no tail)\n';
    return;
  }
  const lines = indentedTail(last.output_tail, '    ', STATUS_TAIL_LINES);
  const total = last.output_tail === '' ? 0 : last.output_tail.replace(/\n$/, '').split('\n').length;
  yield total > STATUS_TAIL_LINES ? `  output (last ${STATUS_TAIL_LINES} of ${total} lines kept):\n` : '  output:\n';
  for (const line of lines) yield line + '\n';
}

/**
 * The root cause and every evidence item, most likely first, one per line with its weight in a
 * column: `  cause  no cron daemon is running …`. Nothing when the check found nothing.
 */
function* evidenceLines(j: JobHealth): Generator<string> {
  if (j.root_cause) yield `  root   ${visible(rootCauseText(j.root_cause))}\n`;
  for (const e of rankEvidence(j.evidence)) yield `  ${e.weight.padEnd(5)}  ${visible(e.text)}\n`;
}
