// What a tick or a wrap runs, decided from its flags, the job's config and the config's defaults:
// the command, timeout, lock, skip code, tail and outcome rules; the schedule and grace the
// heartbeat carries; whether the job has sinks that hear about its runs. Pure.

import { sinksOf, type HbConfig, type JobConfig } from '../config/types.ts';
import { UsageError } from '../errors.ts';
import type { OutcomeRules } from '../outcome/rules.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import { receives } from '../sinks/validate.ts';
import { DEFAULT_BASELINE } from '../outcome/baseline.ts';

/** Default bytes of output kept in a heartbeat. */
export const DEFAULT_TAIL_BYTES = 4096;

/** What differs between tick and wrap once flags and config are known. */
export interface RunPlan {
  /** Absent: a pure ping. */
  command?: string | string[];
  timeoutMs?: number;
  lock: boolean;
  /** The exit code of a run skipped because another holds the lock. */
  skipCode: number;
  tailBytes: number;
  /** How the run's outcome is judged beyond its exit code. */
  rules?: OutcomeRules;
  /** A success faster than this is suspicious. */
  minDurationMs?: number;
}

/** What `hb wrap`'s own flags say (absent: not given). */
export interface WrapChoices {
  command: string[];
  timeoutMs?: number;
  lock: boolean;
  skipCode: number;
  tailBytes?: number;
  /** The outcome rules given as flags (--quiet, ...); each key given wins over the job's config. */
  rules?: OutcomeRules;
  /** `--baseline`: judge the run against the job's learned band (the config's settings, else the defaults). */
  baseline?: boolean;
  /** `--min-duration`, in ms. */
  minDurationMs?: number;
}

/** `hb tick`: the job's configured command (none: a ping), timeout, lock and tail, else the defaults. */
export function tickPlan(cfg: JobConfig | undefined, defaults: HbConfig['defaults']): RunPlan {
  return {
    command: cfg?.command,
    timeoutMs: cfg?.timeoutMs ?? defaults.timeoutMs,
    lock: cfg?.lock ?? false,
    skipCode: 0,
    tailBytes: cfg?.tailBytes ?? defaults.tailBytes ?? DEFAULT_TAIL_BYTES,
    ...outcomePart(cfg?.outcome, cfg?.minDurationMs),
  };
}

/** `hb wrap`: the given command; a flag wins over the job's config, which wins over the defaults; --lock or the config's lock. */
export function wrapPlan(wrap: WrapChoices, cfg: JobConfig | undefined, defaults: HbConfig['defaults']): RunPlan {
  const plan: RunPlan = {
    command: wrap.command,
    timeoutMs: wrap.timeoutMs ?? cfg?.timeoutMs ?? defaults.timeoutMs,
    lock: wrap.lock || (cfg?.lock ?? false),
    skipCode: wrap.skipCode,
    tailBytes: wrap.tailBytes ?? cfg?.tailBytes ?? defaults.tailBytes ?? DEFAULT_TAIL_BYTES,
    ...outcomePart(withBaselineFlag(mergeRules(cfg?.outcome, wrap.rules), wrap.baseline), wrap.minDurationMs ?? cfg?.minDurationMs),
  };
  const { failOn, warnOn, require } = plan.rules ?? {};
  if (plan.tailBytes === 0 && (failOn?.length || warnOn?.length || require?.length))
    throw new UsageError(
      "--tail: output rules (--fail-on, --warn-on, --require or the config's output) read the output tail, but a tail of 0 bytes keeps none",
    );
  return plan;
}

/**
 * The Node API's runJob: an in-process function (no command, no output to keep), the job's
 * timeout for its running marker (an overrun shows in hb check; a function cannot be stopped),
 * the lock if asked or configured, and the job's outcome rules that need no output.
 */
export function taskPlan(lock: boolean, cfg: JobConfig | undefined, defaults: HbConfig['defaults']): RunPlan {
  // Exit codes and output patterns judge a command; a function succeeds or throws.
  const { expect, baseline } = cfg?.outcome ?? {};
  const kept: OutcomeRules = { ...(expect ? { expect } : {}), ...(baseline ? { baseline } : {}) };
  return {
    timeoutMs: cfg?.timeoutMs ?? defaults.timeoutMs,
    lock: lock || (cfg?.lock ?? false),
    skipCode: 0,
    tailBytes: 0,
    ...outcomePart(Object.keys(kept).length > 0 ? kept : undefined, cfg?.minDurationMs),
  };
}

/** The plan's outcome rules and floor, each only when there is one. */
function outcomePart(rules: OutcomeRules | undefined, minDurationMs: number | undefined): Pick<RunPlan, 'rules' | 'minDurationMs'> {
  return { ...(rules ? { rules } : {}), ...(minDurationMs !== undefined ? { minDurationMs } : {}) };
}

/** `--baseline` turns the baseline on with the config's settings when it has them, else the defaults. */
function withBaselineFlag(rules: OutcomeRules | undefined, flag: boolean | undefined): OutcomeRules | undefined {
  if (!flag) return rules;
  return { ...rules, baseline: rules?.baseline ?? { ...DEFAULT_BASELINE } };
}

/** The job's configured rules with each rule the flags give in place of the configured one; undefined when neither gives any. */
export function mergeRules(configured: OutcomeRules | undefined, flags: OutcomeRules | undefined): OutcomeRules | undefined {
  if (!flags) return configured;
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as OutcomeRules;
  return Object.keys(given).length > 0 ? { ...configured, ...given } : configured;
}

/** The schedule a heartbeat carries: the flags', else the config's; a cron without zone gets the host's, so a check under another TZ judges it the same. */
export function runSchedule(fromFlags: ScheduleSpec | null, cfg: JobConfig | undefined, hostTz: () => string): ScheduleSpec | null {
  const spec = fromFlags ?? cfg?.schedule ?? null;
  if (spec && 'cron' in spec && !spec.tz) return { cron: spec.cron, tz: hostTz() };
  return spec;
}

/** Whether any sink of the job takes run pings (healthchecks does by default). */
export function hasRunPings(config: HbConfig, job: string): boolean {
  return sinksOf(config, job).some((s) => receives(s, 'run_start') || receives(s, 'run_end'));
}
