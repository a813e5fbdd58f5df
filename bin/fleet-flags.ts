// The flags status and report take for the fleet view: one parse function per value (commander's
// argParser, as bin/option-values.ts has for the other commands, kept here so the tick/wrap/check
// bundle does not carry them), and the refusal of those that only make sense with --prometheus.

import { durationHint, parseDuration } from '../lib/rules/duration.ts';
import { UsageError } from '../lib/rules/errors.ts';
import { visible } from '../lib/rules/visible.ts';

/** The fleet flags of status and report (durations in ms). */
export interface FleetFlags {
  prometheus?: string;
  timeout?: number;
  hostLabel?: string;
  staleAfter?: number;
}

/** Refuses --timeout, --host-label and --stale-after without --prometheus: they would be silently ignored. */
export function refuseFleetFlagsAlone(opts: FleetFlags, command: string): void {
  if (opts.prometheus !== undefined) return;
  const given = [
    opts.timeout !== undefined && '--timeout',
    opts.hostLabel !== undefined && '--host-label',
    opts.staleAfter !== undefined && '--stale-after',
  ].filter(Boolean);
  if (given.length > 0) throw new UsageError(`${command}: ${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} --prometheus URL (the fleet view)`);
}

/** A duration flag whose value must be longer than 0, in ms. */
function longerThanZero(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag}: ${durationHint(text)}`);
    return ms;
  };
}
/** `--prometheus URL` (status, report): Prometheus's base URL, http or https, with optional user:password@. */
export function parsePrometheusUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // said below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `--prometheus: expected an http:// or https:// URL of a Prometheus server (e.g. http://prometheus.example.net:9090), found "${visible(text.replace(/\/\/[^/@]*@/, '//…@'))}"`,
    );
  }
  if (url.search || url.hash)
    throw new UsageError(
      `--prometheus: expected the server's base URL without ?query or #fragment, found "${visible(url.origin + url.pathname)}${url.search}${url.hash}"`,
    );
  return text;
}

/** `--timeout DURATION` (status, report with --prometheus): how long each query may take, in ms. */
export const parseQueryTimeout = longerThanZero('--timeout');

/** `--stale-after DURATION` (status, report with --prometheus): a host whose hb check is older is a blocker, in ms. */
export const parseStaleAfter = longerThanZero('--stale-after');

/** `--host-label NAME` (status, report with --prometheus): the label that names a host; a Prometheus label name. */
export function parseHostLabel(text: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(text))
    throw new UsageError(`--host-label: expected a Prometheus label name (letters, digits, _; e.g. instance or nodename), found "${visible(text)}"`);
  return text;
}
