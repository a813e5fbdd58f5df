// The report as Markdown: blockers first, then one table row per job, then the totals.

import { shortDuration, shortTime, windowLabel } from '../report/human.ts';
import type { JobReport, Report } from '../report/types.ts';
import { inert, visible } from '../visible.ts';
import { failedOutputHeading } from '../history/failed-output.ts';

/**
 * Text safe in a Markdown table cell: pipes and inline markup are backslash-escaped, a newline
 * (which would end the row) becomes a space, `<` cannot open raw HTML, and other control
 * characters are written out (a report is often read with `cat`).
 */
export function cell(text: string): string {
  return visible(text.replace(/\r\n?|\n|\u2028|\u2029/g, ' '))
    .replace(/[\\`*_[\]|<>~#&]/g, '\\$&')
    .trim();
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** `3 (1 open)`: incidents opened in the window, and those still open. */
function incidents(j: JobReport): string {
  return j.incidents.open > 0 ? `${j.incidents.opened} (${j.incidents.open} open)` : String(j.incidents.opened);
}

/** The one-line headline: what a person sees first in a notification or a mail subject. */
export function reportHeadline(r: Report): string {
  const b = r.totals.blockers;
  const t = r.totals;
  return `${b === 0 ? 'no blockers' : `${b} blocker${b === 1 ? '' : 's'}`}, ${t.runs} run${t.runs === 1 ? '' : 's'}, ${t.failures} failed, ${t.crashes} crashed`;
}

/** A fence no run of backticks in `text` can close: one backtick longer than its longest run, at least three. */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Each job's kept output of failed runs: a heading per job, a line per run, its tail in a fenced block, control characters written out. */
function failedOutputLines(r: Report): string[] {
  const jobs = r.jobs.filter((j) => j.failed_outputs.length > 0);
  if (jobs.length === 0) return [];
  const out = ['', '## Output of failed runs'];
  for (const j of jobs) {
    out.push('', `### ${cell(j.job)}`);
    if (j.failed_outputs_omitted > 0) {
      const n = j.failed_outputs_omitted;
      out.push('', `${n} earlier failed run${n === 1 ? '' : 's'} in this window not shown: \`hb log ${j.job} --output\`.`);
    }
    for (const e of j.failed_outputs) {
      out.push('', cell(failedOutputHeading(e)), '');
      if (e.output_tail === null) {
        out.push('No output kept (the job keeps no tail).');
        continue;
      }
      const text = inert(e.output_tail).replace(/\r?\n$/, '');
      const fence = fenceFor(text);
      out.push(`${fence}text`, text, fence);
    }
  }
  return out;
}

/** How to render: `failedOutputs: false` leaves the output of failed runs out (a message sent through sinks stays short). */
export interface MarkdownOptions {
  failedOutputs?: boolean;
}

/** The whole report as Markdown. */
export function renderMarkdown(r: Report, options: MarkdownOptions = {}): string {
  const window = windowLabel(Date.parse(r.until) - Date.parse(r.since));
  const out: string[] = [
    `# hb report: ${cell(r.host)}`,
    '',
    `${window} from ${shortTime(r.since)} to ${shortTime(r.until)}: ${reportHeadline(r)}.`,
    '',
    '## Blockers',
    '',
  ];
  if (r.blockers.length === 0) out.push('None: every job is healthy, no incident is open and no recovery is blocked.');
  else {
    out.push(row(['job', 'status', 'why', 'since']), row(['---', '---', '---', '---']));
    for (const b of r.blockers) {
      for (const [i, why] of b.reasons.entries()) {
        out.push(row([i === 0 ? `**${cell(b.job)}**` : '', i === 0 ? cell(b.status ?? '-') : '', cell(why.text), why.since ? shortTime(why.since) : '']));
        // The cause line is a row of its own under the reason, in italics.
        if (why.cause) out.push(row(['', '', `↳ _${cell(why.cause)}_`, '']));
      }
    }
  }
  out.push('', '## Jobs', '');
  if (r.jobs.length === 0) out.push('No jobs: no heartbeats, no configured jobs and no events in this window.');
  else {
    out.push(
      row(['job', 'status', 'runs', 'warnings', 'suspicious', 'slow', 'failures', 'crashes', 'timeouts', 'incidents', 'rollbacks', 'restarts', 'p50', 'p95']),
      row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const j of r.jobs) {
      out.push(
        row([
          cell(j.job),
          cell(j.status ?? '-'),
          String(j.runs),
          String(j.warnings),
          String(j.suspicious),
          String(j.slow),
          String(j.failures),
          String(j.crashes),
          String(j.timeouts),
          incidents(j),
          String(j.rollbacks),
          String(j.restarts),
          shortDuration(j.duration_ms.p50),
          shortDuration(j.duration_ms.p95),
        ]),
      );
    }
  }
  const t = r.totals;
  out.push(
    '',
    `Totals: ${t.jobs} jobs, ${t.runs} runs (${t.ok} ok, of which ${t.warnings} warned, ${t.suspicious} suspicious and ${t.slow} slow; ${t.failures} failed, ${t.timeouts} timed out), ${t.crashes} crashes, ` +
      `${t.incidents_opened} incidents opened (${t.open_incidents} open), ${t.rollbacks} rollbacks, ${t.restarts} restarts, ${t.notify_failures} failed notifications.`,
  );
  if (options.failedOutputs !== false) out.push(...failedOutputLines(r));
  out.push('');
  return out.join('\n');
}
