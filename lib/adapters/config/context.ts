// Resolves what every command (and the Node API) needs first: the config file and the state
// directory choice, from the options given and the facts of the process passed in.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FRAGMENT_DIR, findConfig } from '../../rules/config/find.ts';
import { fragmentFiles } from './fragments.ts';
import type { ConfigCheck } from './load.ts';
import type { HbConfig } from '../../rules/config/types.ts';
import { ConfigError, UsageError } from '../../rules/errors.ts';
import { chooseStateDir, unsafeForRoot, type StateDirChoice } from '../state/dir.ts';
import { compiledPlace, readCompiled, writeCompiled, type CompiledPlace, type ConfigWant } from './cache.ts';
import { sameKey } from '../../rules/config/compiled.ts';

/** Where the config and the state directory come from, as the command line or an API caller gives them. */
export interface ContextOptions {
  config?: string;
  /** Read --config's text from this copy (hb daemon passes its runs the config it holds). */
  configSnapshot?: string;
  stateDir?: string;
}

/** What finding the config and state directory reads of the process (the CLI's Io has them all). */
export interface ContextProcess {
  env: NodeJS.ProcessEnv;
  cwd: string;
  homedir: string;
  isRoot: boolean;
  now(): number;
  /** The host's IANA zone. */
  localTz(): string;
}

/** The loaded config, the text it was parsed from (null: no file), and the chosen state directory. */
export interface Context {
  config: HbConfig;
  configText: string | null;
  state: StateDirChoice;
}

/**
 * Finds and loads the config (YAML is imported only if a file exists and has no compiled form
 * yet), then picks the state dir; `check` adds a command's own config rules. Given `want`, the
 * config's compiled form is used and kept (lib/adapters/config/cache.ts): with `{ jobs }` the
 * returned config holds only those jobs (those that exist) and the globals; the text is then not read (`configText` null).
 */
export async function loadContext(opts: ContextOptions, io: ContextProcess, check?: ConfigCheck, want?: ConfigWant): Promise<Context> {
  if (opts.configSnapshot !== undefined && opts.config === undefined) {
    throw new UsageError('--config-snapshot: it is a copy of the file --config names, and --config is missing');
  }
  const choice = findConfig(opts.config, io.env, io.cwd, io.homedir, existsSync);
  let config: HbConfig;
  let configText: string | null = null;
  if (choice.path) {
    const absolute = resolve(io.cwd, choice.path);
    // Checked on every run, compiled form or not: root obeys only a config root alone controls.
    if (io.isRoot) {
      await refuseUntrustedConfig(absolute, choice.source);
      for (const fragment of fragmentFiles(absolute)) await refuseUntrustedConfig(fragment, `${FRAGMENT_DIR} beside ${absolute}`);
    }
    const cacheDir = want && !check ? preConfigStateDir(opts, io) : null;
    const source = resolve(io.cwd, opts.configSnapshot ?? choice.path);
    const place = cacheDir === null ? null : compiledPlace(cacheDir, choice.path, absolute, source, io.localTz());
    const compiled = place && want ? readCompiled(place, want) : null;
    if (compiled) config = compiled;
    else {
      const { loadConfigAndText } = await import('./load.ts');
      ({ config, text: configText } = await loadConfigAndText(choice, io.localTz(), opts.configSnapshot, check));
      if (place && cacheDir !== null) keepCompiled(place, cacheDir, config, io);
    }
  } else {
    const { emptyConfig } = await import('../../rules/config/types.ts');
    config = emptyConfig();
  }
  const state = stateDirFor(config, opts, io);
  return { config, configText, state };
}

/**
 * The state directory chosen before the config is read (--state-dir, $HB_STATE_DIR, or the
 * default): where the compiled config is kept, since the config's own state_dir is not known yet.
 */
function preConfigStateDir(opts: ContextOptions, io: ContextProcess): string {
  return chooseStateDir({ flag: opts.stateDir, env: io.env, isRoot: io.isRoot, home: io.homedir, cwd: io.cwd }).dir;
}

/**
 * Keeps the config just validated compiled, if the source is still as it was when the lookup
 * keyed it (an edit while it was read would otherwise be keyed by the old identity). As root,
 * only into a state directory nobody else can change.
 */
function keepCompiled(place: CompiledPlace, stateDir: string, config: HbConfig, io: ContextProcess): void {
  const after = compiledPlace(stateDir, place.key.given, place.key.absolute, place.key.source, place.key.tz);
  if (!after || !sameKey(after.key, place.key)) return;
  if (io.isRoot && unsafeForRoot(stateDir) !== null) return;
  writeCompiled(place, config, io.now());
}

/** As root, throws the config error that says why a config others could change is not used. */
export async function refuseUntrustedConfig(path: string, source: string): Promise<void> {
  const { untrustedConfig } = await import('./trust.ts');
  const problem = untrustedConfig(path, source);
  if (problem) throw new ConfigError([problem]);
}

/** The state directory for a loaded config: flag, env, the config's (relative to its file), default. */
export function stateDirFor(config: HbConfig, opts: ContextOptions, io: Pick<ContextProcess, 'env' | 'isRoot' | 'homedir' | 'cwd'>): StateDirChoice {
  return chooseStateDir({
    flag: opts.stateDir,
    env: io.env,
    configDir: configStateDir(config),
    isRoot: io.isRoot,
    home: io.homedir,
    cwd: io.cwd,
  });
}

/** The config's state_dir, if it sets one: relative to the config file, not to wherever cron starts hb. */
export function configStateDir(config: HbConfig): string | undefined {
  return config.stateDir && config.file ? resolve(dirname(config.file), config.stateDir) : config.stateDir;
}
