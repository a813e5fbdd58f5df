// Turns a parsed YAML tree into an HbConfig, collecting every problem at once with its key path.

import { ABOVE_ZERO, configDuration, durationHint } from '../duration.ts';
import { UNSCHEDULED_SETTINGS, type UnscheduledSetting } from '../health/unscheduled.ts';
import { validateJobName } from '../job-name.ts';
import { parseExpect } from './expect-rules.ts';
import { parseRecover } from '../recover/policy.ts';
import { validateSchedule } from '../schedule/compile.ts';
import type { ScheduleSpec } from '../schedule/types.ts';
import type { HbConfig, JobConfig } from './types.ts';
import { outcomeKeys } from './outcome-keys.ts';
import { parseBaseline } from './baseline.ts';
import { isMap, typeName, type RawProblem, type Tree } from './tree.ts';
import { parseNeeds } from './needs.ts';
import { cycleMessage, needsCycle } from '../needs/cycle.ts';
import { parseMaintenance } from './maintenance.ts';
import { parseEscalate } from './escalate.ts';
import { parseSinks as sinks, pathText } from './sink-list.ts';

export type { RawProblem } from './tree.ts';
export { pathText } from './sink-list.ts';

const TOP_KEYS = ['state_dir', 'defaults', 'unscheduled', 'events_keep', 'notify', 'maintenance', 'escalate', 'cron_log', 'jobs'];
const DEFAULT_KEYS = ['grace', 'timeout', 'max_runtime', 'tail'];
const JOB_KEYS = [
  'every',
  'cron',
  'tz',
  'grace',
  'command',
  'timeout',
  'lock',
  'overlap',
  'tail',
  'max_runtime',
  'min_duration',
  'quiet',
  'expect',
  'baseline',
  'alert_after',
  'ok_codes',
  'warn_codes',
  'output',
  'tolerate',
  'remind',
  'notify',
  'recover',
  'needs',
  'maintenance',
  'escalate',
  'description',
];
/** More jobs than one file should hold (a check over them takes seconds, a parse some 250 MB): refused rather than slowly half-served. */
export const MAX_JOBS = 20_000;
const RECOVER_KEYS = ['health', 'config', 'restart', 'max_restarts', 'source', 'ref', 'settle', 'timeout', 'keep'];

