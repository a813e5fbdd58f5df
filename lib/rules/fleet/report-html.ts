// The fleet report as one self-contained HTML page: no script, nothing from the network, every
// outside string escaped; blockers first, then hosts, then jobs by host.

import { esc, REPORT_CSP } from '../format/report-html.ts';
import { shortDuration, shortTime, windowLabel } from '../report/human.ts';
import { statusText } from './panel.ts';
import type { FleetReport } from './report.ts';
import { fleetHeadline } from './report-markdown.ts';

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--card:#fff;--fg:#17202b;--muted:#5b6878;--line:#dde3ea;--bad:#e03131;--bad-bg:#fff0f0;--good:#2f9e44;--good-bg:#ebfbee}
@media (prefers-color-scheme:dark){:root{--bg:#0e1217;--card:#161c23;--fg:#e6edf3;--muted:#95a3b4;--line:#2a333e;--bad:#ff5c5c;--bad-bg:#2a1517;--good:#37b24d;--good-bg:#12261a}}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}h1{font-size:22px;margin:0}.sub{color:var(--muted);margin:4px 0 18px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px;margin:0 0 16px;overflow-x:auto}
.blockers{border-left:6px solid var(--bad);background:var(--bad-bg)}.blockers.none{border-left-color:var(--good);background:var(--good-bg)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-top:1px solid var(--line);white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{color:var(--bad);font-weight:600}`;

const pct = (r: number | null) => (r === null ? '-' : `${Math.round(r * 1000) / 10}%`);
const when = (iso: string | null) => (iso === null ? '-' : esc(shortTime(iso)));
const td = (text: string, n = false) => `<td${n ? ' class="n"' : ''}>${text}</td>`;

/** The whole fleet report as one HTML page. */
export function renderFleetHtml(r: FleetReport): string {
  const windowMs = Date.parse(r.until) - Date.parse(r.since);
  const blockers =
    r.blockers.length === 0
      ? '<section class="blockers none"><h2>No blockers</h2><p>Every host reports and no job is a problem.</p></section>'
      : `<section class="blockers"><h2>Blockers</h2><ul>${r.blockers
          .map(
            (b) => `<li><b>${esc(b.host)}${b.job === null ? '' : ` ${esc(b.job)}`}</b>: ${b.job === null ? `host ${esc(b.status)}: ` : ''}${esc(b.text)}</li>`,
          )
          .join('')}</ul></section>`;
  const hosts = r.hosts
    .map(
      (h) =>
        `<tr${h.blocker ? ' class="bad"' : ''}>${td(esc(h.host))}${td(esc(h.state))}${td(when(h.checked_at))}${td(pct(h.up_ratio), true)}${td(String(h.jobs), true)}${td(String(h.problems), true)}</tr>`,
    )
    .join('');
  const jobs = [...r.jobs]
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.job < b.job ? -1 : a.job > b.job ? 1 : 0))
    .map(
      (j) =>
        `<tr${j.blocker ? ' class="bad"' : ''}>${td(esc(j.host))}${td(esc(j.job))}${td(esc(statusText(j)))}${td(esc(j.reason_class ?? '-'))}${td(j.exit_code === null ? '-' : String(j.exit_code), true)}${td(j.runs === null ? '-' : String(j.runs), true)}${td(pct(j.problem_ratio), true)}${td(j.longest_s === null ? '-' : esc(shortDuration(j.longest_s * 1000)), true)}${td(when(j.last_run_at))}${td(when(j.last_success_at))}</tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>hb fleet report: ${esc(fleetHeadline(r))}</title><style>${CSS}</style></head>
<body><main><h1>hb fleet report: ${esc(fleetHeadline(r))}</h1>
<p class="sub">Last ${esc(windowLabel(windowMs))}, ${when(r.since)} to ${when(r.until)}, from Prometheus ${esc(r.prometheus)} (hosts by ${esc(r.host_label)})</p>
${blockers}
<section><h2>Hosts</h2><table><thead><tr><th>host</th><th>state</th><th>last check</th><th>scrapes up</th><th>jobs</th><th>problems</th></tr></thead><tbody>${hosts}</tbody></table></section>
<section><h2>Jobs</h2><table><thead><tr><th>host</th><th>job</th><th>status</th><th>reason</th><th>exit</th><th>runs</th><th>time as a problem</th><th>longest run</th><th>last run</th><th>last success</th></tr></thead><tbody>${jobs}</tbody></table></section>
</main></body></html>
`;
}
