// `hb status --prometheus URL` and `hb report --prometheus URL`: every host's jobs read back from
// Prometheus (the series `hb check --textfile` writes), one panel or one report for the fleet.
// Loaded only when --prometheus is given.

import { prometheusEndpoint } from '../../lib/adapters/prometheus/client.ts';
import { readFleetAnswers, readWindowAnswers } from '../../lib/adapters/prometheus/fleet.ts';
import { fleetJson } from '../../lib/rules/fleet/json.ts';
import { buildFleet } from '../../lib/rules/fleet/model.ts';
import { fleetPanelParts } from '../../lib/rules/fleet/panel.ts';
import { buildFleetReport } from '../../lib/rules/fleet/report.ts';
import type { FleetView } from '../../lib/rules/fleet/types.ts';
import type { Io } from '../io.ts';

/** The fleet flags of status and report (durations in ms, parsed by bin/option-values.ts). */
export interface FleetFlags {
  prometheus?: string;
  timeout?: number;
  hostLabel?: string;
  staleAfter?: number;
}

/** How long each query may take when --timeout is not given. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** A check older than this makes its host a blocker: three missed runs of a check every minute. */
export const DEFAULT_STALE_AFTER_MS = 180_000;
/** How far back a host that stopped reporting is still shown (as a blocker). */
const LOOKBACK_S = 86_400;

async function readView(opts: FleetFlags, jobs: readonly string[], lookbackS: number) {
  const ep = prometheusEndpoint(opts.prometheus!, opts.timeout ?? DEFAULT_QUERY_TIMEOUT_MS);
  const hostLabel = opts.hostLabel ?? 'instance';
  const { nowS, answers } = await readFleetAnswers(ep, hostLabel, lookbackS);
  const view: FleetView = buildFleet(answers, { nowS, hostLabel, staleAfterS: (opts.staleAfter ?? DEFAULT_STALE_AFTER_MS) / 1000, jobs });
  return { ep, nowS, view };
}

/** `hb status --prometheus URL [JOB…]`: the fleet panel or its JSON; 0, as hb status always is. */
export async function runFleetStatus(jobs: readonly string[], opts: FleetFlags & { json?: boolean; format?: string }, io: Io): Promise<number> {
  const { ep, view } = await readView(opts, jobs, LOOKBACK_S);
  if (jobs.length > 0 && view.jobs.length === 0) io.err(`hb: status: no job named ${jobs.join(', ')} on any host in ${ep.shown}\n`);
  if (opts.json || opts.format === 'json') io.out(fleetJson(view, ep.shown));
  else for (const piece of fleetPanelParts(view)) io.out(piece);
  return 0;
}

/** `hb report --prometheus URL`: the fleet report rendered in `format`, in parts. */
export async function fleetReportParts(opts: FleetFlags, format: string, windowMs: number): Promise<Iterable<string>> {
  const windowS = windowMs / 1000;
  const { ep, nowS, view } = await readView(opts, [], Math.max(LOOKBACK_S, windowS));
  const report = buildFleetReport(view, await readWindowAnswers(ep, windowS, nowS), windowS, ep.shown);
  if (format === 'json') return [`${JSON.stringify(report, null, 2)}\n`];
  if (format === 'html') return [(await import('../../lib/rules/fleet/report-html.ts')).renderFleetHtml(report)];
  return [(await import('../../lib/rules/fleet/report-markdown.ts')).renderFleetMarkdown(report)];
}
