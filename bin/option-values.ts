// One parse function per valued option of hb: the option's text becomes its value, or a
// UsageError naming the flag and what it expects. Commander calls them as it reads a line (its
// argParser) and the fast path calls the same ones, so both refuse the same text the same way.
// Pure: it decides from the text alone. Checks that need the disk (a path that must be a file or
// a directory) or another option (--from read in --tz) stay with the command.
//
// Durations follow one rule by meaning (docs/cli.md): a wait may be 0, meaning "do not wait";
// anything else — a period, a tolerance, a window, a limit on a run, a pause — must be longer than 0.

import { durationHint, looksLikeDuration, parseDuration } from '../lib/rules/duration.ts';
import { UsageError } from '../lib/rules/errors.ts';
import { globProblem } from '../lib/rules/outcome/glob.ts';
import { RATIO_HINT, SIZE_HINT, parseRatio, parseSize } from '../lib/rules/outcome/size.ts';
import { patternProblem } from '../lib/rules/outcome/output.ts';
import { visible } from '../lib/rules/visible.ts';
import { pingUrlProblem } from '../lib/rules/sinks/ping-url.ts';
import { credentialProblem } from '../lib/rules/sinks/url-credentials.ts';

/** A parser of a duration flag whose value must be longer than 0 (a period, a window, a limit), in ms. */
function longerThanZero(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag}: ${durationHint(text)}`);
    return ms;
  };
}

/** A parser of a duration flag that is a wait, in ms: 0 is allowed and means "do not wait". */
function waitDuration(flag: string): (text: string) => number {
  return (text) => {
    const ms = parseDuration(text);
    if (ms === undefined) throw new UsageError(`${flag}: ${durationHint(text)}`);
    return ms;
  };
}

/** A parser of a whole-number flag from `min` to `max`; blanks around the digits are ignored, as around a duration. */
function wholeNumber(flag: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, found "${visible(text)}"`);
    return n;
  };
}

// --- tick and wrap ---------------------------------------------------------------------------

/** `--grace DURATION` (tick, wrap): how late a run may be, in ms. */
export const parseGrace = longerThanZero('--grace');

/** `--timeout DURATION` (wrap): how long the command may run, in ms. */
export const parseTimeout = longerThanZero('--timeout');

/** `--skip-code N` (wrap): the exit code of a run --lock skips, 0 to 255. */
export const parseSkipCode = wholeNumber('--skip-code', 0, 255);

/** `--tail BYTES` (wrap): bytes of output kept in the heartbeat, 0 to 1 MiB. */
export const parseTail = wholeNumber('--tail', 0, 1 << 20);

/** `--cycle N` (tick, wrap): the run's cycle as the caller counts it, 0 to Number.MAX_SAFE_INTEGER. */
export const parseCycle = wholeNumber('--cycle', 0, Number.MAX_SAFE_INTEGER);

/** `--ping URL` (tick, wrap): a healthchecks-compatible ping URL to report the run to. */
export function parsePing(text: string): string {
  const problem = pingUrlProblem(text);
  if (problem) throw new UsageError(`--ping: ${problem}`);
  return text;
}

/** `--expect PATH` (wrap): an absolute file path or glob the run must leave. */
export function parseExpectPath(text: string): string {
  const problem = globProblem(text);
  if (problem) throw new UsageError(`--expect: ${visible(problem)}`);
  return text;
}

/** `--min-size SIZE` (wrap): the least bytes each --expect file may have. */
export function parseMinSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined) throw new UsageError(`--min-size: ${SIZE_HINT}, found "${visible(text)}"`);
  return bytes;
}

/** `--min-ratio PCT` (wrap): the least share of the last good size each --expect file may have, as a fraction. */
export function parseMinRatio(text: string): number {
  const ratio = parseRatio(text);
  if (ratio === undefined) throw new UsageError(`--min-ratio: ${RATIO_HINT}, found "${visible(text)}"`);
  return ratio;
}

/** `--verify CMD` (wrap): a shell command each --expect file must pass. */
export function parseVerify(text: string): string {
  if (text.trim() === '') throw new UsageError('--verify: expected a command such as "gzip -t {}" ({} is the file), found an empty one');
  return text;
}
/** `--min-duration DURATION` (wrap): a success faster than this is suspicious, in ms. */
export const parseMinDuration = longerThanZero('--min-duration');

/** A parser of a list of exit codes (`0,24`): whole numbers from 0 to 255, separated by commas. */
function exitCodes(flag: string): (text: string) => number[] {
  return (text) => {
    const parts = text.split(',').map((p) => p.trim());
    const codes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    if (codes.some((c) => !(c >= 0 && c <= 255)))
      throw new UsageError(`${flag}: expected exit codes from 0 to 255 separated by commas (e.g. 0,24), found "${visible(text)}"`);
    return codes;
  };
}

/** A parser of a regular-expression flag: the pattern as given, once it is known to compile. */
function pattern(flag: string): (text: string) => string {
  return (text) => {
    const problem = patternProblem(text);
    if (problem) throw new UsageError(`${flag}: "${visible(text)}" is not a usable regular expression: ${problem}`);
    return text;
  };
}

