// Which crontab lines start which hb job, as cron would read them: the lines cron runs, the lines
// in a file cron ignores (and why, in hb doctor's words), and the lines commented out that would
// run the job once the `#` went. Pure: the files' text, mode and owner in, lines by job out.

import { CHECK_JOB } from '../job-name.ts';
import { mayStartHb, type HbInvocation } from '../crontab/hb-line.ts';
import { parseCrontab, type JobLine, type ParsedCrontab } from '../crontab/parse.ts';
import { fileRefusals } from '../crontab/verdict.ts';
import type { Lender } from '../crontab/schedules.ts';
import { cronReads, fileRules } from '../doctor/file-rules.ts';
import type { CrontabSource } from '../doctor/types.ts';

/** How cron treats a line that starts a job. */
export type LineState = 'runs' | 'commented_out' | 'ignored_file';

/** One crontab line that starts a job (or would, but for its `#` or its file). */
export interface JobLineRef {
  file: string;
  line: number;
  state: LineState;
  /** The schedule as written (`0 3 * * *`, `@daily`). */
  schedule: string;
  /** The schedule cron follows, or null for @reboot. */
  cronSchedule: string | null;
  /** Why a schedule cron accepts never fires (`0 0 31 2 *`), in doctor's words, or null. */
  oddity: string | null;
  /** ignored_file: why cron skips the file ("a name with \".\"") and doctor's rule code. */
  ignored: { why: string; rule: string } | null;
  /** The command the line runs (its programs, e.g. a `flock FILE` in front of hb). */
  parsed: JobLine;
}

/** The job an hb command of a crontab line starts, as `hb check` lends schedules (schedules.ts), or null. */
export function jobOfInvocation(h: HbInvocation): string | null {
  if (h.subcommand === 'check') return CHECK_JOB;
  return h.subcommand === 'tick' || h.subcommand === 'wrap' ? h.job : null;
}

/**
 * Job → every line that starts it, file by file in the order given. A file cron ignores gives
 * `ignored_file` lines; a comment that parses as a job line of the file's kind gives
 * `commented_out` ones. `users` (names) lets a system crontab's unknown user count as cron counts
 * it; null leaves users unjudged. `belongs` keeps only the hb commands that may write to the
 * checked state directory (another user's `hb tick backup` is another job).
 */
export function indexJobLines(sources: readonly CrontabSource[], users: ReadonlySet<string> | null, belongs: Lender = () => true): Map<string, JobLineRef[]> {
  const out = new Map<string, JobLineRef[]>();
  const add = (job: string, ref: JobLineRef) => {
    const list = out.get(job);
    if (list) list.push(ref);
    else out.set(job, [ref]);
  };
  for (const source of sources) {
    if (!mayStartHb(source.text)) continue;
    const parsed = parseCrontab(source.text, { kind: source.kind, file: source.path, owner: source.owner });
    const userMap = users && new Map([...users].map((u) => [u, u]));
    const ignored = cronReads(source, parsed, userMap) ? null : ignoredWhy(source, parsed, users);
    // The file's settings above each line: a commented-out line would run with them.
    let env: Record<string, string> = {};
    for (const l of parsed.lines) {
      let job: JobLine | null = null;
      let state: LineState = ignored ? 'ignored_file' : 'runs';
      if (l.kind === 'env') env = { ...env, [l.name]: l.value };
      if (l.kind === 'job') job = l;
      else if (l.kind === 'comment') {
        job = uncommented(l.text, source, l.line, env);
        state = 'commented_out';
      }
      if (job === null) continue;
      const runsAs = job.user ?? source.owner;
      const jobs = new Set(job.hb.filter((h) => belongs(runsAs, job, h)).map(jobOfInvocation));
      for (const j of jobs) {
        if (j === null) continue;
        add(j, {
          file: source.path,
          line: l.line,
          state,
          schedule: job.schedule,
          cronSchedule: job.cronSchedule,
          oddity: job.oddity?.kind === 'never-fires' ? job.oddity.message : null,
          ignored: state === 'ignored_file' ? ignored : null,
          parsed: job,
        });
      }
    }
  }
  return out;
}

// The job line a comment holds once its `#`s go (`# 0 3 * * * root hb wrap …`), under the
// file's settings `env`, or null.
function uncommented(text: string, source: CrontabSource, line: number, env: Readonly<Record<string, string>>): JobLine | null {
  const body = text.replace(/^#+[ \t]*/, '');
  if (body === '' || !mayStartHb(body)) return null;
  const l = parseCrontab(`${body}\n`, { kind: source.kind, file: source.path, owner: source.owner }).lines[0];
  return l?.kind === 'job' && l.hb.length > 0 ? { ...l, line, env, cronTz: env.CRON_TZ ?? null } : null;
}

// Why cron skips the whole file, the first of doctor's reasons, short.
function ignoredWhy(source: CrontabSource, parsed: ParsedCrontab, users: ReadonlySet<string> | null): { why: string; rule: string } {
  const found = fileRules(source, parsed);
  const named = (code: string) => found.some((f) => f.code === code);
  if (source.cronD && (named('crond-name') || !/^[A-Za-z0-9_-]+$/.test(basenameOf(source.path)))) {
    const bad = [...new Set(basenameOf(source.path).replace(/[A-Za-z0-9_-]/g, ''))].map((c) => `"${c}"`).join(', ');
    return { why: `a name with ${bad} (cron.d names take only letters, digits, _ and -)`, rule: 'crond-name' };
  }
  if (named('crond-mode')) return { why: `mode ${(source.mode ?? 0).toString(8).padStart(4, '0')} is group- or other-writable`, rule: 'crond-mode' };
  if (named('crond-owner')) return { why: `owned by uid ${source.uid}, not root`, rule: 'crond-owner' };
  const refusal = fileRefusals(parsed, users && ((name) => users.has(name)))[0];
  if (refusal) return { why: `line ${refusal.line}: ${refusal.reason}`, rule: refusal.kind === 'invalid' ? 'invalid-line' : refusal.kind };
  return { why: 'cron skips it', rule: 'unknown' };
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
