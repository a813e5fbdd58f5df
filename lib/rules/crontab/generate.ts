// What `hb crontab` writes: one `hb tick JOB` line per scheduled job and one `hb check` line for
// the meta-heartbeat, inside hb's marked block, each schedule one Debian cron follows exactly.
// Pure: the config, the exec paths and the host zone in, lines and problems out. hb doctor
// suggests a missing line from the same plan, so the two never disagree.

import type { HbConfig, JobConfig } from '../config/types.ts';
import { parseDuration } from '../duration.ts';
import { hbArgv, type HbExec } from '../hb-exec.ts';
import { CHECK_JOB } from '../job-name.ts';
import { sameZone } from '../schedule/tz.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import { BEGIN_MARK, END_MARK } from './block.ts';
import { crontabCommand, unwritable } from './words.ts';

/** What to generate. */
export interface CrontabRequest {
  /** Only the jobs and the file they came from are read: hb doctor passes what it has of a config. */
  config: { file: HbConfig['file']; jobs: ReadonlyMap<string, JobConfig> };
  exec: HbExec;
  /** The user field of a system crontab (/etc/cron.d); absent for a user crontab. */
  user?: string;
  /** The zone cron runs in (the host's): a job in another zone has no exact cron line. */
  hostTz: string;
  /** How to regenerate, for the block's first line (`hb crontab --install`). */
  regenerate: string;
}

/** A job that gets no line, and why. */
export interface CrontabProblem {
  job: string;
  reason: string;
}

/** The block's lines (markers included), jobs skipped for want of a schedule, and problems (exit 2). */
export interface CrontabPlan {
  block: string[];
  jobs: string[];
  /** Each job's line exactly as in the block (`hb-check` for the meta-heartbeat). */
  lines: Map<string, string>;
  skipped: CrontabProblem[];
  problems: CrontabProblem[];
}

/** The meta-heartbeat runs every minute unless `jobs.hb-check` has a schedule of its own. */
const CHECK_DEFAULT: ScheduleSpec = { cron: '* * * * *' };

/**
 * The cron schedule that fires exactly as `spec` says, or why there is none: cron has no zone
 * of its own per line (Debian cron ignores CRON_TZ) and its `*\/N` restarts every hour or day.
 */
export function cronScheduleFor(spec: ScheduleSpec, hostTz: string): { ok: true; schedule: string } | { ok: false; reason: string } {
  if ('cron' in spec) {
    const zoneFree = spec.cron.trim() === '* * * * *';
    if (spec.tz && !zoneFree && !sameZone(spec.tz, hostTz)) {
      return {
        ok: false,
        reason: `cron "${spec.cron}" in ${spec.tz}: cron runs every line in the host zone (${hostTz}) and Debian cron ignores CRON_TZ; write the schedule in ${hostTz}, or run the job from hb systemd or hb daemon`,
      };
    }
    return { ok: true, schedule: spec.cron.trim().split(/\s+/).join(' ') };
  }
  const ms = parseDuration(spec.every);
  const minutes = ms === undefined ? NaN : ms / 60_000;
  const none = (why: string) => ({ ok: false as const, reason: `every ${spec.every}: ${why}; give the job a cron schedule instead` });
  if (!Number.isInteger(minutes) || minutes < 1) return none('cron fires on whole minutes, at most once a minute');
  if (minutes < 60 && 60 % minutes === 0) return { ok: true, schedule: minutes === 1 ? '* * * * *' : `*/${minutes} * * * *` };
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0) return { ok: true, schedule: hours === 1 ? '0 * * * *' : `0 */${hours} * * *` };
  if (hours === 24) return { ok: true, schedule: '0 0 * * *' };
  if (hours === 168) return { ok: true, schedule: '0 0 * * 0' };
  return none("cron's */N restarts every hour and every day, so this period has no exact cron line");
}

/** Decides every line and every problem; writes nothing. */
export function planCrontab(req: CrontabRequest): CrontabPlan {
  const { config } = req;
  const plan: CrontabPlan = { block: [], jobs: [], lines: new Map(), skipped: [], problems: [] };
  const where = config.file ?? 'the config (there is no config file)';
  const rows: Array<{ job: string; schedule: string; command: string }> = [];
  const add = (job: string, spec: ScheduleSpec, args: string[], suffix = '') => {
    const cron = cronScheduleFor(spec, req.hostTz);
    if (!cron.ok) return void plan.problems.push({ job, reason: cron.reason });
    const argv = hbArgv(req.exec, args);
    const bad = argv.map(unwritable).find((r) => r !== null);
    if (bad) return void plan.problems.push({ job, reason: bad });
    rows.push({ job, schedule: cron.schedule, command: crontabCommand(argv) + suffix });
    plan.jobs.push(job);
  };
  for (const [job, jc] of config.jobs) {
    if (job === CHECK_JOB) continue;
    if (!jc.schedule) plan.skipped.push({ job, reason: `no schedule (cron or every) in ${where}: a cron line needs one` });
    else add(job, jc.schedule, ['tick', job]);
  }
  // The check's report goes to its sinks once per incident; a mail from cron every minute would not.
  add(CHECK_JOB, config.jobs.get(CHECK_JOB)?.schedule ?? CHECK_DEFAULT, ['check'], ' >/dev/null');
  const width = Math.max(...rows.map((r) => r.schedule.length));
  const user = req.user === undefined ? '' : `${req.user} `;
  for (const r of rows) plan.lines.set(r.job, `${r.schedule.padEnd(width)}  ${user}${r.command}`);
  plan.block = [
    `${BEGIN_MARK}: generated by hb; change the hb config and run \`${req.regenerate}\` again rather than edit these lines`,
    ...plan.lines.values(),
    END_MARK,
  ];
  return plan;
}
