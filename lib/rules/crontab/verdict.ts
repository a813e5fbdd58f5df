// Whether Debian cron reads a crontab file at all. One line it refuses — a syntax error, or in
// /etc/crontab and /etc/cron.d a user that does not exist — makes it ignore the whole file
// ("Syntax error, this crontab file will be ignored"), and so does a last job or setting line
// without its newline (a last comment or blank line without one is fine). Seen under a real
// `cron -f` for spool, /etc/crontab and /etc/cron.d files alike, and matched by `crontab -n`. Pure.

import type { JobLine, ParsedCrontab } from './parse.ts';

/** One reason cron ignores a whole file. */
export interface Refusal {
  /** The line at fault (1-based). */
  line: number;
  kind: 'invalid' | 'unknown-user' | 'missing-newline';
  /** What cron objects to, in its words first ("bad minute: …"). */
  reason: string;
}

/** Whether the file ends in a line cron needs a newline after: a job, a setting or a refused line. */
export function missingNewline(parsed: ParsedCrontab): boolean {
  const last = parsed.lines.at(-1);
  return !parsed.finalNewline && last !== undefined && last.kind !== 'comment' && last.kind !== 'blank';
}

/**
 * Every reason cron ignores the whole of `parsed`, by line (empty: it reads the file). Users are
 * judged only in system crontabs and only when `userExists` is given.
 */
export function fileRefusals(parsed: ParsedCrontab, userExists: ((name: string) => boolean) | null): Refusal[] {
  const out: Refusal[] = [];
  for (const l of parsed.lines) {
    if (l.kind === 'invalid') out.push({ line: l.line, kind: 'invalid', reason: l.reason });
    else if (l.kind === 'job' && parsed.kind === 'system' && userExists && l.user !== null && !userExists(l.user)) {
      out.push({ line: l.line, kind: 'unknown-user', reason: `bad username: user "${l.user}" does not exist` });
    }
  }
  if (missingNewline(parsed)) out.push({ line: parsed.lines.length, kind: 'missing-newline', reason: 'missing newline before EOF' });
  return out;
}

/** The job lines of `parsed` other than line `except`. */
export function otherJobs(parsed: ParsedCrontab, except: number | null = null): JobLine[] {
  return parsed.lines.filter((l): l is JobLine => l.kind === 'job' && l.line !== except);
}

const SHOWN = 5;
const LABEL = 60;

/** "line 3 (/usr/local/bin/backup.sh --full), line 5 (…)": job lines named by line and command. */
export function nameJobs(jobs: readonly JobLine[]): string {
  const label = (j: JobLine) => {
    const text = j.written.trim();
    return `line ${j.line} (${text.length > LABEL ? `${text.slice(0, LABEL - 1)}…` : text || 'no command'})`;
  };
  const shown = jobs.slice(0, SHOWN).map(label).join(', ');
  return jobs.length > SHOWN ? `${shown} and ${jobs.length - SHOWN} more` : shown;
}

/** What a refusal costs, for a message: "so its other job lines never run: line 3 (…)". */
export function lostJobs(parsed: ParsedCrontab, except: number | null, other = true): string {
  const jobs = otherJobs(parsed, except);
  const which = other ? 'other ' : '';
  if (jobs.length === 0) return `the file has no ${which}job line`;
  return `so ${jobs.length === 1 ? `its ${which}job line never runs` : `none of its ${jobs.length} ${which}job lines runs`}: ${nameJobs(jobs)}`;
}
