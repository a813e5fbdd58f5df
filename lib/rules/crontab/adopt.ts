// `hb crontab --adopt`: each job line of an existing crontab rewritten to run through
// `hb wrap --job NAME --cron 'SCHEDULE'`, everything else kept byte for byte. Pure.

import { hbArgv, type HbExec } from '../hb-exec.ts';
import { CHECK_JOB } from '../job-name.ts';
import { commandSetting, managedBy } from './managed.ts';
import type { JobLine, ParsedCrontab } from './parse.ts';
import { firstUnescapedPercent } from './percent.ts';
import { jobNameForCommand, slugJobName } from './job-names.ts';
import { BUILTINS } from './programs.ts';
import { fileRefusals } from './verdict.ts';
import { crontabCommand, unwritable } from './words.ts';

/** One rewritten line. */
export interface AdoptedLine {
  line: number;
  job: string;
  before: string;
  after: string;
}

/** A job line left as it was, and why. */
export interface LeftAlone {
  line: number;
  reason: string;
}

/** The outcome for one file. */
export interface AdoptedFile {
  file: string;
  /** The new text (equal to the old one when nothing was adopted). */
  text: string;
  adopted: AdoptedLine[];
  leftAlone: LeftAlone[];
  /** Whether some line of the file runs `hb check` already. */
  hasCheck: boolean;
  /** Why the whole file is left as it is (cron ignores it), or null. */
  refused: string | null;
}

/** What adopt needs besides the file. */
export interface AdoptContext {
  exec: HbExec;
  /** The zone cron runs in, given as --tz when a TZ= line would otherwise mislead hb. */
  hostTz: string;
  /** Names already in use (configured jobs, jobs of hb lines, names given earlier): updated. */
  taken: Set<string>;
  /** Whether a login exists, to judge the user field of system crontabs; absent: not judged. */
  userExists?: (name: string) => boolean;
}

/** `name`, or `name-2`, `name-3`… (shortened to stay within the name rule) — the first one not taken; marks it taken. */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate) || candidate === CHECK_JOB; n++) candidate = `${name.slice(0, 127 - String(n).length)}-${n}`;
  taken.add(candidate);
  return candidate;
}

// A command of plain words only (no assignment first): hb wrap can run it without a shell, as the shell would.
const PLAIN_COMMAND = /^[A-Za-z0-9_@+:,./-]+(?:[ \t]+[A-Za-z0-9_@+=:,./-]+)*[ \t]*$/;

/** The argv `hb wrap` runs for `command`: its words when plain, else the line's shell with -c. */
export function wrappedArgv(command: string, shell: string): string[] {
  const words = command.trim().split(/[ \t]+/);
  if (PLAIN_COMMAND.test(command.trim()) && !BUILTINS.has(words[0]!)) return words;
  return [shell, '-c', command];
}

/** Why a job line is left alone, or null when it can be wrapped. */
function reasonToLeave(line: JobLine): string | null {
  if (line.hb.length > 0) return `already runs hb ${line.hb[0]!.subcommand}`;
  if (line.ignored) return 'marked # hb: ignore';
  if (line.cronSchedule === null) return '@reboot runs once per boot: there is no schedule to be late against';
  if (line.oddity?.kind === 'never-fires') return `its schedule never fires (${line.oddity.message}): run hb doctor`;
  if (line.crlf) return 'ends in CRLF: cron hands the \\r to the shell; fix the file first (hb doctor)';
  if (line.command.trim() === '') return 'runs no command';
  return null;
}

/** The wrapped form of one job line. */
function wrapLine(line: JobLine, job: string, ctx: AdoptContext): string | { reason: string } {
  // Debian cron fires every line in its own zone, whatever CRON_TZ or TZ says; both reach the
  // job's environment, so the host zone is written out where one of them is set.
  const tz = line.cronTz !== null || line.env.TZ !== undefined ? ctx.hostTz : null;
  const shell = line.env.SHELL ?? '/bin/sh';
  const inner = wrappedArgv(line.command, shell);
  const args = ['wrap', '--job', job, '--cron', line.cronSchedule!, ...(tz ? ['--tz', tz] : [])];
  const argv = [...hbArgv(ctx.exec, args), '--', ...inner];
  const bad = argv.map(unwritable).find((r) => r !== null);
  if (bad) return { reason: bad };
  // The line up to its command stays as written; so does what follows the first unescaped %.
  const prefix = line.raw.slice(0, line.raw.length - line.written.length);
  const stdinAt = firstUnescapedPercent(line.written);
  const stdin = stdinAt < 0 ? '' : line.written.slice(stdinAt);
  return `${prefix}${crontabCommand(argv)}${stdin}`;
}

/** Why cron ignores the whole of `parsed` (so adopt must not touch it), or null. */
function refusal(parsed: ParsedCrontab, ctx: AdoptContext): string | null {
  const [first, ...more] = fileRefusals(parsed, ctx.userExists ?? null);
  if (!first) return null;
  const also = more.length === 0 ? '' : ` (and ${more.length} more line${more.length === 1 ? '' : 's'})`;
  return `cron ignores this whole file: line ${first.line}: ${first.reason}${also}; fix it first (hb doctor explains)`;
}

/**
 * Adopts every job line of `parsed` it can; lines it cannot are listed with the reason. A file
 * cron ignores is left as it is: adopting it would bring lines cron never ran to life.
 */
export function adoptCrontab(parsed: ParsedCrontab, ctx: AdoptContext): AdoptedFile {
  const refused = refusal(parsed, ctx);
  const out: AdoptedFile = { file: parsed.file, text: '', adopted: [], leftAlone: [], hasCheck: false, refused };
  const lines = parsed.lines.map((l) => l.raw);
  for (const line of parsed.lines) {
    if (line.kind !== 'job') continue;
    if (line.hb.some((h) => h.subcommand === 'check')) out.hasCheck = true;
    const why = refused ?? reasonToLeave(line);
    if (why) {
      out.leftAlone.push({ line: line.line, reason: why });
      continue;
    }
    // Named after the entry of the tool that owns the line (its #Ansible: marker), else after what it runs.
    const owner = managedBy(parsed, line.line);
    const job = uniqueName((owner ? slugJobName(owner.name) : null) ?? jobNameForCommand(line.command), ctx.taken);
    const after = wrapLine(line, job, ctx);
    if (typeof after !== 'string') {
      ctx.taken.delete(job);
      out.leftAlone.push({ line: line.line, reason: after.reason });
      continue;
    }
    // A tool that owns the line puts it back at its next run: the change goes into the tool's source.
    if (owner) {
      const command = after.slice(line.raw.length - line.written.length);
      out.leftAlone.push({
        line: line.line,
        reason: `owned by ${owner.tool} (${owner.marker}), which puts the line back at its next run: change it in the ${owner.source}, ${commandSetting(owner, command)}`,
      });
      continue;
    }
    lines[line.line - 1] = after;
    out.adopted.push({ line: line.line, job, before: line.raw, after });
  }
  out.text = lines.length === 0 ? '' : `${lines.join('\n')}${parsed.finalNewline ? '\n' : ''}`;
  return out;
}
