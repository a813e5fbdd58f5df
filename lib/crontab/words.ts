// Writing a command into a crontab line: each argument quoted for /bin/sh when it needs it, and
// every `%` escaped, since cron cuts the command at the first unescaped `%`.

const PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

/** One argument as sh reads it back unchanged: bare when plain, else in single quotes. */
export function shellWord(arg: string): string {
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Command text made safe for a crontab line: cron turns each `\%` back into `%` before the shell runs it. */
export function escapePercent(text: string): string {
  return text.replace(/%/g, '\\%');
}

/** An argv as the command part of a crontab line. */
export function crontabCommand(argv: readonly string[]): string {
  return escapePercent(argv.map(shellWord).join(' '));
}

/** Why `arg` cannot be written into a crontab line at all, or null. */
export function unwritable(arg: string): string | null {
  return /[\n\r\0]/.test(arg) ? `${JSON.stringify(arg)} holds a line break or NUL, which a crontab line cannot carry` : null;
}
