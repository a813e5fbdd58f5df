// Which config file applies: --config, $HB_CONFIG, ./hb.yaml, $XDG_CONFIG_HOME/hb/hb.yaml, /etc/hb/hb.yaml.

import { join } from 'node:path';

/** Where the chosen path came from; an explicit one must exist, a discovered one may not. */
export interface ConfigChoice {
  path: string | null;
  explicit: boolean;
  source: string;
}

/** Picks the config file; `exists` is injected so the rule stays pure. */
export function findConfig(
  flag: string | undefined,
  env: { HB_CONFIG?: string; XDG_CONFIG_HOME?: string },
  cwd: string,
  home: string,
  exists: (path: string) => boolean,
): ConfigChoice {
  if (flag) return { path: flag, explicit: true, source: '--config' };
  if (env.HB_CONFIG) return { path: env.HB_CONFIG, explicit: true, source: '$HB_CONFIG' };
  const candidates = [join(cwd, 'hb.yaml'), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'hb', 'hb.yaml'), '/etc/hb/hb.yaml'];
  for (const path of candidates) {
    if (exists(path)) return { path, explicit: false, source: path };
  }
  return { path: null, explicit: false, source: 'none' };
}

/** The folder beside the config file whose `*.yaml` files add jobs (docs/configuration.md). */
export const FRAGMENT_DIR = 'jobs.d';

/** Jobs across the config and its jobs.d files: a check over them all stays within a few hundred MB. */
export const MAX_TOTAL_JOBS = 200_000;

/** Whether a name in jobs.d is a file of jobs: `*.yaml`, not hidden (an editor's `.x.yaml.swp`, hb's own temp files). */
export function isFragmentName(name: string): boolean {
  return name.endsWith('.yaml') && !name.startsWith('.');
}