/** Validates the whole tree; returns the config and every problem found. */
export function validateConfig(tree: unknown, file: string, defaultTz: string): { config: HbConfig; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  const config: HbConfig = { file, defaults: {}, notify: [], jobs: new Map() };
  if (tree === null || tree === undefined) return { config, problems };
  if (!isMap(tree)) {
    problems.push({ path: [], message: `expected a map with keys ${TOP_KEYS.join(', ')}, found ${typeName(tree)}` });
    return { config, problems };
  }
  unknownKeys(tree, [], TOP_KEYS, problems);
  if (tree.state_dir !== undefined) {
    if (typeof tree.state_dir === 'string' && tree.state_dir !== '') config.stateDir = tree.state_dir;
    else problems.push({ path: ['state_dir'], message: `expected a directory path, found ${typeName(tree.state_dir)}` });
  }
  if (tree.defaults !== undefined) {
    if (!isMap(tree.defaults)) problems.push({ path: ['defaults'], message: `expected a map, found ${typeName(tree.defaults)}` });
    else {
      unknownKeys(tree.defaults, ['defaults'], DEFAULT_KEYS, problems);
      config.defaults.graceMs = duration(tree.defaults, ['defaults'], 'grace', problems);
      config.defaults.timeoutMs = duration(tree.defaults, ['defaults'], 'timeout', problems);
      const maxRuntimeMs = duration(tree.defaults, ['defaults'], 'max_runtime', problems);
      if (maxRuntimeMs !== undefined) config.defaults.maxRuntimeMs = maxRuntimeMs;
      const tailBytes = integer(tree.defaults, ['defaults'], 'tail', 0, 1 << 20, problems);
      if (tailBytes !== undefined) config.defaults.tailBytes = tailBytes;
    }
  }
  if (tree.unscheduled !== undefined) {
    if ((UNSCHEDULED_SETTINGS as readonly unknown[]).includes(tree.unscheduled)) config.unscheduled = tree.unscheduled as UnscheduledSetting;
    else
      problems.push({
        path: ['unscheduled'],
        message: `expected ${UNSCHEDULED_SETTINGS.join(' or ')} (what a job with no schedule is), found ${typeName(tree.unscheduled)}`,
      });
  }
  const keep = duration(tree, [], 'events_keep', problems);
  if (keep !== undefined) config.eventsKeepMs = keep;
  config.notify = sinks(tree.notify, ['notify'], problems);
  if (tree.maintenance !== undefined) {
    const { windows, problems: found } = parseMaintenance(tree.maintenance, defaultTz, true);
    for (const p of found) problems.push({ ...p, path: ['maintenance', ...p.path] });
    if (windows) config.maintenance = windows;
  }
  if (tree.escalate !== undefined) {
    const { steps, problems: found } = parseEscalate(tree.escalate, 'escalate');
    for (const p of found) problems.push({ ...p, path: ['escalate', ...p.path] });
    if (steps) config.escalate = steps;
  }
  if (tree.cron_log !== undefined) {
    const paths = typeof tree.cron_log === 'string' ? [tree.cron_log] : tree.cron_log;
    if (Array.isArray(paths) && paths.length > 0 && paths.every((x) => typeof x === 'string' && x.startsWith('/'))) config.cronLog = paths as string[];
    else
      problems.push({
        path: ['cron_log'],
        message: `expected an absolute path or a list of them (where cron's log is, e.g. /var/log/cron.log), found ${typeName(tree.cron_log)}`,
      });
  }
  validateJobs(tree.jobs, { file, defaultTz, defaultTailBytes: config.defaults.tailBytes }, config.jobs, problems);
  const cycle = needsCycle(config.jobs);
  if (cycle) problems.push({ path: ['jobs', cycle[0]!, 'needs'], message: cycleMessage(cycle) });
  return { config, problems };
}

/** Where jobs are read: the file they are written in, the host's zone, the `defaults.tail` of the main file (none for a `jobs.d` file). */
interface JobsSource {
  file: string;
  defaultTz: string;
  defaultTailBytes?: number;
}

/** The jobs written in one file, added to `into`; a name already there (from an earlier file, `taken` says which) is a problem. */
function validateJobs(jobs: unknown, source: JobsSource, into: Map<string, JobConfig>, problems: RawProblem[], taken?: ReadonlyMap<string, string>): void {
  if (jobs === undefined || jobs === null) return;
  if (!isMap(jobs)) {
    problems.push({ path: ['jobs'], message: `expected a map of job names, found ${typeName(jobs)}` });
    return;
  }
  const count = Object.keys(jobs).length;
  if (count > MAX_JOBS) {
    problems.push({ path: ['jobs'], message: `${count} jobs, more than hb handles in one config (at most ${MAX_JOBS})` });
    return;
  }
  for (const [name, body] of Object.entries(jobs)) {
    const first = taken?.get(name);
    if (first !== undefined) {
      problems.push({ path: ['jobs', name], atKey: true, message: `job ${name} is already configured in ${first}` });
      continue;
    }
    const job = validateJob(name, body, source, problems);
    if (job) into.set(name, job);
  }
}

/**
 * Validates one file of `jobs.d/` (docs/configuration.md): a map whose only key is `jobs`,
 * each job as in the main file; a job named in an earlier file (`taken`: name → that file) is a problem.
 */
export function validateFragment(
  tree: unknown,
  file: string,
  defaultTz: string,
  taken: ReadonlyMap<string, string>,
): { jobs: Map<string, JobConfig>; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  const jobs = new Map<string, JobConfig>();
  if (tree === null || tree === undefined) return { jobs, problems };
  if (!isMap(tree)) {
    problems.push({ path: [], message: `expected a map with the one key jobs (a file of jobs.d holds jobs only), found ${typeName(tree)}` });
    return { jobs, problems };
  }
  unknownKeys(tree, [], ['jobs'], problems);
  validateJobs(tree.jobs, { file, defaultTz }, jobs, problems, taken);
  return { jobs, problems };
}

