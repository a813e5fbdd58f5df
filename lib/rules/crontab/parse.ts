// The one crontab parser (Debian cron's rules), shared by hb doctor, hb crontab --adopt and the
// schedule lookup of hb check. Pure: text in, every line classified with its line number.

import { checkFields, FIELD_NAMES, type Oddity, type Truncation } from './fields.ts';
import { parseEnvLine } from './env-line.ts';
import { hbInvocation, type HbInvocation } from './hb-line.ts';
import { splitPercent } from './percent.ts';
import { programsOf, type ProgramUse } from './programs.ts';

/** A user crontab (`crontab -e`) has no user field; /etc/crontab and /etc/cron.d files do. */
export type CrontabKind = 'user' | 'system';

interface LineBase {
  /** 1-based. */
  line: number;
  /** The line exactly as in the file, without its `\n` (a CRLF file's `\r` stays here). */
  raw: string;
  /** The line ends in `\r` (written on Windows): cron keeps it as part of the command or value. */
  crlf: boolean;
}

/** An empty or blank line. */
export interface BlankLine extends LineBase {
  kind: 'blank';
}

/** A `#` comment; `# hb: ignore` marks the next job line as one adopt and doctor leave alone. */
export interface CommentLine extends LineBase {
  kind: 'comment';
  text: string;
  hbIgnore: boolean;
}

/** `NAME=VALUE`: applies to the job lines below it in the same file. */
export interface EnvLine extends LineBase {
  kind: 'env';
  name: string;
  value: string;
  quoted: boolean;
}

/** A job: schedule, user (system crontabs), command. */
export interface JobLine extends LineBase {
  kind: 'job';
  /** As written: the five fields joined by one space, or the macro (`@daily`, `@reboot`). */
  schedule: string;
  /** The fields as written (empty for a macro). */
  fields: string[];
  macro: string | null;
  /** The schedule cron really follows (truncated fields cut), or null for @reboot. */
  cronSchedule: string | null;
  truncated: Truncation[];
  /** A schedule cron accepts that never fires, or fires far less often than it reads. */
  oddity: Oddity | null;
  user: string | null;
  /** The command as written, after the schedule and user. */
  written: string;
  /** What the shell runs: up to the first unescaped `%`, with `\%` turned into `%`. */
  command: string;
  /** What cron feeds to stdin (text after the first unescaped `%`), or null. */
  stdin: string | null;
  /** The file's settings in effect for this line (lines above it). */
  env: Readonly<Record<string, string>>;
  /** CRON_TZ in effect, or null. */
  cronTz: string | null;
  /** Preceded by `# hb: ignore`. */
  ignored: boolean;
  programs: ProgramUse[];
  /** hb commands this line runs. */
  hb: HbInvocation[];
}

/** A line cron refuses (it logs an error and ignores the whole file: lib/rules/crontab/verdict.ts). */
export interface InvalidLine extends LineBase {
  kind: 'invalid';
  reason: string;
}

/** One classified line. */
export type CrontabLine = BlankLine | CommentLine | EnvLine | JobLine | InvalidLine;

/** A whole file. */
export interface ParsedCrontab {
  file: string;
  kind: CrontabKind;
  /** The login a user crontab belongs to (its lines run as that user), when known. */
  owner: string | null;
  lines: CrontabLine[];
  /** False when the last line has no `\n`: Debian cron then ignores the whole file. */
  finalNewline: boolean;
  /** Some line ends in CRLF. */
  crlf: boolean;
}

