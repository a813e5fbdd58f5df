// Which unit pairs `hb systemd` writes: one per scheduled job (or per named job) plus the
// meta-heartbeat's, each translated, with every problem collected at once. Pure.

import { PING_ONLY_REASON, pingOnly } from '../config/ping-only.ts';
import type { HbConfig } from '../config/types.ts';
import { CHECK_JOB } from '../job-name.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import { translateSchedule, type TranslateContext } from './translate.ts';
import type { HbExec } from '../hb-exec.ts';
import { serviceFile, timerFile, type UnitFile, type UnitPairSpec } from './units.ts';

/** The meta-heartbeat runs every minute unless `jobs.hb-check` has a schedule (any zone fires the same minutes). */
export const CHECK_DEFAULT_SCHEDULE: ScheduleSpec = { cron: '* * * * *', tz: 'UTC' };

/** What to generate and for whom. */
export interface SystemdRequest {
  config: HbConfig;
  /** Job names from the command line; empty means every scheduled job plus the meta-heartbeat. */
  jobs: readonly string[];
  exec: HbExec;
  user?: string;
  /** Write timers for jobs with a schedule but no command (they only ping) instead of refusing them. */
  allowPingOnly?: boolean;
  /** An absolute `.prom` path the meta-heartbeat's service also writes (`hb check --textfile PATH`). */
  textfile?: string;
  translate: TranslateContext;
}

/** A job that gets no units, and why. */
export interface SystemdProblem {
  job: string;
  reason: string;
  /** Refused only because its timer would just ping: `allowPingOnly` would write it. */
  pingOnly?: true;
}

/**
 * The outcome: files in write order, their timers, skipped jobs (a note), problems (exit 2) and
 * warnings (units written that a person must know about).
 */
export interface SystemdPlan {
  files: UnitFile[];
  timers: string[];
  skipped: SystemdProblem[];
  problems: SystemdProblem[];
  warnings: SystemdProblem[];
}

const describeSpec = (spec: ScheduleSpec, defaultTz: string) =>
  'every' in spec ? `every ${spec.every}` : `cron "${spec.cron}" in ${spec.tz ?? `${defaultTz} (the host zone)`}`;

/** The unit base name of a job: `hb-<job>`, and plain `hb-check` for the meta-heartbeat. */
export const unitName = (job: string) => (job === CHECK_JOB ? CHECK_JOB : `hb-${job}`);

/** Why a timer for a job that has nothing to run is refused, and what to do instead. */
const pingOnlyRefusal = (job: string, where: string) =>
  `${PING_ONLY_REASON}, and its timer would only run "hb tick ${job}", a ping on time whatever really happens; ` +
  `give it a command: in ${where}, or let the job itself (or its cron line) run hb tick ${job}`;

/** What a person must know about a timer written for such a job anyway. */
const pingOnlyWarning = (job: string) => `its timer only pings (hb tick ${job} runs no command): hb check will see it on time whatever really happens`;

/** Decides every pair and every problem; writes nothing. */
export function planSystemd(req: SystemdRequest): SystemdPlan {
  const { config } = req;
  const plan: SystemdPlan = { files: [], timers: [], skipped: [], problems: [], warnings: [] };
  const all = req.jobs.length === 0;
  const wanted = all ? [...config.jobs.keys()].filter((j) => j !== CHECK_JOB) : [...new Set(req.jobs)];
  const pairs: UnitPairSpec[] = [];
  // The pair for a schedule, or undefined with the reason among the problems.
  const pairFor = (job: string, spec: ScheduleSpec, args: string[], description: string): UnitPairSpec | undefined => {
    const t = translateSchedule(spec, req.translate);
    const schedule = describeSpec(spec, req.translate.defaultTz);
    if (!t.ok) return void plan.problems.push({ job, reason: `${schedule}: ${t.reason}` });
    return { unit: unitName(job), args, description, schedule, trigger: t.trigger, ...(req.user === undefined ? {} : { user: req.user }) };
  };
  for (const job of wanted) {
    if (job === CHECK_JOB) continue;
    const jc = config.jobs.get(job);
    const where = config.file ?? 'the config (there is no config file)';
    if (!jc) plan.problems.push({ job, reason: `no job named ${job} in ${where}` });
    else if (!jc.schedule) {
      const reason = `no schedule (cron or every) in ${where}: a timer needs one`;
      (all ? plan.skipped : plan.problems).push({ job, reason });
    } else if (unitName(job) === CHECK_JOB) {
      plan.problems.push({ job, reason: `its units would be named ${CHECK_JOB}.*, the meta-heartbeat's: rename the job` });
    } else {
      // A ping-only job is refused whether named or not, as any job a timer cannot serve: all or
      // nothing. Its schedule is still translated, so that every problem shows at once.
      const refused = pingOnly(jc) && !req.allowPingOnly;
      if (refused) plan.problems.push({ job, reason: pingOnlyRefusal(job, where), pingOnly: true });
      const pair = pairFor(job, jc.schedule, ['tick', job], `hb job ${job}`);
      if (pair && !refused && pingOnly(jc)) {
        plan.warnings.push({ job, reason: pingOnlyWarning(job) });
        pair.note = `hb tick ${job} runs no command: this timer only records a ping (written with --allow-ping-only)`;
      }
      if (pair && !refused) pairs.push(pair);
    }
  }
  if (all || req.jobs.includes(CHECK_JOB)) {
    const args = req.textfile === undefined ? ['check'] : ['check', '--textfile', req.textfile];
    const pair = pairFor(CHECK_JOB, config.jobs.get(CHECK_JOB)?.schedule ?? CHECK_DEFAULT_SCHEDULE, args, 'hb meta-heartbeat (hb check)');
    if (pair) pairs.push(pair);
  }
  for (const pair of pairs) {
    plan.files.push(serviceFile(pair, req.exec), timerFile(pair));
    plan.timers.push(`${pair.unit}.timer`);
  }
  return plan;
}
