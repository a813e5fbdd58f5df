// Reads and validates a config file; YAML is imported only when a file exists.

import { ConfigError, type ConfigProblem } from '../../rules/errors.ts';
import { ConfigReadError, readConfigText } from './read.ts';
import { pathText, validateConfig, validateFragment, type RawProblem } from '../../rules/config/validate.ts';
import { FRAGMENT_DIR, MAX_TOTAL_JOBS } from '../../rules/config/find.ts';
import { fragmentFiles } from './fragments.ts';
import { emptyConfig, type HbConfig, type JobConfig } from '../../rules/config/types.ts';
import { parseYaml } from '../../rules/config/yaml.ts';
import { cycleMessage, needsCycle } from '../../rules/needs/cycle.ts';
import type { ConfigChoice } from '../../rules/config/find.ts';

/** At most this many problems are listed: a broken 1 MiB file must not print (or locate) thousands. */
export const MAX_PROBLEMS_SHOWN = 20;

/** Loads the chosen config; throws ConfigError listing every problem with file:line:col. */
export async function loadConfig(choice: ConfigChoice, defaultTz: string): Promise<HbConfig> {
  return (await loadConfigAndText(choice, defaultTz)).config;
}

/**
 * Loads the chosen config and returns the text it was parsed from (null: no file). With
 * `copyPath` the text is read from that copy of the file (hb daemon's, docs/daemon.md) and
 * read as the chosen file: its name in messages, its directory for relative paths.
 */
export async function loadConfigAndText(
  choice: ConfigChoice,
  defaultTz: string,
  copyPath?: string,
  check?: ConfigCheck,
): Promise<{ config: HbConfig; text: string | null }> {
  if (!choice.path) return { config: emptyConfig(), text: null };
  const file = choice.path;
  const source = copyPath ?? file;
  let text: string;
  try {
    text = readConfigText(source);
  } catch (e) {
    if (!(e instanceof ConfigReadError)) throw e;
    if (e.code === 'ENOENT' && !choice.explicit && copyPath === undefined) return { config: emptyConfig(), text: null };
    const from = copyPath === undefined ? choice.source : `--config-snapshot, hb daemon's copy of ${file}`;
    throw new ConfigError([{ file: source, path: '', message: `cannot read config file (from ${from}): ${e.message}` }]);
  }
  const config = await parseConfigText(text, file, defaultTz, check);
  await addFragments(config, file, defaultTz, check);
  return { config, text };
}

/**
 * Adds the jobs of every file of `jobs.d/` beside `file` (docs/configuration.md), in name order;
 * each file is read and located on its own, and a job may be configured in one file only.
 */
async function addFragments(config: HbConfig, file: string, defaultTz: string, check?: ConfigCheck): Promise<void> {
  const files = fragmentFiles(file);
  if (files.length === 0) return;
  const taken = new Map<string, string>([...config.jobs.keys()].map((name) => [name, file]));
  for (const fragment of files) {
    let text: string;
    try {
      text = readConfigText(fragment);
    } catch (e) {
      if (!(e instanceof ConfigReadError)) throw e;
      throw new ConfigError([{ file: fragment, path: '', message: `cannot read config file (in ${FRAGMENT_DIR} of ${file}): ${e.message}` }]);
    }
    const jobs = await parseFragmentText(text, fragment, defaultTz, taken, check);
    if (taken.size + jobs.size > MAX_TOTAL_JOBS) {
      throw new ConfigError([
        { file: fragment, path: 'jobs', message: `${taken.size + jobs.size} jobs with the files before it, more than hb handles (at most ${MAX_TOTAL_JOBS})` },
      ]);
    }
    for (const [name, job] of jobs) {
      config.jobs.set(name, job);
      taken.set(name, fragment);
    }
  }
  // Needs may cross files: a cycle is looked for once every file is in.
  const cycle = needsCycle(config.jobs);
  if (cycle) throw new ConfigError([{ file: taken.get(cycle[0]!) ?? file, path: `jobs.${cycle[0]}.needs`, message: cycleMessage(cycle) }]);
}

// The first problems, and one line saying how many more there are.
function capped<T>(all: T[], toProblem: (p: T) => ConfigProblem, file: string): ConfigError {
  const shown = all.slice(0, MAX_PROBLEMS_SHOWN).map(toProblem);
  const more = all.length - shown.length;
  if (more > 0) shown.push({ file, path: '', message: `… and ${more} more problem${more === 1 ? '' : 's'}` });
  return new ConfigError(shown);
}

/** A command's own rules for a valid config (hb daemon's limits), located like every other problem. */
export type ConfigCheck = (config: HbConfig) => RawProblem[];

/** Parses config text; exported for tests and `hb doctor`. `check` adds a command's own rules. */
export async function parseConfigText(text: string, file: string, defaultTz: string, check?: ConfigCheck): Promise<HbConfig> {
  return parseLocated(text, file, (tree) => {
    const { config, problems } = validateConfig(tree, file, defaultTz);
    if (problems.length === 0 && check) problems.push(...check(config));
    return { value: config, problems };
  });
}

/** Parses the text of one file of jobs.d: its jobs, or a ConfigError located in that file. `taken`: jobs of earlier files → their file. */
export async function parseFragmentText(
  text: string,
  file: string,
  defaultTz: string,
  taken: ReadonlyMap<string, string>,
  check?: ConfigCheck,
): Promise<Map<string, JobConfig>> {
  return parseLocated(text, file, (tree) => {
    const { jobs, problems } = validateFragment(tree, file, defaultTz, taken);
    // A command's own rules see this file's jobs as a config of their own, so their problems are located here.
    if (problems.length === 0 && check) problems.push(...check({ ...emptyConfig(), file, jobs }));
    return { value: jobs, problems };
  });
}

/** YAML text → a validated value, or a ConfigError with every problem (the first 20) at its file:line:col. */
async function parseLocated<T>(text: string, file: string, validate: (tree: unknown) => { value: T; problems: RawProblem[] }): Promise<T> {
  const parsed = await parseYaml(text);
  const { lineCounter } = parsed;
  const at = (offset: number | undefined) => (offset === undefined ? {} : lineCounter.linePos(offset));
  if (!parsed.ok) {
    throw capped(parsed.problems, (p) => ({ file, path: '', ...at(p.offset), message: `invalid YAML: ${p.message}` }), file);
  }
  const { doc, tree } = parsed;
  const { isMap, isPair, isScalar } = (await import('yaml')).default;
  const { value, problems } = validate(tree);
  if (problems.length === 0) return value;
  // Point at the key for unknown keys, at the value otherwise; fall back to the nearest parent.
  type Ranged = { range?: [number, number, number] } | null | undefined;
  const nodeAt = (path: Array<string | number>, atKey: boolean): Ranged => {
    if (path.length === 0) return doc.contents;
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (!isMap(parent)) return doc.getIn(path, true) as Ranged;
    const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(last));
    return (pair && (atKey ? pair.key : (pair.value ?? pair.key))) as Ranged;
  };
  const locate = (p: RawProblem): Pick<ConfigProblem, 'line' | 'col'> => {
    for (let depth = p.path.length; depth >= 0; depth--) {
      const range = nodeAt(p.path.slice(0, depth), Boolean(p.atKey) && depth === p.path.length)?.range;
      if (range) return lineCounter.linePos(range[0]);
    }
    return {};
  };
  throw capped(problems, (p) => ({ file, path: pathText(p.path), message: p.message, ...locate(p) }), file);
}
