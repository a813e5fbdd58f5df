// The options of the hot commands (tick, wrap, check) and the global ones, declared once as data:
// commander is built from this table, and the fast path parses argv with it. A valued option's
// `parse` (bin/option-values.ts) turns its text into its value for both.

import {
  parseCycle,
  parseExpectPath,
  parseFailOn,
  parseGrace,
  parseMinDuration,
  parseMinRatio,
  parseMinSize,
  parseOkCodes,
  parsePing,
  parseRequire,
  parseSkipCode,
  parseTail,
  parseTimeout,
  parseVerify,
  parseWarnCodes,
  parseWarnOn,
} from './option-values.ts';

/** One long option. Without `value` it is a switch; `negates` marks a `--no-x` switch. */
export interface OptionSpec {
  flag: string;
  /** The key in the parsed options object (commander's camelCase of the flag). */
  key: string;
  value?: string;
  choices?: readonly string[];
  /** Turns the value's text into the value, or throws a UsageError naming the flag. */
  parse?: (text: string) => string | number | number[];
  negates?: boolean;
  /** Given more than once, every value is kept in order (the option's value is a list). */
  repeatable?: boolean;
  /** Left out of --help: for hb's own use (documented where it is used). */
  hidden?: boolean;
  help: string;
}

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flag: '--config', key: 'config', value: 'file', help: 'config file (default: $HB_CONFIG, ./hb.yaml, $XDG_CONFIG_HOME/hb/hb.yaml, /etc/hb/hb.yaml)' },
  {
    flag: '--config-snapshot',
    key: 'configSnapshot',
    value: 'file',
    hidden: true,
    help: "read --config's text from FILE, the copy hb daemon keeps of the config it holds (docs/daemon.md)",
  },
  {
    flag: '--state-dir',
    key: 'stateDir',
    value: 'dir',
    help: 'state directory (default: $HB_STATE_DIR, state_dir in config, /var/lib/hb as root, else ~/.local/state/hb)',
  },
  { flag: '--no-color', key: 'color', negates: true, help: 'no colour (also NO_COLOR)' },
];

const SCHEDULE: readonly OptionSpec[] = [
  { flag: '--every', key: 'every', value: 'duration', help: 'expected interval, e.g. 15m' },
  { flag: '--cron', key: 'cron', value: 'expr', help: 'expected cron schedule, e.g. "0 2 * * *"' },
  { flag: '--tz', key: 'tz', value: 'zone', help: 'time zone of --cron (default: the host zone)' },
  { flag: '--grace', key: 'grace', value: 'duration', parse: parseGrace, help: 'how late a run may be before it is a problem (default: one period)' },
];

/** How a run is reported and counted, for tick and wrap alike. */
const REPORT: readonly OptionSpec[] = [
  {
    flag: '--ping',
    key: 'ping',
    value: 'url',
    parse: parsePing,
    help: 'also report the run to this healthchecks-compatible ping URL (/start, then success, /<code> or /fail); default $HB_PING_URL',
  },
  {
    flag: '--cycle',
    key: 'cycle',
    value: 'n',
    parse: parseCycle,
    help: "the run's cycle number, for callers that keep their own count (default: hb's counter + 1)",
  },
];

/** `hb tick` options. */
export const TICK_OPTIONS: readonly OptionSpec[] = [
  ...SCHEDULE,
  { flag: '--status', key: 'status', value: 'status', choices: ['ok', 'error'], help: 'outcome of a ping' },
  { flag: '--action', key: 'action', value: 'text', help: 'what the job did (free text, shown by hb status)' },
  { flag: '--message', key: 'message', value: 'text', help: 'a message to keep with the heartbeat' },
  { flag: '--notify', key: 'notify', value: 'text', help: "send TEXT through the job's sinks (the quiet contract: speak only when there is something to say)" },
  { flag: '--json', key: 'json', help: 'print the written heartbeat as JSON' },
  ...REPORT,
];

/** `hb wrap` options. */
export const WRAP_OPTIONS: readonly OptionSpec[] = [
  { flag: '--job', key: 'job', value: 'name', help: "job name (default: the command's base name)" },
  ...SCHEDULE,
  { flag: '--timeout', key: 'timeout', value: 'duration', parse: parseTimeout, help: 'stop the command (TERM, then KILL) after this long' },
  { flag: '--lock', key: 'lock', help: 'refuse to start while another run of the same job is in progress' },
  { flag: '--skip-code', key: 'skipCode', value: 'n', parse: parseSkipCode, help: 'exit code when --lock skips a run (default 0)' },
  { flag: '--tail', key: 'tail', value: 'bytes', parse: parseTail, help: 'bytes of output to keep in the heartbeat (default 4096)' },
  { flag: '--action', key: 'action', value: 'text', help: 'what the job does (free text, shown by hb status)' },
  {
    flag: '--expect',
    key: 'expect',
    value: 'path',
    parse: parseExpectPath,
    repeatable: true,
    help: 'a file or glob (newest match) the run must leave, written during the run, else it failed; repeatable',
  },
  { flag: '--min-size', key: 'minSize', value: 'size', parse: parseMinSize, help: 'each --expect file must be at least this big (20B, 1MB, 1MiB)' },
  {
    flag: '--min-ratio',
    key: 'minRatio',
    value: 'pct',
    parse: parseMinRatio,
    help: "each --expect file must be at least this share of the last good one's size (50%)",
  },
  { flag: '--verify', key: 'verify', value: 'cmd', parse: parseVerify, help: 'a shell command each --expect file must pass, {} is its path ("gzip -t {}")' },
  { flag: '--quiet', key: 'quiet', help: "hold the command's output back and write it out only if the run fails (cron then mails failures only)" },
  { flag: '--ok-codes', key: 'okCodes', value: 'list', parse: parseOkCodes, help: 'exit codes that mean success, e.g. 0,1 (default 0)' },
  {
    flag: '--warn-codes',
    key: 'warnCodes',
    value: 'list',
    parse: parseWarnCodes,
    help: "exit codes that mean success with a warning, e.g. 24 (rsync's vanished files)",
  },
  { flag: '--fail-on', key: 'failOn', value: 're', parse: parseFailOn, repeatable: true, help: 'fail the run when an output line matches RE (repeatable)' },
  { flag: '--warn-on', key: 'warnOn', value: 're', parse: parseWarnOn, repeatable: true, help: 'a warning when an output line matches RE (repeatable)' },
  {
    flag: '--require',
    key: 'require',
    value: 're',
    parse: parseRequire,
    repeatable: true,
    help: 'fail the run unless some output line matches RE (repeatable)',
  },
  {
    flag: '--min-duration',
    key: 'minDuration',
    value: 'duration',
    parse: parseMinDuration,
    help: 'a run that exits 0 faster than this is suspicious (a hard floor, as min_duration)',
  },
  {
    flag: '--baseline',
    key: 'baseline',
    help: "judge each success against the job's usual duration, learned from its last runs (as baseline: true)",
  },
  ...REPORT,
];