/** `--ok-codes LIST` (wrap): exit codes that mean success (default 0). */
export const parseOkCodes = exitCodes('--ok-codes');

/** `--warn-codes LIST` (wrap): exit codes that mean success with a warning. */
export const parseWarnCodes = exitCodes('--warn-codes');

/** `--fail-on RE` (wrap, repeatable): an output line matching it fails the run. */
export const parseFailOn = pattern('--fail-on');

/** `--warn-on RE` (wrap, repeatable): an output line matching it makes the run a warning. */
export const parseWarnOn = pattern('--warn-on');

/** `--require RE` (wrap, repeatable): some output line must match it, or the run fails. */
export const parseRequire = pattern('--require');

// --- report and log --------------------------------------------------------------------------

/** `--since DURATION` (report, log): the length of the window that ends now, in ms. */
export const parseSince = longerThanZero('--since');

/** The most lines `hb log -n` keeps: each is held until the log has been read to its end. */
export const MAX_LOG_LINES = 100_000;

/** `-n COUNT` (log): print only the last COUNT lines, 1 to MAX_LOG_LINES. */
export const parseLogLines = wholeNumber('-n', 1, MAX_LOG_LINES);

// --- pause -----------------------------------------------------------------------------------

/** The longest pause: past any maintenance window, and its end stays a time a date can hold (~275,000 years from 1970). */
export const MAX_PAUSE_MS = 36_500 * 86_400_000;
const UNTIL_RESUMED = 'leave --for out to pause until hb resume';

/** `--for DURATION` (pause): how long the pause lasts, in ms; longer than 0, at most 100 years. */
export function parsePauseFor(text: string): number {
  const ms = parseDuration(text);
  if (ms === 0) throw new UsageError(`--for: a pause must be longer than 0, found "${visible(text)}" (${UNTIL_RESUMED})`);
  if (ms === undefined ? looksLikeDuration(text) : ms > MAX_PAUSE_MS) {
    throw new UsageError(`--for: a pause can last at most 36500d (100 years), found "${visible(text)}" (${UNTIL_RESUMED})`);
  }
  return longerThanZero('--for')(text);
}

// --- next ------------------------------------------------------------------------------------

/** The most fire times `hb next -n` prints. */
export const MAX_NEXT_COUNT = 1000;

/** `-n COUNT` (next): how many fire times to print, 1 to MAX_NEXT_COUNT. */
export const parseNextCount = wholeNumber('-n', 1, MAX_NEXT_COUNT);

// --- daemon ----------------------------------------------------------------------------------

/** The largest --max-concurrent accepted. */
export const MAX_CONCURRENT_LIMIT = 1000;

/** `--stop-timeout DURATION` (daemon start): how long running jobs may take on stop before SIGTERM, in ms; 0 sends it at once. */
export const parseStopTimeout = waitDuration('--stop-timeout');

/** `--timeout DURATION` (daemon stop): how long to wait for the daemon to exit, in ms; 0 looks once and does not wait. */
export const parseStopWait = waitDuration('--timeout');

/** `--max-concurrent N` (daemon start): the most runs at once, 1 to MAX_CONCURRENT_LIMIT. */
export const parseMaxConcurrent = wholeNumber('--max-concurrent', 1, MAX_CONCURRENT_LIMIT);

// --- crontab and systemd ---------------------------------------------------------------------

// A login name: what cron accepts in a user field and crontab(1) after -u.
const LOGIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
// A login name or a numeric uid: what systemd's User= accepts without surprises.
const LOGIN_OR_UID = /^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}|\d+)$/;

/** `--user NAME` (crontab): whose crontab, or the user field of --file; a login name. */
export function parseCrontabUser(text: string): string {
  if (!LOGIN_NAME.test(text)) throw new UsageError(`--user: "${visible(text)}" is not a login name (e.g. backup)`);
  return text;
}

/** `--user NAME` (systemd): the User= of the services; a login name or a numeric uid. */
export function parseSystemdUser(text: string): string {
  if (!LOGIN_OR_UID.test(text)) throw new UsageError(`--user: "${visible(text)}" is not a user name (expected a login name such as backup, or a numeric uid)`);
  return text;
}

// --- status and report over Prometheus (the fleet view) --------------------------------------
// Function declarations, not `longerThanZero(...)` constants: the tick/wrap/check bundle, which
// holds this file too, drops them unused.

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
  const credentials = credentialProblem(text);
  if (credentials) throw new UsageError(`--prometheus: ${credentials}`);
  return text;
}

/** `--timeout DURATION` (status, report with --prometheus): how long each query may take, in ms. */
export function parseQueryTimeout(text: string): number {
  return longerThanZero('--timeout')(text);
}

/** `--stale-after DURATION` (status, report with --prometheus): a host whose hb check is older is a blocker, in ms. */
export function parseStaleAfter(text: string): number {
  return longerThanZero('--stale-after')(text);
}

/** `--host-label NAME` (status, report with --prometheus): the label that names a host; a Prometheus label name. */
export function parseHostLabel(text: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(text)) {
    throw new UsageError(`--host-label: expected a Prometheus label name (letters, digits, _; e.g. instance or nodename), found "${visible(text)}"`);
  }
  return text;
}
