// `hb status --prometheus URL` as text: the blockers (hosts down or with a stale check, then
// problem jobs, worst first), then every host with its jobs.

import { formatDuration } from '../duration.ts';
import { shortTime } from '../report/human.ts';
import { visible } from '../visible.ts';
import type { FleetHost, FleetJob, FleetView } from './types.ts';

const HOST_STATE: Record<FleetHost['state'], string> = {
  ok: 'ok',
  down: 'DOWN',
  no_series: 'NO HB SERIES',
  stale_check: 'STALE CHECK',
};

/** `3m ago` for an ISO time, relative to the view's time; `-` for none. */
function ago(isoTime: string | null, nowMs: number): string {
  if (isoTime === null) return '-';
  const ms = nowMs - Date.parse(isoTime);
  return ms < 0 ? `in ${formatDuration(-ms)}` : `${formatDuration(ms)} ago`;
}

/** A job's status as the panel shows it: `unknown since …`, and what it last was. */
export function statusText(j: FleetJob): string {
  if (j.status !== 'unknown' || j.unknown_since === null) return visible(j.status);
  return `unknown since ${shortTime(j.unknown_since)}${j.last_known_status ? ` (was ${visible(j.last_known_status)})` : ''}`;
}

/** A host's one-line headline. */
export function hostLine(h: FleetHost): string {
  return `${visible(h.host)}  ${HOST_STATE[h.state]}: ${h.state === 'ok' ? `checked ${formatDuration((h.check_age_s ?? 0) * 1000)} ago` : h.reason}; ${h.jobs} job${h.jobs === 1 ? '' : 's'}${h.problems > 0 ? `, ${h.problems} with a problem` : ''}`;
}

/** One blocker job in a line: where, what, why, the last exit and run. */
function blockerJobLine(j: FleetJob, nowMs: number): string {
  const exit = j.exit_code === null ? '' : `, exit ${j.exit_code}`;
  return `${visible(j.host)} ${visible(j.job)}: ${visible(j.status)}${j.reason_class ? ` (${visible(j.reason_class)})` : ''}${exit}, last run ${ago(j.last_run_at, nowMs)}`;
}

const HEADER = ['JOB', 'STATUS', 'REASON', 'EXIT', 'LAST RUN', 'LAST SUCCESS', 'SCHEDULE'];

function cells(j: FleetJob, nowMs: number): string[] {
  return [
    visible(j.job),
    statusText(j),
    visible(j.reason_class ?? '-'),
    j.exit_code === null ? '-' : String(j.exit_code),
    ago(j.last_run_at, nowMs),
    ago(j.last_success_at, nowMs),
    j.schedule === null ? '-' : visible(j.schedule),
  ];
}

/** The panel, a line at a time (each with its newline). */
export function* fleetPanelParts(view: FleetView): Generator<string> {
  const nowMs = Date.parse(view.generated_at);
  const s = view.summary;
  if (s.hosts === 0) {
    yield 'no hosts\n';
    return;
  }
  const head = `${s.hosts} host${s.hosts === 1 ? '' : 's'}, ${s.jobs} job${s.jobs === 1 ? '' : 's'}`;
  if (s.blockers === 0) yield `${head}: no blockers\n`;
  else {
    yield `${head}: ${s.blockers} blocker${s.blockers === 1 ? '' : 's'}\n`;
    for (const h of view.hosts) if (h.blocker) yield `  ${hostLine(h)}\n`;
    for (const j of view.jobs) if (j.problem && j.status !== 'unknown') yield `  ${blockerJobLine(j, nowMs)}\n`;
  }
  const byHost = new Map<string, FleetJob[]>();
  for (const j of view.jobs) {
    const list = byHost.get(j.host);
    if (list) list.push(j);
    else byHost.set(j.host, [j]);
  }
  for (const h of view.hosts) {
    yield `\n${hostLine(h)}\n`;
    const rows = (byHost.get(h.host) ?? []).sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0)).map((j) => cells(j, nowMs));
    if (rows.length === 0) continue;
    const widths = HEADER.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [HEADER, ...rows])
      yield `  ${r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd()}\n`;
  }
}