/** `hb check` options. */
export const CHECK_OPTIONS: readonly OptionSpec[] = [
  { flag: '--format', key: 'format', value: 'format', choices: ['text', 'json', 'nagios', 'prometheus'], help: 'output format (default: text)' },
  { flag: '--json', key: 'json', help: 'same as --format json' },
  { flag: '--textfile', key: 'textfile', value: 'path', help: "also write Prometheus text atomically to PATH (node_exporter's textfile collector)" },
  {
    flag: '--verbose',
    key: 'verbose',
    help: "print every job, not only the unhealthy and unscheduled ones, and name the causes the check ruled out in each job's cause line",
  },
  { flag: '--dry-run', key: 'dryRun', help: 'say what would be notified or restored, do none of it' },
  { flag: '--no-notify', key: 'notify', negates: true, help: 'send no notifications' },
  { flag: '--no-recover', key: 'recover', negates: true, help: 'run no recovery actions' },
];

/** The commands cron runs every minute, which the fast path parses. */
const FAST: Record<string, readonly OptionSpec[]> = { tick: TICK_OPTIONS, wrap: WRAP_OPTIONS, check: CHECK_OPTIONS };

/** A tick, wrap or check command line, parsed without commander. */
export interface FastCommand {
  command: 'tick' | 'wrap' | 'check';
  /** tick: [job]; wrap: the command and its arguments; check: the job names. */
  operands: string[];
  options: Record<string, string | number | boolean | Array<string | number>>;
}

/**
 * Parses the common, well-formed `hb tick` / `hb wrap` / `hb check` command lines that cron runs
 * on every tick, so they start without loading commander. Anything else — help, a version flag, an
 * unknown or short option, a missing value or one its parser refuses — returns null, and commander
 * parses it and gives the proper message. The result is what commander would produce for the same argv.
 */
export function parseFast(argv: readonly string[]): FastCommand | null {
  const before: FastCommand['options'] = {};
  const options: FastCommand['options'] = {};
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const step = take(argv, i, GLOBAL_OPTIONS, before);
    if (step === null) return null;
    i += step;
  }
  const name = argv[i++];
  if (name === undefined || !Object.hasOwn(FAST, name)) return null;
  const specs = [...FAST[name]!, ...GLOBAL_OPTIONS];
  const operands: string[] = [];
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    // wrap passes everything from its first operand on through to the command, a later `--`
    // included, as commander's passThroughOptions does.
    if (name === 'wrap' && operands.length > 0) {
      operands.push(...argv.slice(i));
      break;
    }
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const step = take(argv, i, specs, options);
      if (step === null) return null;
      i += step;
    } else operands.push(arg);
  }
  const command = name as FastCommand['command'];
  if (command === 'tick' && operands.length !== 1) return null;
  if (command === 'wrap' && operands.length === 0) return null;
  // commander gives every --no-x switch the default true, and a global option given before the
  // command name (or its default) wins over the same option after it; the fast path must hand
  // over the same object.
  for (const s of specs) if (s.negates && !(s.key in options)) options[s.key] = true;
  for (const s of GLOBAL_OPTIONS) if (s.negates) options[s.key] = true;
  return { command, operands, options: { ...options, ...before } };
}

/** Applies the option at argv[i]; returns how many extra args it consumed, or null to give up. */
function take(argv: readonly string[], i: number, specs: readonly OptionSpec[], into: FastCommand['options']): number | null {
  const arg = argv[i]!;
  const eq = arg.indexOf('=');
  const flag = eq > 0 ? arg.slice(0, eq) : arg;
  const spec = specs.find((s) => s.flag === flag);
  if (!spec) return null;
  if (!spec.value) {
    if (eq > 0) return null;
    into[spec.key] = !spec.negates;
    return 0;
  }
  const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
  if (value === undefined || (eq < 0 && value.startsWith('-'))) return null;
  if (spec.choices && !spec.choices.includes(value)) return null;
  let parsed: string | number | number[] = value;
  if (spec.parse) {
    // A value its parser refuses goes to commander, which calls the same parser and reports it.
    try {
      parsed = spec.parse(value);
    } catch {
      return null;
    }
  }
  const before = into[spec.key];
  into[spec.key] = spec.repeatable ? [...(Array.isArray(before) ? before : []), parsed as string] : parsed;
  return eq > 0 ? 0 : 1;
}
