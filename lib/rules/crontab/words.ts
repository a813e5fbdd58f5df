// Writing a command into a crontab line: each argument quoted for /bin/sh when it needs it, and
// escaped for cron (`%` and the backslashes cron would pair), so the shell gets it unchanged.

import { escapeForCron } from './percent.ts';

const PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

/** One argument as sh reads it back unchanged: bare when plain, else in single quotes. */
export function shellWord(arg: string): string {
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as the command part of a crontab line. */
export function crontabCommand(argv: readonly string[]): string {
  return escapeForCron(argv.map(shellWord).join(' '));
}

/** Why `arg` cannot be written into a crontab line at all, or null. */
export function unwritable(arg: string): string | null {
  return /[\n\r\0]/.test(arg) ? `${JSON.stringify(arg)} holds a line break or NUL, which a crontab line cannot carry` : null;
}
