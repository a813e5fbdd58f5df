// What a completion script is generated from: hb's command tree as plain data (read from the
// commander program by bin/commands/completion.ts), and how each value is completed.

import { validateJobName } from '../job-name.ts';

/** How the words of one value or operand are completed. */
export type ValueKind =
  /** A fixed list (`choices`). */
  | 'choices'
  /** A file or directory path. */
  | 'file'
  /** A directory path. */
  | 'dir'
  /** A job name, asked of hb at completion time (`hb completion --jobs`). */
  | 'job'
  /** A user name on this host. */
  | 'user'
  /** A time zone name (Europe/Berlin), as the host's zone files name them. */
  | 'zone'
  /** A command to run, then that command's own arguments (hb wrap). */
  | 'command'
  /** A command name (`hb help COMMAND`): the reader of the program turns it into `choices`. */
  | 'subcommand'
  /** Free text: nothing is offered. */
  | 'none';

/** An option or operand's value: its name as --help shows it, and how it is completed. */
export interface CompletionValue {
  name: string;
  kind: ValueKind;
  choices: readonly string[];
  /** Takes several words (`--crontab <file...>`, `[job...]`). */
  variadic: boolean;
}

/** One option of a command: its short and long names, its help, its value if it takes one. */
export interface CompletionOption {
  short?: string;
  long?: string;
  help: string;
  value?: CompletionValue;
}

/** One positional operand of a command. */
export interface CompletionOperand extends CompletionValue {
  required: boolean;
}

/** A command (the root is hb itself) with what may follow it. */
export interface CompletionCommand {
  name: string;
  help: string;
  options: readonly CompletionOption[];
  operands: readonly CompletionOperand[];
  commands: readonly CompletionCommand[];
}

/** The shells hb writes completion scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

/**
 * How an option's value is completed, from its long flag and the value name --help shows
 * (`--state-dir <dir>`): a new option with a value named file, path or dir completes paths with
 * no change here.
 */
export function optionValueKind(flag: string | undefined, valueName: string, choices: readonly string[]): ValueKind {
  if (choices.length > 0) return 'choices';
  if (flag === '--job') return 'job';
  if (flag === '--user') return 'user';
  if (valueName === 'zone') return 'zone';
  if (valueName === 'dir') return 'dir';
  if (valueName === 'file' || valueName === 'path') return 'file';
  return 'none';
}

/**
 * How an operand is completed, from its name: a job (`hb next` takes a job as well as an
 * expression), the command hb wrap runs, or a command name (`hb help COMMAND`).
 */
export function operandKind(name: string, variadic: boolean, choices: readonly string[]): ValueKind {
  if (choices.length > 0) return 'choices';
  if (name === 'job' || name === 'expr') return 'job';
  if (name === 'command') return variadic ? 'command' : 'subcommand';
  if (name === 'subcommand') return 'subcommand';
  return 'none';
}

/** The job names worth offering: valid names of `.last`/`.run` files and configured jobs, sorted, once each. */
export function jobNamesFrom(fileNames: readonly string[], configured: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const file of fileNames) {
    const m = /^(.+)\.(?:last|run)$/.exec(file);
    if (m && validateJobName(m[1]!) === null) names.add(m[1]!);
  }
  for (const name of configured) if (validateJobName(name) === null) names.add(name);
  return [...names].sort();
}

/** Every option name of a command (short and long), as typed. */
export function optionNames(o: CompletionOption): string[] {
  return [o.short, o.long].filter((n): n is string => n !== undefined);
}

/** One line of help text, at most `max` characters: shells show it beside the candidate. */
export function shortHelp(text: string, max = 90): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}
