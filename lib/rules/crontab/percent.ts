// Debian cron's `%` and backslash rules, as its daemon applies them (seen under a real `cron -f`).
// In the command: `\\` becomes `\`, `\%` becomes `%`, any other `\` stays, and the first `%`
// left ends it — so in `\\%` the `%` ends the command. After it, the stdin: each `%` a newline,
// `\%` a `%`, every other backslash kept (`\\%` gives `\%`), and a newline added when the text
// does not end in one.

/** A job line's command as cron runs it. */
export interface CronCommand {
  /** What the shell receives. */
  command: string;
  /** The text cron writes to the command's stdin, or null when the line has no unescaped `%`. */
  stdin: string | null;
}

/** Splits a command as written in a crontab into what the shell runs and its stdin. */
export function splitPercent(written: string): CronCommand {
  const at = firstUnescapedPercent(written);
  const command = unescapeCommand(at < 0 ? written : written.slice(0, at));
  return { command, stdin: at < 0 ? null : stdinOf(written.slice(at + 1)) };
}

/** Where cron's stdin part of a command as written begins (its first unescaped `%`), or -1. */
export function firstUnescapedPercent(written: string): number {
  for (let i = 0; i < written.length; i++) {
    const c = written.charAt(i);
    if (c === '\\' && (written[i + 1] === '%' || written[i + 1] === '\\')) i++;
    else if (c === '%') return i;
  }
  return -1;
}

/** Command text as a crontab line must carry it for cron to hand the shell exactly `text`. */
export function escapeForCron(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '%') out += '\\%';
    // A backslash cron would pair with what follows is doubled, so it pairs with its double.
    else if (c === '\\' && (text[i + 1] === '\\' || text[i + 1] === '%')) out += '\\\\';
    else out += c;
  }
  return out;
}

// The command part (no unescaped `%` in it): `\\` → `\`, `\%` → `%`.
function unescapeCommand(part: string): string {
  return part.replace(/\\([\\%])/g, '$1');
}

// The stdin part, after the first unescaped `%`.
function stdinOf(part: string): string {
  let out = '';
  let escaped = false;
  for (const c of part) {
    if (escaped) {
      escaped = false;
      if (c === '%') {
        out += '%';
        continue;
      }
      out += '\\';
      if (c === '\\') {
        escaped = true;
        continue;
      }
      out += c;
    } else if (c === '\\') escaped = true;
    else out += c === '%' ? '\n' : c;
  }
  if (escaped) out += '\\';
  return out === '' || out.endsWith('\n') ? out : `${out}\n`;
}
