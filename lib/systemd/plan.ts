// Which unit pairs `hb systemd` writes: one per scheduled job (or per named job) plus the
// meta-heartbeat's, each translated, with every problem collected at once. Pure.

import type { HbConfig } from '../config/types.ts';
import { CHECK_JOB } from '../health/watcher.ts';
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
  translate: TranslateContext;
}

/** A job that gets no units, and why. */
export interface SystemdProblem {
  job: string;
  reason: string;
}

/** The outcome: files in write order, their timers, skipped jobs (a note) and problems (exit 2). */
export interface SystemdPlan {
  files: UnitFile[];
  timers: string[];
  skipped: SystemdProblem[];
  problems: SystemdProblem[];
}

const describeSpec = (spec: ScheduleSpec, defaultTz: string) =>
  'every' in spec ? `every ${spec.every}` : `cron "${spec.cron}" in ${spec.tz ?? `${defaultTz} (the host zone)`}`;

/** The unit base name of a job: `hb-<job>`, and plain `hb-check` for the meta-heartbeat. */
export const unitName = (job: string) => (job === CHECK_JOB ? CHECK_JOB : `hb-${job}`);

/** Decides every pair and every problem; writes nothing. */
export function planSystemd(req: SystemdRequest): SystemdPlan {
  const { config } = req;
  const plan: SystemdPlan = { files: [], timers: [], skipped: [], problems: [] };
  const all = req.jobs.length === 0;
  const wanted = all ? [...config.jobs.keys()].filter((j) => j !== CHECK_JOB) : [...new Set(req.jobs)];
  const pairs: Array<{ job: string; pair: UnitPairSpec }> = [];
  const add = (job: string, spec: ScheduleSpec, args: string[], description: string) => {
    const t = translateSchedule(spec, req.translate);
    const schedule = describeSpec(spec, req.translate.defaultTz);
    if (!t.ok) plan.problems.push({ job, reason: `${schedule}: ${t.reason}` });
    else pairs.push({ job, pair: { unit: unitName(job), args, description, schedule, trigger: t.trigger, ...(req.user === undefined ? {} : { user: req.user }) } });
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
    } else add(job, jc.schedule, ['tick', job], `hb job ${job}`);
  }
  if (all || req.jobs.includes(CHECK_JOB)) {
    add(CHECK_JOB, config.jobs.get(CHECK_JOB)?.schedule ?? CHECK_DEFAULT_SCHEDULE, ['check'], 'hb meta-heartbeat (hb check)');
  }
  for (const { pair } of pairs) {
    plan.files.push(serviceFile(pair, req.exec), timerFile(pair));
    plan.timers.push(`${pair.unit}.timer`);
  }
  return plan;
}