/** Debian cron's macros (case-sensitive, as cron reads them). */
export const MACROS = ['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const HB_IGNORE = /^#\s*hb:\s*ignore\b/i;
const FIELDS = /^(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)(?:[ \t]+([^]*))?$/;

/** Parses a crontab's text. */
export function parseCrontab(text: string, opts: { kind: CrontabKind; file: string; owner?: string | null }): ParsedCrontab {
  const rawLines = text === '' ? [] : text.split('\n');
  const finalNewline = text === '' || text.endsWith('\n');
  if (text.endsWith('\n')) rawLines.pop();
  let env: Record<string, string> = {};
  let ignoreNext = false;
  const lines = rawLines.map((raw, i): CrontabLine => {
    const crlf = raw.endsWith('\r');
    const base = { line: i + 1, raw, crlf };
    const body = (crlf ? raw.slice(0, -1) : raw).replace(/^[ \t]+/, '');
    if (body.trim() === '') return { ...base, kind: 'blank' };
    if (body.startsWith('#')) {
      const hbIgnore = HB_IGNORE.test(body);
      if (hbIgnore) ignoreNext = true;
      return { ...base, kind: 'comment', text: body, hbIgnore };
    }
    const setting = parseEnvLine(body);
    if (setting) {
      env = { ...env, [setting.name]: setting.value };
      return { ...base, kind: 'env', ...setting };
    }
    const job = parseJob(body, opts.kind);
    if ('reason' in job) return { ...base, kind: 'invalid', reason: job.reason };
    const ignored = ignoreNext;
    ignoreNext = false;
    const { command, stdin } = splitPercent(job.written);
    const programs = programsOf(command);
    const hb = programs.map(hbInvocation).filter((h): h is HbInvocation => h !== null);
    return { ...base, kind: 'job', ...job, command, stdin, env, cronTz: env.CRON_TZ ?? null, ignored, programs, hb };
  });
  return { file: opts.file, kind: opts.kind, owner: opts.owner ?? null, lines, finalNewline, crlf: lines.some((l) => l.crlf) };
}

type ParsedJob = Pick<JobLine, 'schedule' | 'fields' | 'macro' | 'cronSchedule' | 'truncated' | 'oddity' | 'user' | 'written'>;

function parseJob(body: string, kind: CrontabKind): ParsedJob | { reason: string } {
  let rest: string;
  let job: Omit<ParsedJob, 'user' | 'written'>;
  if (body.startsWith('@')) {
    const macro = /^\S+/.exec(body)![0];
    if (!MACROS.includes(macro)) {
      return { reason: `bad time specifier: "${macro}" is not a macro cron knows (expected one of ${MACROS.join(', ')})` };
    }
    rest = body.slice(macro.length).replace(/^[ \t]+/, '');
    job = { schedule: macro, fields: [], macro, cronSchedule: macro === '@reboot' ? null : macro, truncated: [], oddity: null };
  } else {
    const setting = notASetting(body);
    if (setting) return { reason: setting };
    const m = FIELDS.exec(body);
    const words = body.trimEnd().split(/[ \t]+/);
    // Cron reads field by field: a bad field before the line runs out is what it reports.
    const fields = m ? m.slice(1, 6) : [...words, '*', '*', '*', '*'].slice(0, 5);
    const verdict = checkFields(fields);
    if (!verdict.ok) return { reason: verdict.reason };
    if (!m) {
      return {
        reason: `bad ${FIELD_NAMES[words.length]}: a job line needs 5 time fields (minute hour day-of-month month day-of-week) before the ${kind === 'system' ? 'user and ' : ''}command, found ${words.length}`,
      };
    }
    rest = m[6] ?? '';
    job = { schedule: fields.join(' '), fields, macro: null, cronSchedule: verdict.effective, truncated: verdict.truncated, oddity: verdict.oddity };
  }
  // A `*` where the command (or the user) starts: a sixth time field from another scheduler.
  // Cron refuses it in a user crontab as a bad command, in a system one as a bad username.
  if (rest.startsWith('*')) {
    const what = kind === 'user' ? 'bad command' : 'bad username';
    return {
      reason: `${what}: "${/^\S+/.exec(rest)![0]}" after the 5 time fields looks like a sixth one (seconds or years, from another scheduler): Debian cron has exactly 5`,
    };
  }
  if (kind === 'user') return { ...job, user: null, written: rest };
  // Cron reads the user up to a blank: a line that ends there (no user, or no blank after it) is refused.
  const u = /^(\S+)[ \t]([^]*)$/.exec(rest);
  if (!u) {
    return {
      reason: `bad command: a line in /etc/crontab or /etc/cron.d needs a user field and then the command after the schedule, found ${rest === '' ? 'neither' : `only "${rest}"`}`,
    };
  }
  return { ...job, user: u[1]!, written: u[2]!.replace(/^[ \t]+/, '') };
}

// A line that starts like NAME=VALUE but is not one cron accepts: say why, as cron only says "bad minute".
function notASetting(body: string): string | null {
  const m = /^(["']?)[^\s="']+\1[ \t]*=[ \t]*([^]*)$/.exec(body);
  if (!m) return null;
  const value = m[2]!;
  const why =
    value === ''
      ? 'an empty value must be written in quotes, NAME=""'
      : /^["']/.test(value) && value.indexOf(value[0]!, 1) < 0
        ? 'its quoted value has no closing quote'
        : 'nothing but blanks may follow a quoted value (cron allows no comment there)';
  return `bad minute: cron does not read this as a NAME=VALUE setting: ${why}`;
}
