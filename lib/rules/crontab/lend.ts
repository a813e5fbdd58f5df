// Which crontab lines may lend hb check their schedule (SPEC §4): a line that runs for the
// checking user and whose hb writes to the check's own state directory. Where that hb writes is
// worked out as hb itself works it out (lib/adapters/state/dir.ts, lib/rules/config/find.ts) in the
// environment cron gives the line; a line that does not say for sure lends nothing.

import { join, resolve } from 'node:path';
import { findConfig } from '../config/find.ts';
import type { HbInvocation } from './hb-line.ts';
import type { JobLine } from './parse.ts';
import { expandedWord } from './word-path.ts';

/** The check a line may lend to: who runs it and where its state lives. */
export interface LendTarget {
  /** The checking user's login name. */
  user: string;
  /** The checking user is root: hb's default state directory is then /var/lib/hb. */
  isRoot: boolean;
  /** Its home in /etc/passwd (cron's HOME and starting directory for its lines), or null. */
  home: string | null;
  /** The check's state directory. */
  stateDir: string;
  /** The check's config file, absolute (null: none), and that file's state_dir, absolute (null: none). */
  config: { file: string | null; stateDir: string | null };
  /** Whether a file exists: a line's hb looks for a config as hb does. */
  exists(path: string): boolean;
}

/** Whether the hb command `h` of `line`, run as `runsAs` (its user field or crontab's owner), lends to `t`. */
export function lends(t: LendTarget, runsAs: string | null, line: JobLine, h: HbInvocation): boolean {
  return runsAs === t.user && lineStateDir(line, h, t) === resolve(t.stateDir);
}

// A value as hb would receive it: undefined or '' (hb skips both), or null when only the shell knows.
type Value = string | undefined | null;

/** The state directory `h` writes to when cron runs `line` for t's user, or null when the line does not say for sure. */
export function lineStateDir(line: JobLine, h: HbInvocation, t: Omit<LendTarget, 'user' | 'stateDir'>): string | null {
  const use = line.programs[h.use]!;
  // cron sets HOME from /etc/passwd unless the crontab sets it, and starts the command there.
  const cronHome = line.env.HOME ?? t.home;
  const cwd = use.cwd === '~' ? cronHome : use.cwd;
  const home = use.env.HOME ? expandedWord(use.env.HOME, cronHome) : cronHome;
  const flag = (name: string): Value => (h.flagWords[name] ? expandedWord(h.flagWords[name], home) : undefined);
  // The line's own assignments over the crontab's settings (cron expands nothing in those).
  const env = (name: string): Value => (use.env[name] ? expandedWord(use.env[name], home) : line.env[name]);

  // hb's order: --state-dir, $HB_STATE_DIR, the config's state_dir, the default.
  for (const value of [flag('state-dir'), env('HB_STATE_DIR')]) {
    if (value === null) return null;
    if (value) return at(cwd, value);
  }
  const fromConfig = stateDirFromConfig(flag('config'), env, cwd, home, t);
  if (fromConfig !== '') return fromConfig;
  if (t.isRoot) return '/var/lib/hb';
  const xdg = env('XDG_STATE_HOME');
  if (xdg === null || (!xdg && home === null)) return null;
  return at(cwd, join(xdg || join(home!, '.local', 'state'), 'hb'));
}

/**
 * The state_dir of the config the line's hb reads: the check's own config's (absolute), '' when
 * it reads none or one without state_dir, null when it reads another config — whose state_dir
 * is not looked up: that would cost the YAML parser on every check — or it cannot be told.
 */
function stateDirFromConfig(
  named: Value,
  env: (name: string) => Value,
  cwd: string | null,
  home: string | null,
  t: Omit<LendTarget, 'user' | 'stateDir'>,
): string | null {
  const fromEnv = named ? undefined : env('HB_CONFIG');
  if (named === null || fromEnv === null) return null;
  const given = named || fromEnv;
  let file: string | null;
  if (given) {
    file = at(cwd, given);
  } else {
    // None named: hb looks in its working directory, $XDG_CONFIG_HOME (else ~/.config), /etc/hb.
    const xdg = env('XDG_CONFIG_HOME');
    if (cwd === null || home === null || xdg === null) return null;
    const found = findConfig(undefined, { XDG_CONFIG_HOME: xdg }, cwd, home, t.exists).path;
    if (found === null) return '';
    file = resolve(found);
  }
  return file !== null && file === t.config.file ? (t.config.stateDir ?? '') : null;
}

// `path` as hb resolves it from `cwd` (null: unknown, so only an absolute path is known).
function at(cwd: string | null, path: string): string | null {
  if (path.startsWith('/')) return resolve(path);
  return cwd === null ? null : resolve(cwd, path);
}
