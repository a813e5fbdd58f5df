// Cron's `%` rule: the command ends at the first unescaped `%`; what follows is the command's
// stdin, each further unescaped `%` a newline; `\%` stands for a literal `%` on either side.

/** A job line's command as cron runs it. */
export interface CronCommand {
  /** What the shell receives. */
  command: string;
  /** The text cron writes to the command's stdin, or null when the line has no unescaped `%`. */
  stdin: string | null;
}

/** Splits a command as written in a crontab into what the shell runs and its stdin. */
export function splitPercent(written: string): CronCommand {
  let command = '';
  let stdin: string | null = null;
  for (let i = 0; i < written.length; i++) {
    const c = written[i]!;
    if (c === '\\' && written[i + 1] === '%') {
      i++;
      if (stdin === null) command += '%';
      else stdin += '%';
    } else if (c === '%') {
      if (stdin === null) stdin = '';
      else stdin += '\n';
    } else if (stdin === null) command += c;
    else stdin += c;
  }
  return { command, stdin };
}

/** Where cron's stdin part of a command as written begins (its first unescaped `%`), or -1. */
export function firstUnescapedPercent(written: string): number {
  for (let i = 0; i < written.length; i++) {
    if (written[i] === '\\' && written[i + 1] === '%') i++;
    else if (written[i] === '%') return i;
  }
  return -1;
}
