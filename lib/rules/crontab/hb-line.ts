// Recognises hb's own commands in a crontab line — `hb tick JOB`, `hb wrap --job NAME -- …`,
// `hb check` — however hb is started: `hb`, `/usr/local/bin/hb`, `node /opt/hb/dist/hb.js`.

import { jobNameForArgv } from './job-names.ts';
import { baseName, type ProgramUse } from './programs.ts';
import type { Word } from './shell.ts';

/** One hb command found in a crontab line. */
export interface HbInvocation {
  subcommand: string;
  /** tick: its job; wrap: --job or the name derived from the command; otherwise null. */
  job: string | null;
  /** check: the jobs named on the line (empty: all). */
  operands: string[];
  /** `--every`, `--cron`, `--tz`, `--config`, `--state-dir`, … as given (switches are "true"). */
  flags: Record<string, string>;
  /** The words behind the valued flags, for what the shell makes of them (word-path.ts). */
  flagWords: Record<string, Word>;
  /** wrap: the command it runs. */
  wrapped: string[] | null;
  /** The word that started hb (`hb`, `/usr/local/bin/hb`) or the interpreter (`node`). */
  program: Word;
  /** The hb script given to node (`/opt/hb/dist/hb.js`), or null when hb was started directly. */
  script: Word | null;
  /** Which program of the line, counting from 0 (see programsOf). */
  use: number;
}

const HB_FILE = /^hb(?:\.[cm]?js)?$/;
const NODE = /^node(?:js)?[0-9]*$/;
// hb's options that take a value, across commands (SPEC §3 and bin/options.ts).
const VALUED = new Set([
  '--config',
  '--state-dir',
  '--every',
  '--cron',
  '--tz',
  '--grace',
  '--status',
  '--action',
  '--message',
  '--notify',
  '--job',
  '--timeout',
  '--skip-code',
  '--tail',
  '--format',
  '--textfile',
  '--since',
  '--output',
  '--for',
  '--from',
  '-n',
  '--file',
  '--crontab',
  '--output-dir',
]);

// An `h` then a `b` with only quotes or backslashes between them: what any word that sh turns
// into `hb`, `hb.js` or `…/hb` holds as written (`hb`, `h"b"`, `'h'b`, `h\b`).
const MAY_START_HB = /h[\\'"]*b/;

/**
 * Whether `text` (a crontab) may hold an hb command at all: false only when no word in it can
 * become hb's name or script once sh removes its quotes, so that its lines need no parsing to
 * know that none of them runs hb.
 */
export function mayStartHb(text: string): boolean {
  return MAY_START_HB.test(text);
}

/** The hb command `use` runs, or null when it does not run hb. */
export function hbInvocation(use: ProgramUse, index: number): HbInvocation | null {
  let args: Word[];
  let script: Word | null = null;
  if (HB_FILE.test(baseName(use.word.text))) args = use.args;
  else if (NODE.test(baseName(use.word.text)) && use.script && HB_FILE.test(baseName(use.script.text))) {
    script = use.script;
    args = use.args.slice(use.args.indexOf(use.script) + 1);
  } else return null;

  const flags: Record<string, string> = {};
  const flagWords: Record<string, Word> = {};
  const operands: string[] = [];
  let subcommand: string | null = null;
  let wrapped: string[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === '--') {
      if (subcommand === 'wrap') wrapped = args.slice(i + 1).map((w) => w.text);
      break;
    }
    if (text.startsWith('-') && text !== '-') {
      const eq = text.indexOf('=');
      if (text.startsWith('--') && eq > 0) {
        const value = text.slice(eq + 1);
        flags[text.slice(2, eq)] = value;
        // sh expands `~` only at the start of a word: `--state-dir=~/x` reaches hb as written; unknown here.
        flagWords[text.slice(2, eq)] = { text: value, dynamic: args[i]!.dynamic || value.startsWith('~') };
      } else if (VALUED.has(text)) {
        const value = args[++i] ?? { text: '', dynamic: false };
        flags[text.replace(/^--?/, '')] = value.text;
        flagWords[text.replace(/^--?/, '')] = value;
      } else flags[text.replace(/^--?/, '')] = 'true';
    } else if (subcommand === null) subcommand = text;
    else if (subcommand === 'wrap') {
      wrapped = args.slice(i).map((w) => w.text);
      break;
    } else operands.push(text);
  }
  if (subcommand === null) return null;
  let job: string | null = null;
  if (subcommand === 'tick') job = operands[0] ?? null;
  if (subcommand === 'wrap') job = flags.job ?? (wrapped?.[0] ? jobNameForArgv(wrapped) : null);
  return { subcommand, job, operands, flags, flagWords, wrapped, program: use.word, script, use: index };
}