function validateJob(name: string, body: unknown, source: JobsSource, problems: RawProblem[]): JobConfig | undefined {
  const { file, defaultTz } = source;
  const at = ['jobs', name];
  const nameProblem = validateJobName(name);
  if (nameProblem) problems.push({ path: at, atKey: true, message: nameProblem });
  if (body === null || body === undefined) return { name };
  if (!isMap(body)) {
    problems.push({ path: at, message: `expected a map (every, cron, command, …), found ${typeName(body)}` });
    return undefined;
  }
  unknownKeys(body, at, JOB_KEYS, problems);
  const job: JobConfig = { name };
  const schedule = scheduleOf(body, at, defaultTz, problems);
  if (schedule) job.schedule = schedule;
  job.graceMs = duration(body, at, 'grace', problems);
  job.timeoutMs = duration(body, at, 'timeout', problems);
  job.maxRuntimeMs = duration(body, at, 'max_runtime', problems);
  job.minDurationMs = duration(body, at, 'min_duration', problems);
  job.remindMs = duration(body, at, 'remind', problems);
  if (body.expect !== undefined) {
    const { rules, problems: found } = parseExpect(body.expect);
    for (const p of found) problems.push({ path: [...at, 'expect', ...p.path], atKey: p.atKey, message: p.message });
    if (rules) job.outcome = { ...job.outcome, expect: rules };
  }
  if (body.command !== undefined) {
    const c = body.command;
    const okList = Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'string' && x !== '');
    if ((typeof c === 'string' && c.trim() !== '') || okList) job.command = c as string | string[];
    else problems.push({ path: [...at, 'command'], message: `expected a shell command string or a non-empty list of strings, found ${typeName(c)}` });
  }
  if (body.lock !== undefined) {
    if (typeof body.lock === 'boolean') job.lock = body.lock;
    else problems.push({ path: [...at, 'lock'], message: `expected true or false, found ${typeName(body.lock)}` });
  }
  if (body.overlap !== undefined) {
    if (typeof body.overlap === 'boolean') job.overlap = body.overlap;
    else
      problems.push({
        path: [...at, 'overlap'],
        message: `expected true or false (may hb daemon start a run while the previous one goes), found ${typeName(body.overlap)}`,
      });
  }
  if (body.quiet !== undefined) {
    if (typeof body.quiet === 'boolean') job.outcome = { ...job.outcome, quiet: body.quiet };
    else
      problems.push({
        path: [...at, 'quiet'],
        message: `expected true or false (hold the command's output back unless the run fails), found ${typeName(body.quiet)}`,
      });
  }
  job.tailBytes = integer(body, at, 'tail', 0, 1 << 20, problems);
  const keys = outcomeKeys(body, job.tailBytes, source.defaultTailBytes);
  for (const p of keys.problems) problems.push({ ...p, path: [...at, ...p.path] });
  if (Object.keys(keys.rules).length > 0) job.outcome = { ...job.outcome, ...keys.rules };
  if (keys.failedRuns !== undefined) job.failedRuns = keys.failedRuns;
  if (keys.alertAfter !== undefined) job.alertAfter = keys.alertAfter;
  if (body.baseline !== undefined) {
    const { rule, problems: found } = parseBaseline(body.baseline);
    for (const p of found) problems.push({ path: [...at, 'baseline', ...p.path], atKey: p.message.startsWith('unknown key'), message: p.message });
    if (rule) (job.outcome ??= {}).baseline = rule;
  }
  if (body.notify !== undefined) job.notify = sinks(body.notify, [...at, 'notify'], problems);
  if (body.recover !== undefined) {
    if (!isMap(body.recover))
      problems.push({ path: [...at, 'recover'], message: `expected a map (health, config, restart, max_restarts), found ${typeName(body.recover)}` });
    else {
      unknownKeys(body.recover, [...at, 'recover'], RECOVER_KEYS, problems);
      const { policy, problems: found } = parseRecover(body.recover, file);
      for (const p of found) problems.push({ path: [...at, 'recover', ...p.path], message: p.message });
      if (policy) job.recover = policy;
    }
  }
  if (body.needs !== undefined) {
    const { needs, problems: found } = parseNeeds(body.needs, name);
    for (const p of found) problems.push({ ...p, path: [...at, 'needs', ...p.path] });
    if (needs) job.needs = needs;
  }
  if (body.maintenance !== undefined) {
    const { windows, problems: found } = parseMaintenance(body.maintenance, defaultTz, false);
    for (const p of found) problems.push({ ...p, path: [...at, 'maintenance', ...p.path] });
    if (windows) job.maintenance = windows;
  }
  if (body.escalate !== undefined) {
    const { steps, problems: found } = parseEscalate(body.escalate, `jobs.${name}.escalate`);
    for (const p of found) problems.push({ ...p, path: [...at, 'escalate', ...p.path] });
    if (steps) job.escalate = steps;
  }
  if (body.description !== undefined && typeof body.description !== 'string') {
    problems.push({ path: [...at, 'description'], message: `expected text, found ${typeName(body.description)}` });
  }
  return job;
}

