// The files of `jobs.d/` beside a config file (docs/configuration.md): which there are, and what
// identifies them all for the compiled config's key.

import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../rules/errors.ts';
import { FRAGMENT_DIR, isFragmentName } from '../../rules/config/find.ts';

/** The folder of jobs files for the config at `configFile`. */
export const fragmentDir = (configFile: string): string => join(dirname(configFile), FRAGMENT_DIR);

/** The jobs files beside `configFile`, in name order (none when there is no jobs.d); a folder that cannot be listed is a config error. */
export function fragmentFiles(configFile: string): string[] {
  const dir = fragmentDir(configFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new ConfigError([{ file: dir, path: '', message: `cannot list the jobs files beside ${configFile} (${code ?? 'error'})` }]);
  }
  return names
    .filter(isFragmentName)
    .sort()
    .map((name) => join(dir, name));
}

/** What identifies jobs.d and every file in it, as text for the compiled key, and the newest change time among them (ms); null when it cannot be looked at. */
export function fragmentsIdentity(configFile: string): { parts: string; newestCtimeMs: number } | null {
  const dir = fragmentDir(configFile);
  try {
    const d = statSync(dir, { bigint: true });
    let parts = `${d.dev}:${d.ino}:${d.mtimeNs}:${d.ctimeNs}`;
    let newest = d.ctimeNs;
    for (const file of fragmentFiles(configFile)) {
      const st = statSync(file, { bigint: true });
      parts += `|${file}:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      if (st.ctimeNs > newest) newest = st.ctimeNs;
    }
    return { parts, newestCtimeMs: Number(newest / 1_000_000n) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (e as NodeJS.ErrnoException).path === dir) return { parts: '', newestCtimeMs: 0 };
    return null;
  }
}
