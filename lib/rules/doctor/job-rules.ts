// Rules across every crontab: hb lines for jobs the config does not know, configured jobs no line
// runs, the meta-heartbeat installed twice or never, and dead-man switches pinged from two places.

import { checkKey, stateDirOfLine, type CheckSite } from '../crontab/check-lines.ts';
import { planCrontab } from '../crontab/generate.ts';
import type { JobLine, ParsedCrontab } from '../crontab/parse.ts';
import type { HbInvocation } from '../crontab/hb-line.ts';
import { baseName, BUILTINS } from '../crontab/programs.ts';
import { CHECK_JOB } from '../job-name.ts';
import { finding, type CrontabSource, type DoctorFacts, type Finding } from './types.ts';

/** A crontab with what cron makes of it. */
export interface Checked {
  source: CrontabSource;
  parsed: ParsedCrontab;
  /** cron reads the file at all. */
  reads: boolean;
}

interface Use {
  file: string;
  line: JobLine;
  h: HbInvocation;
  reads: boolean;
  /** The user field, or the user crontab's owner. */
  runsAs: string | null;
}

// A check this recent runs from somewhere hb doctor cannot see (a timer, another user's crontab).
const RECENT_CHECK_MS = 3600_000;

const where = (u: { file: string; line: { line: number } }) => `${u.file}:${u.line.line}`;

/** Findings that need every crontab at once. */
export function jobRules(checked: readonly Checked[], facts: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const uses: Use[] = checked.flatMap(({ source, parsed, reads }) =>
    parsed.lines.flatMap((line) => (line.kind === 'job' ? line.hb.map((h) => ({ file: parsed.file, line, h, reads, runsAs: line.user ?? source.owner })) : [])),
  );
  const running = uses.filter((u) => u.reads);
  const { config, host } = facts;

  if (config.jobs.size > 0 && config.problems.length === 0) {
    for (const u of uses) {
      const { h, line } = u;
      const ownConfig = h.flags.config === undefined && (line.env.HB_CONFIG === undefined || line.env.HB_CONFIG === config.file);
      if (h.subcommand !== 'tick' || !h.job || line.ignored || !ownConfig || config.jobs.has(h.job) || h.flags.every || h.flags.cron) continue;
      if (runsBefore(line, h)) continue;
      const near = closest(h.job, [...config.jobs.keys()]);
      out.push(
        finding(
          'warning',
          'unknown-job',
          u.file,
          line.line,
          `hb tick ${h.job}: ${config.file} has no job "${h.job}"${near ? ` (did you mean "${near}"?)` : ''}, so the line runs no command: it only records a ping`,
          near ? `name the configured job: hb tick ${near}` : `add jobs.${h.job} to ${config.file}, or give the ping a schedule: hb tick ${h.job} --every DUR`,
        ),
      );
    }
  }

  const checks = running.filter((u) => u.h.subcommand === 'check');
  // Checks of different state directories are different checks; two of one race for its lock.
  const site: CheckSite = {
    homes: facts.users ?? new Map(),
    config: { file: config.file, stateDir: config.stateDir ?? null },
    exists: (p) => facts.probe(p) !== 'missing',
  };
  const firstOf = new Map<string, Use>();
  for (const u of checks) {
    const stateDir = stateDirOfLine(u.line, u.h, u.runsAs, site);
    const key = checkKey({ ...u, stateDir });
    const first = firstOf.get(key);
    if (!first) {
      firstOf.set(key, u);
      continue;
    }
    out.push(
      finding(
        'warning',
        'duplicate-check',
        u.file,
        u.line.line,
        `hb check runs here and at ${where(first)}${stateDir ? `, both for ${stateDir}` : ''}: two meta-heartbeats of one state directory do the same work twice and race for its check lock`,
        'keep one hb check line (every minute) for each state directory and delete the others',
      ),
    );
  }

  if (host && !host.hbDaemon) {
    const suggest = suggestions(facts);
    const ran = new Set(running.flatMap((u) => (u.h.job ? [u.h.job] : [])));
    for (const [job, jc] of config.jobs) {
      // A job with no schedule is the unscheduled finding's (host-rules.ts): one finding, one fix.
      if (job === CHECK_JOB || ran.has(job) || !jc.schedule) continue;
      const dead = uses.find((u) => u.h.job === job);
      out.push(
        finding(
          'warning',
          'job-without-line',
          config.file,
          null,
          `configured job "${job}" has no cron line${dead ? ` that cron runs (${where(dead)} is in a file cron skips)` : ''}: nothing runs it, and hb check will report it as "never"`,
          suggest(job),
        ),
      );
    }
    const recent = host.checkAgeMs !== null && host.checkAgeMs < RECENT_CHECK_MS;
    if (checks.length === 0 && !recent) {
      const skipped = uses.find((u) => u.h.subcommand === 'check');
      const unread = host.unreadable.length > 0 ? ` (not readable here: ${host.unreadable.join(', ')})` : '';
      out.push(
        finding(
          'error',
          'no-check',
          null,
          null,
          `hb check (the meta-heartbeat) runs from no crontab${skipped ? ` cron reads (${where(skipped)} is in a file cron skips)` : ''}${unread}: a job that stops is never noticed`,
          suggest(CHECK_JOB),
        ),
      );
    }
  }
  return out;
}

// Commands that say nothing about what a line does: a tick after them still runs the configured job.
const NOT_A_JOB = new Set([...BUILTINS, 'sleep']);

/** Whether `line` runs a program of its own before hb (`backup.sh && hb tick backup`): the tick then only pings for it. */
function runsBefore(line: JobLine, h: HbInvocation): boolean {
  const at = line.programs[h.use];
  return at !== undefined && line.programs.some((u) => u.index < at.index && !NOT_A_JOB.has(baseName(u.word.text)));
}

/**
 * The fix for a job that no line runs: the very line `hb crontab` prints for it (same paths,
 * --config, --state-dir, schedule, spacing), or hb crontab's reason for printing none.
 */
function suggestions(facts: DoctorFacts): (job: string) => string {
  const plan = planCrontab({ config: facts.config, exec: facts.self, hostTz: facts.hostTz, regenerate: 'hb crontab --install' });
  return (job) => {
    const line = plan.lines.get(job);
    if (line !== undefined) return `add the line hb crontab prints for it to your crontab (crontab -e): ${line}`;
    const why = [...plan.problems, ...plan.skipped].find((p) => p.job === job)?.reason;
    return why === undefined ? `add the line hb crontab prints for ${job} to your crontab (crontab -e)` : `hb crontab has no line for it: ${why}`;
  };
}

/** The configured name within edit distance 2 of `name`, if exactly one is that close. */
function closest(name: string, names: string[]): string | null {
  const near = names.filter((n) => distance(n, name) <= 2);
  const [only, ...others] = near;
  return others.length === 0 ? (only ?? null) : null;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
