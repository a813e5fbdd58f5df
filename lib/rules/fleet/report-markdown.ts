// The fleet report as Markdown: blockers first, then the hosts, then every job by host.

import { cell } from '../format/report-markdown.ts';
import { shortDuration, shortTime, windowLabel } from '../report/human.ts';
import type { FleetReport } from './report.ts';
import { statusText } from './panel.ts';

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const pct = (r: number | null) => (r === null ? '-' : `${Math.round(r * 1000) / 10}%`);
const when = (iso: string | null) => (iso === null ? '-' : shortTime(iso));

/** The one-line headline, as the single-host report has. */
export function fleetHeadline(r: FleetReport): string {
  const b = r.blockers.length;
  const s = r.summary;
  return `${b === 0 ? 'no blockers' : `${b} blocker${b === 1 ? '' : 's'}`}, ${s.hosts} host${s.hosts === 1 ? '' : 's'}, ${s.jobs} job${s.jobs === 1 ? '' : 's'}, ${s.problems} with a problem`;
}

/** The whole fleet report as Markdown. */
export function renderFleetMarkdown(r: FleetReport): string {
  const windowMs = Date.parse(r.until) - Date.parse(r.since);
  const out = [
    `# hb fleet report: ${fleetHeadline(r)}`,
    '',
    `Last ${windowLabel(windowMs)}, ${shortTime(r.since)} to ${shortTime(r.until)}, from Prometheus ${cell(r.prometheus)} (hosts by \`${r.host_label}\`).`,
    '',
    '## Blockers',
    '',
  ];
  if (r.blockers.length === 0) out.push('None: every host reports and no job is a problem.');
  for (const b of r.blockers)
    out.push(`- **${cell(b.host)}${b.job === null ? '' : ` ${cell(b.job)}`}**: ${b.job === null ? `host ${b.status}: ` : ''}${cell(b.text)}`);
  out.push('', '## Hosts', '', row(['host', 'state', 'last check', 'scrapes up', 'jobs', 'problems']), row(['---', '---', '---', '---:', '---:', '---:']));
  for (const h of r.hosts) out.push(row([cell(h.host), cell(h.state), when(h.checked_at), pct(h.up_ratio), String(h.jobs), String(h.problems)]));
  out.push(
    '',
    '## Jobs',
    '',
    row(['host', 'job', 'status', 'reason', 'exit', 'runs', 'time as a problem', 'longest run', 'last run', 'last success']),
    row(['---', '---', '---', '---', '---:', '---:', '---:', '---:', '---', '---']),
  );
  const jobs = [...r.jobs].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
  for (const j of jobs) {
    out.push(
      row([
        cell(j.host),
        cell(j.job),
        cell(statusText(j)),
        cell(j.reason_class ?? '-'),
        j.exit_code === null ? '-' : String(j.exit_code),
        j.runs === null ? '-' : String(j.runs),
        pct(j.problem_ratio),
        j.longest_s === null ? '-' : shortDuration(j.longest_s * 1000),
        when(j.last_run_at),
        when(j.last_success_at),
      ]),
    );
  }
  out.push(
    '',
    `Generated ${shortTime(r.generated_at)}. Runs are those Prometheus saw (the growth of hb_run_cycle); per-run detail stays on each host (\`hb report\` there).`,
    '',
  );
  return out.join('\n');
}
