// The report as ONE self-contained HTML page: inline CSS and SVG, no script, nothing from the
// network (a Content-Security-Policy forbids it), light and dark. Every outside string is escaped.

import { shortDuration, shortTime, windowLabel } from '../report/human.ts';
import { position, ticks } from '../report/timeline-geometry.ts';
import type { Blocker, JobReport, Report, RunOutcome, TimelineRun } from '../report/types.ts';
import { inert } from '../visible.ts';
import { failedOutputHeading } from '../history/failed-output.ts';
import { failedOutputAnchor, failedOutputsAnchor } from '../report/failed-outputs.ts';

/**
 * Text safe in an HTML text node and in a quoted attribute. Control characters other than tab
 * and line breaks (not allowed in HTML, and obeyed by a terminal showing the file) and characters
 * that reorder or hide text (bidi overrides, zero-width) are written out.
 */
export function esc(text: unknown): string {
  return inert(String(text ?? '')).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The policy in the page itself: any load from anywhere is refused (and logged by the browser). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const W = 1000; // lane width in SVG units; lanes scale uniformly to the page
const H = 40;
const BAR_TOP = 10;
/** Draw order: the rare and the bad on top of the many green marks. */
const LAYER: Record<RunOutcome, number> = { ok: 0, warning: 1, running: 2, slow: 3, timeout: 4, suspicious: 5, failed: 6, crashed: 7 };
const PROBLEM = new Set(['stale', 'failed', 'suspicious', 'slow', 'crashed', 'overrunning', 'never', 'corrupt', 'clock_skew']);

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--card:#fff;--fg:#17202b;--muted:#5b6878;--line:#dde3ea;--lane:#eef1f5;
--ok:#2f9e44;--failed:#e03131;--crashed:#7a0c0c;--timeout:#f59f00;--running:#1c7ed6;--band:rgba(224,49,49,.13);--rec:#7048e8;
--warning:#94d82d;--slow:#e8590c;--suspicious:#c2255c;
--bad-bg:#fff0f0;--bad-line:#e03131;--good-bg:#ebfbee;--good-line:#2f9e44}
@media (prefers-color-scheme:dark){:root{--bg:#0e1217;--card:#161c23;--fg:#e6edf3;--muted:#95a3b4;--line:#2a333e;--lane:#1d252e;
--ok:#37b24d;--failed:#ff5c5c;--crashed:#b51d1d;--timeout:#fcc419;--running:#4dabf7;--band:rgba(255,92,92,.16);--rec:#b197fc;
--warning:#a9e34b;--slow:#ff922b;--suspicious:#f06595;
--bad-bg:#2a1517;--bad-line:#ff5c5c;--good-bg:#12261a;--good-line:#37b24d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:24px;margin:0}h2{font-size:16px;margin:0 0 10px}
.sub{color:var(--muted);margin:4px 0 18px}
.num,td.n,.tile b{font-variant-numeric:tabular-nums}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.blockers{border-left:6px solid var(--bad-line);background:var(--bad-bg)}
.blockers.none{border-left-color:var(--good-line);background:var(--good-bg)}
.blockers h2{font-size:18px}.blockers ul{margin:0;padding:0;list-style:none}
.blockers>ul>li{padding:8px 0;border-top:1px solid var(--line)}.blockers>ul>li:first-child{border-top:0;padding-top:0}
.blockers .job{font-weight:700;font-size:15px;margin-right:8px}
.why{margin:4px 0 0 2px}.why li{margin:2px 0;overflow-wrap:anywhere}.why time{color:var(--muted);margin-left:6px;white-space:nowrap}.why .cause{color:var(--muted);font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;background:var(--lane);color:var(--muted);vertical-align:1px}
.badge.ok{background:var(--ok);color:#fff}.badge.bad{background:var(--failed);color:#fff}.badge.crashed{background:var(--crashed);color:#fff}
.badge.late,.badge.warning{background:var(--timeout);color:#222}.badge.running{background:var(--running);color:#fff}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:10px;background:none;border:0;padding:0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.tile b{display:block;font-size:24px;line-height:1.2}.tile span{color:var(--muted);font-size:12px}
.tile.alert b{color:var(--failed)}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--muted);font-size:12px;margin:-4px 0 10px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.lanes{display:grid;grid-template-columns:minmax(140px,210px) 1fr 88px;column-gap:12px;row-gap:4px;align-items:center}
.lanes .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
.lanes .name .badge{margin-left:6px;font-weight:600}
.lanes .count{color:var(--muted);font-size:12px;text-align:right;white-space:nowrap}
.axis{position:relative;height:18px;color:var(--muted);font-size:11px}
.axis span{position:absolute;top:0;transform:translateX(-50%);white-space:nowrap}
svg.lane{display:block;width:100%;height:auto}
.lane-bg{fill:var(--lane)}.grid{stroke:var(--line);stroke-width:1}.band{fill:var(--band)}
.m-ok{fill:var(--ok)}.m-failed{fill:var(--failed)}.m-crashed{fill:var(--crashed)}.m-timeout{fill:var(--timeout)}.m-running{fill:var(--running)}
.m-warning{fill:var(--warning)}.m-slow{fill:var(--slow)}.m-suspicious{fill:var(--suspicious)}
.m-rec{fill:var(--rec)}rect.m-crashed,rect.m-failed,rect.m-timeout,rect.m-suspicious,rect.m-slow{stroke:var(--card);stroke-width:.8}
table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th{color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}td.n,th.n{text-align:right}
td.bad{color:var(--failed);font-weight:700}td.job{font-weight:600;overflow-wrap:anywhere}
svg.spark{display:block;width:140px;height:28px}.p95{stroke:var(--muted);stroke-dasharray:3 2;stroke-width:1}
.muted{color:var(--muted)}ol.steps{margin:0;padding-left:18px}ol.steps li{margin:3px 0;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:12px;text-align:center}
a{color:inherit}.why a,td.n a{color:var(--failed)}
.fo{margin:10px 0 0}.fo:target .fo-h{background:var(--bad-bg)}.fo-h{font-weight:600;overflow-wrap:anywhere;padding:2px 4px;border-radius:4px}
pre.out{margin:4px 0 0;padding:8px 10px;background:var(--lane);border-radius:6px;font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre-wrap;overflow-wrap:anywhere;max-height:28em;overflow:auto}
`;

function statusBadge(status: string | null): string {
  if (status === null) return '<span class="badge">gone</span>';
  const cls =
    status === 'crashed'
      ? 'crashed'
      : PROBLEM.has(status)
        ? 'bad'
        : status === 'ok'
          ? 'ok'
          : status === 'late' || status === 'warning'
            ? status
            : status === 'running'
              ? 'running'
              : '';
  return `<span class="badge ${cls}">${esc(status)}</span>`;
}

function runTitle(run: TimelineRun): string {
  const what =
    run.outcome === 'running' ? 'running' : run.outcome === 'crashed' ? 'crashed (no heartbeat)' : run.outcome === 'timeout' ? 'timed out' : run.outcome;
  const exit = run.signal ? `, ${run.signal}` : run.exit_code !== null ? `, exit ${run.exit_code}` : '';
  const took = run.duration_ms !== null ? `, ${shortDuration(run.duration_ms)}` : '';
  const why = run.reason ? `: ${run.reason}` : '';
  return `${shortTime(run.started_at)}: ${run.ping ? 'ping ' : ''}${what}${exit}${took}${run.cycle !== null ? `, cycle ${run.cycle}` : ''}${why}`;
}

/** A link to the newest failed run's output shown for `job`, or '' when none is shown. */
function outputLink(j: JobReport | undefined): string {
  if (!j || j.failed_outputs.length === 0) return '';
  return `<li><a href="#${esc(failedOutputAnchor(j.job, j.failed_outputs.length - 1))}">output of the last failed run</a></li>`;
}

function blockersSection(blockers: readonly Blocker[], jobs: ReadonlyMap<string, JobReport>): string {
  if (blockers.length === 0)
    return '<section class="blockers none"><h2>No blockers</h2><div>Every job is healthy, no incident is open and no recovery is blocked.</div></section>';
  const items = blockers.map((b) => {
    const why = b.reasons
      .map(
        (r) =>
          `<li>${esc(r.text)}${r.since ? `<time>since ${esc(shortTime(r.since))}</time>` : ''}${r.cause ? `<div class="cause">${esc(r.cause)}</div>` : ''}</li>`,
      )
      .join('');
    return `<li><span class="job">${esc(b.job)}</span>${statusBadge(b.status)}<ul class="why">${why}${outputLink(jobs.get(b.job))}</ul></li>`;
  });
  return `<section class="blockers"><h2>${blockers.length === 1 ? '1 blocker needs' : `${blockers.length} blockers need`} a person</h2><ul>${items.join('')}</ul></section>`;
}

function tiles(r: Report): string {
  const t = r.totals;
  const list: Array<[string, number, boolean]> = [
    ['jobs', t.jobs, false],
    ['runs', t.runs, false],
    ['warned', t.warnings, false],
    ['suspicious', t.suspicious, true],
    ['slow', t.slow, true],
    ['failed', t.failures, true],
    ['crashed', t.crashes, true],
    ['timed out', t.timeouts, true],
    ['incidents', t.incidents_opened, true],
    ['rollbacks', t.rollbacks, true],
    ['restarts', t.restarts, true],
    ['notify failures', t.notify_failures, true],
  ];
  return `<section class="tiles">${list.map(([label, n, alarming]) => `<div class="tile${alarming && n > 0 ? ' alert' : ''}"><b>${n}</b><span>${label}</span></div>`).join('')}</section>`;
}

/** One job's lane: incident bands, one mark per run coloured by outcome, recovery dots above. */
function lane(j: JobReport, sinceMs: number, untilMs: number, grid: number[]): string {
  const x = (iso: string) => position(Date.parse(iso), sinceMs, untilMs) * W;
  const parts = [`<rect class="lane-bg" x="0" y="${BAR_TOP - 2}" width="${W}" height="${H - BAR_TOP + 2}" rx="3"/>`];
  for (const g of grid) parts.push(`<line class="grid" x1="${g.toFixed(1)}" x2="${g.toFixed(1)}" y1="${BAR_TOP - 2}" y2="${H}"/>`);
  for (const i of j.incidents.list) {
    const a = x(i.opened_at);
    const b = i.resolved_at ? x(i.resolved_at) : W;
    parts.push(
      `<rect class="band" x="${a.toFixed(1)}" y="${BAR_TOP - 2}" width="${Math.max(2, b - a).toFixed(1)}" height="${H - BAR_TOP + 2}"><title>${esc(`incident ${i.status}: ${i.reason} (${shortTime(i.opened_at)} to ${i.resolved_at ? shortTime(i.resolved_at) : 'still open'})`)}</title></rect>`,
    );
  }
  const runs = j.timeline.map((run, n) => ({ run, n })).sort((a, b) => LAYER[a.run.outcome] - LAYER[b.run.outcome] || a.n - b.n);
  const span = untilMs - sinceMs;
  for (const { run } of runs) {
    const start = x(run.started_at);
    const len = run.outcome === 'running' ? W - start : ((run.duration_ms ?? 0) / span) * W;
    const w = Math.max(run.outcome === 'ok' ? 2.5 : run.outcome === 'crashed' ? 6 : 4, len);
    const left = Math.min(start, W - w);
    const tall = run.outcome !== 'ok' && run.outcome !== 'warning' && run.outcome !== 'running';
    const y = tall ? BAR_TOP - 2 : BAR_TOP + 3;
    parts.push(
      `<rect class="m-${run.outcome}" x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${H - y - (tall ? 0 : 3)}"><title>${esc(runTitle(run))}</title></rect>`,
    );
  }
  for (const step of j.recovery) {
    const text =
      step.type === 'config_rolled_back'
        ? `config rolled back: ${(step.files ?? []).join(', ')}`
        : step.type === 'restart'
          ? `restarted, exit ${step.exit_code ?? '?'}`
          : step.type === 'recovery_verified'
            ? step.healthy
              ? 'healthy after recovery'
              : `still unhealthy after recovery${step.reason ? `: ${step.reason}` : ''}`
            : `recovery blocked: ${step.reason ?? ''}`;
    parts.push(
      `<circle class="m-rec" cx="${Math.min(W - 4, Math.max(4, x(step.at))).toFixed(1)}" cy="3.5" r="3.5"><title>${esc(`${shortTime(step.at)}: ${text}`)}</title></circle>`,
    );
  }
  return `<svg class="lane" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`runs of ${j.job}`)}">${parts.join('')}</svg>`;
}

function laneCount(j: JobReport): string {
  const bad = j.failures + j.crashes + j.suspicious + j.slow;
  const warned = j.warnings > 0 ? `<br><span class="muted">${j.warnings} warned</span>` : '';
  return `${j.runs} run${j.runs === 1 ? '' : 's'}${bad > 0 ? `<br><span style="color:var(--failed)">${bad} bad</span>` : ''}${warned}`;
}

function timelineSection(r: Report): string {
  const sinceMs = Date.parse(r.since);
  const untilMs = Date.parse(r.until);
  const axis = ticks(sinceMs, untilMs);
  const labels = axis.map((t) => `<span style="left:${(t.x * 100).toFixed(2)}%">${esc(t.label)}</span>`).join('');
  const rows = r.jobs.map(
    (j) =>
      `<div class="name" title="${esc(j.job)}">${esc(j.job)}${statusBadge(j.status)}</div>${lane(
        j,
        sinceMs,
        untilMs,
        axis.map((t) => t.x * W),
      )}<div class="count">${laneCount(j)}</div>`,
  );
  const legend = [
    ['ok', 'ok'],
    ['warning', 'warning'],
    ['slow', 'slow'],
    ['suspicious', 'suspicious'],
    ['failed', 'failed'],
    ['timeout', 'timed out'],
    ['crashed', 'crashed'],
    ['running', 'running'],
  ]
    .map(([c, l]) => `<span><i style="background:var(--${c})"></i>${l}</span>`)
    .join('');
  return `<section><h2>Runs, ${esc(windowLabel(untilMs - sinceMs))} to ${esc(shortTime(r.until))} (UTC)</h2>
<div class="legend">${legend}<span><i style="background:var(--band)"></i>open incident</span><span><i style="background:var(--rec);border-radius:50%"></i>recovery step</span><span>hover a mark for time, duration and exit</span></div>
<div class="lanes"><div></div><div class="axis">${labels}</div><div></div>${rows.join('\n')}</div></section>`;
}

/** Bars of the last timed runs' durations, coloured by outcome, with the p95 as a dashed line. */
function sparkline(j: JobReport): string {
  const timed = j.timeline.filter((t) => t.duration_ms !== null && !t.ping).slice(-40);
  if (timed.length === 0) return '<span class="muted">-</span>';
  const max = Math.max(1, ...timed.map((t) => t.duration_ms!));
  const slot = 140 / Math.max(timed.length, 12);
  const bars = timed.map((t, i) => {
    // A quick failure must still show its colour.
    const h = Math.max(t.outcome === 'ok' ? 1.5 : 6, (t.duration_ms! / max) * 26);
    return `<rect class="m-${t.outcome}" x="${(i * slot).toFixed(1)}" y="${(28 - h).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(runTitle(t))}</title></rect>`;
  });
  const p95 = j.duration_ms.p95;
  const line =
    p95 === null
      ? ''
      : `<line class="p95" x1="0" x2="140" y1="${(28 - (p95 / max) * 26).toFixed(1)}" y2="${(28 - (p95 / max) * 26).toFixed(1)}"><title>p95 ${esc(shortDuration(p95))}</title></line>`;
  return `<svg class="spark" viewBox="0 0 140 28" role="img" aria-label="${esc(`durations of ${j.job}`)}">${bars.join('')}${line}</svg>`;
}

function jobsSection(r: Report): string {
  const n = (v: number, alarming = false) => `<td class="n${alarming && v > 0 ? ' bad' : ''}">${v}</td>`;
  // The count of failures links to their output when some is shown.
  const failures = (j: JobReport) =>
    j.failed_outputs.length === 0 ? n(j.failures, true) : `<td class="n bad"><a href="#${esc(failedOutputsAnchor(j.job))}">${j.failures}</a></td>`;
  const rows = r.jobs.map(
    (j) =>
      `<tr><td class="job">${esc(j.job)}</td><td>${statusBadge(j.status)}</td>${n(j.runs)}${failures(j)}${n(j.crashes, true)}${n(j.timeouts, true)}` +
      `<td class="n${j.incidents.open > 0 ? ' bad' : ''}">${j.incidents.opened}${j.incidents.open > 0 ? ` (${j.incidents.open} open)` : ''}</td>${n(j.rollbacks, true)}${n(j.restarts, true)}` +
      `<td class="n">${esc(shortDuration(j.duration_ms.p50))}</td><td class="n">${esc(shortDuration(j.duration_ms.p95))}</td><td>${sparkline(j)}</td></tr>`,
  );
  const head = ['job', 'status', 'runs', 'failed', 'crashed', 'timed out', 'incidents', 'rollbacks', 'restarts', 'p50', 'p95', 'durations']
    .map((h, i) => `<th${i >= 2 && i <= 10 ? ' class="n"' : ''}>${h}</th>`)
    .join('');
  return `<section><h2>Jobs</h2><table><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

/** Per job with failed runs' output kept: a section with each run's heading and its output tail, escaped. */
function failedOutputsSections(r: Report): string {
  const sections = r.jobs
    .filter((j) => j.failed_outputs.length > 0)
    .map((j) => {
      const runs = j.failed_outputs.map((e, i) => {
        const body =
          e.output_tail === null ? '<div class="muted">no output kept (the job keeps no tail)</div>' : `<pre class="out">${esc(e.output_tail)}</pre>`;
        return `<div class="fo" id="${esc(failedOutputAnchor(j.job, i))}"><div class="fo-h">${esc(failedOutputHeading(e))}</div>${body}</div>`;
      });
      const more =
        j.failed_outputs_omitted > 0
          ? `<div class="muted">${j.failed_outputs_omitted} earlier failed run${j.failed_outputs_omitted === 1 ? '' : 's'} in this window not shown: <code>hb log ${esc(j.job)} --output</code></div>`
          : '';
      return `<section id="${esc(failedOutputsAnchor(j.job))}"><h2>Output of failed runs: ${esc(j.job)}</h2>${more}${runs.join('')}</section>`;
    });
  return sections.join('\n');
}

function recoverySection(r: Report): string {
  const steps = r.jobs.flatMap((j) => j.recovery.map((s) => ({ job: j.job, s }))).sort((a, b) => (a.s.at < b.s.at ? -1 : 1));
  if (steps.length === 0) return '';
  const text = ({ s }: (typeof steps)[number]) =>
    s.type === 'config_rolled_back'
      ? `config rolled back: ${(s.files ?? []).join(', ')}`
      : s.type === 'restart'
        ? `restarted (exit ${s.exit_code ?? '?'})`
        : s.type === 'recovery_verified'
          ? s.healthy
            ? 'healthy again'
            : `still unhealthy${s.reason ? `: ${s.reason}` : ''}`
          : `recovery blocked: ${s.reason ?? ''}`;
  const items = steps.map((x) => `<li><span class="muted">${esc(shortTime(x.s.at))}</span> <b>${esc(x.job)}</b> ${esc(text(x))}</li>`);
  return `<section><h2>Dead-man recovery</h2><ol class="steps">${items.join('')}</ol></section>`;
}

/** The whole page. */
export function renderHtml(r: Report): string {
  const sub = `${esc(r.host)} · ${esc(windowLabel(Date.parse(r.until) - Date.parse(r.since)))} from ${esc(shortTime(r.since))} to ${esc(shortTime(r.until))}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>hb report: ${esc(r.host)}, ${esc(shortTime(r.until))}</title>
<style>${CSS}</style></head>
<body><main>
<h1>hb report</h1><p class="sub">${sub}</p>
${blockersSection(r.blockers, new Map(r.jobs.map((j) => [j.job, j])))}
${tiles(r)}
${timelineSection(r)}
${jobsSection(r)}
${failedOutputsSections(r)}
${recoverySection(r)}
<footer>Generated ${esc(shortTime(r.generated_at))} by <code>hb report --format html</code>. One self-contained file: no scripts, nothing loaded from the network.</footer>
</main></body></html>
`;
}
