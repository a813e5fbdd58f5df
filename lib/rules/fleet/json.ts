// `hb status --prometheus URL --json`: the fleet view as one JSON object (docs/cli.md, "The fleet view").

import type { FleetView } from './types.ts';

/** The JSON text, with the Prometheus it came from (its URL without credentials) and a newline. */
export function fleetJson(view: FleetView, prometheus: string): string {
  return `${JSON.stringify({ prometheus, ...view }, null, 2)}\n`;
}
