// One parse function per valued option of hb tick and hb wrap: the option's text becomes its value,
// or a UsageError naming the flag and what it expects. The commands call these whichever parser
// (the fast path or commander) read the line, so both refuse the same text the same way.

import { durationHint, parseDuration } from '../lib/duration.ts';
import { UsageError } from '../lib/errors.ts';

/** A parser of a duration flag: milliseconds, longer than 0. */
function positiveDuration(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag}: ${durationHint(text)}`);
    return ms;
  };
}

/** A parser of a whole-number flag from `min` to `max`. */
function wholeNumber(flag: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, found "${text}"`);
    return n;
  };
}

/** `--grace DURATION` (tick, wrap): how late a run may be, in ms. */
export const parseGrace = positiveDuration('--grace');

/** `--timeout DURATION` (wrap): how long the command may run, in ms. */
export const parseTimeout = positiveDuration('--timeout');

/** `--skip-code N` (wrap): the exit code of a run --lock skips, 0 to 255. */
export const parseSkipCode = wholeNumber('--skip-code', 0, 255);

/** `--tail BYTES` (wrap): bytes of output kept in the heartbeat, 0 to 1 MiB. */
export const parseTail = wholeNumber('--tail', 0, 1 << 20);

/** `--for DURATION` (pause), once its own limits are checked: a duration longer than 0, in ms. */
export const parsePauseFor = positiveDuration('--for');

/** The value of an option that may be absent: undefined when it was not given, else `parse(text)`. */
export function optionValue<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}
