// The fleet queries asked of Prometheus at one instant (its own clock), answered in parallel.

import { HbError } from '../../rules/errors.ts';
import { FLEET_FACTS, fleetQueries, type FleetFact } from '../../rules/fleet/queries.ts';
import type { Sample } from '../../rules/fleet/types.ts';
import { WINDOW_FACTS, windowQueries, type WindowFact } from '../../rules/fleet/report.ts';
import { instantQuery, type PrometheusEndpoint } from './client.ts';

/** The answers of every fleet fact, and the instant they describe (seconds, Prometheus's clock). */
export interface FleetAnswers {
  nowS: number;
  answers: Record<FleetFact, Sample[]>;
}

/**
 * Asks the fleet queries. No host with hb series in the look-back window is an error (exit 2):
 * an empty view would read as "all is well".
 */
export async function readFleetAnswers(ep: PrometheusEndpoint, hostLabel: string, lookbackS: number): Promise<FleetAnswers> {
  const clock = await instantQuery(ep, 'time()');
  const nowS = clock.samples[0]?.value ?? NaN;
  if (!Number.isFinite(nowS)) throw new HbError(`--prometheus ${ep.shown}: expected a number from the query time(), found none`, 2);
  const queries = fleetQueries(hostLabel, lookbackS);
  const answered = await Promise.all(FLEET_FACTS.map(async (fact) => [fact, (await instantQuery(ep, queries[fact], nowS)).samples] as const));
  const answers = Object.fromEntries(answered) as Record<FleetFact, Sample[]>;
  if (answers.check_last.length === 0) throw new HbError(`--prometheus ${ep.shown}: no hb series found: is hb check --textfile running and scraped?`, 2);
  if (hostLabel !== 'instance' && answers.check_last.every((s) => s.labels[hostLabel] === undefined)) {
    throw new HbError(
      `--host-label ${hostLabel}: no hb series carries that label (they carry ${Object.keys(answers.check_last[0]!.labels).sort().join(', ')})`,
      2,
    );
  }
  return { nowS, answers };
}

/** The window facts of the fleet report over `windowS` seconds ending at `nowS`. */
export async function readWindowAnswers(ep: PrometheusEndpoint, windowS: number, nowS: number): Promise<Record<WindowFact, Sample[]>> {
  const queries = windowQueries(windowS);
  const answered = await Promise.all(WINDOW_FACTS.map(async (fact) => [fact, (await instantQuery(ep, queries[fact], nowS)).samples] as const));
  return Object.fromEntries(answered) as Record<WindowFact, Sample[]>;
}