function scheduleOf(body: Tree, at: string[], defaultTz: string, problems: RawProblem[]): ScheduleSpec | undefined {
  const { every, cron, tz } = body;
  if (every !== undefined && cron !== undefined) {
    problems.push({ path: [...at, 'cron'], atKey: true, message: 'a job has either every or cron, not both' });
    return undefined;
  }
  let spec: ScheduleSpec | undefined;
  if (every !== undefined) {
    if (typeof every !== 'string' && typeof every !== 'number') {
      problems.push({ path: [...at, 'every'], message: `expected a duration such as 15m, found ${typeName(every)}` });
      return undefined;
    }
    spec = { every: String(every) };
  } else if (cron !== undefined) {
    if (typeof cron !== 'string') {
      problems.push({ path: [...at, 'cron'], message: `expected a cron expression such as "*/15 * * * *", found ${typeName(cron)}` });
      return undefined;
    }
    spec = tz === undefined ? { cron } : { cron, tz: String(tz) };
  }
  if (tz !== undefined && (cron === undefined || typeof tz !== 'string')) {
    problems.push({
      path: [...at, 'tz'],
      message: cron === undefined ? 'tz applies to cron schedules only' : `expected a time zone name, found ${typeName(tz)}`,
    });
    return undefined;
  }
  if (!spec) return undefined;
  const found = validateSchedule(spec, defaultTz);
  for (const problem of found) problems.push({ path: [...at, problem.key], message: problem.message });
  return found.length === 0 ? spec : undefined;
}

function unknownKeys(map: Tree, at: Array<string | number>, known: string[], problems: RawProblem[]): void {
  for (const key of Object.keys(map)) {
    if (!known.includes(key)) {
      const where = at.length ? ` in ${pathText(at)}` : '';
      problems.push({ path: [...at, key], atKey: true, message: `unknown key "${key}"${where} (expected one of ${known.join(', ')})` });
    }
  }
}

function duration(map: Tree, at: Array<string | number>, key: string, problems: RawProblem[]): number | undefined {
  const v = map[key];
  if (v === undefined) return undefined;
  const ms = configDuration(v, ABOVE_ZERO);
  if (ms === undefined) {
    problems.push({ path: [...at, key], message: typeof v === 'string' ? durationHint(v) : `expected a duration such as 15m, found ${typeName(v)}` });
    return undefined;
  }
  return ms;
}

function integer(map: Tree, at: Array<string | number>, key: string, min: number, max: number, problems: RawProblem[]): number | undefined {
  const v = map[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    problems.push({ path: [...at, key], message: `expected a whole number from ${min} to ${max}, found ${typeName(v)}` });
    return undefined;
  }
  return v;
}
