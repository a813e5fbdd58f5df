// The `--since DUR` flag of `hb report` and `hb log`: a window length that names the flag when wrong.

import { durationHint, parseDuration } from '../duration.ts';
import { UsageError } from '../errors.ts';

/** `--since DUR` as milliseconds (more than zero), or `fallback` when the flag is absent. */
export function sinceFlag(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--since: ${durationHint(text)}`);
  if (ms <= 0) throw new UsageError(`--since: "${text}" must be longer than zero (e.g. 24h, 7d)`);
  return ms;
}
