// The `hb check` lines of crontabs and the state directory each one checks: two checks of one
// state directory do the same work twice, checks of different ones are different checks. Pure.

import type { HbInvocation } from './hb-line.ts';
import { lineStateDir } from './lend.ts';
import type { JobLine, ParsedCrontab } from './parse.ts';

/** What tells where a line's hb keeps its state, besides the line: homes, the asking hb's config, the disk. */
export interface CheckSite {
  /** Login → home directory (/etc/passwd). */
  homes: ReadonlyMap<string, string>;
  /** The asking hb's config file (absolute) and its state_dir (absolute), null when none. */
  config: { file: string | null; stateDir: string | null };
  /** Whether a file exists (a line's hb looks for a config as hb does). */
  exists(path: string): boolean;
}

/** One `hb check` of a crontab line cron runs. */
export interface CheckUse {
  file: string;
  line: JobLine;
  h: HbInvocation;
  /** Who cron runs it as: the user field, or the user crontab's owner; null when unknown. */
  runsAs: string | null;
  /** The state directory it checks, or null when the line does not say for sure. */
  stateDir: string | null;
}

/** The state directory the hb of `line`, run by cron as `runsAs`, works on; null when that cannot be told. */
export function stateDirOfLine(line: JobLine, h: HbInvocation, runsAs: string | null, site: CheckSite): string | null {
  if (runsAs === null) return null;
  return lineStateDir(line, h, { isRoot: runsAs === 'root', home: site.homes.get(runsAs) ?? null, config: site.config, exists: site.exists });
}

/** Every `hb check` that cron runs from `sources` (a file without its final newline runs nothing), in file order. */
export function checkUses(sources: readonly ParsedCrontab[], site: CheckSite): CheckUse[] {
  const out: CheckUse[] = [];
  for (const source of sources) {
    if (!source.finalNewline) continue;
    for (const line of source.lines) {
      if (line.kind !== 'job') continue;
      for (const h of line.hb) {
        if (h.subcommand !== 'check') continue;
        const runsAs = line.user ?? source.owner;
        out.push({ file: source.file, line, h, runsAs, stateDir: stateDirOfLine(line, h, runsAs, site) });
      }
    }
  }
  return out;
}

/**
 * What makes two checks the same: the state directory when known; otherwise who runs them and
 * how they name their state (`--state-dir`, `$HB_STATE_DIR`, `--config`, `$HB_CONFIG`) as written.
 */
export function checkKey(u: Pick<CheckUse, 'line' | 'h' | 'runsAs' | 'stateDir'>): string {
  if (u.stateDir !== null) return u.stateDir;
  const use = u.line.programs[u.h.use];
  const setting = (name: string) => use?.env[name]?.text ?? u.line.env[name] ?? '';
  return ['?', u.runsAs ?? '', u.h.flags['state-dir'] ?? '', setting('HB_STATE_DIR'), u.h.flags.config ?? '', setting('HB_CONFIG')].join('\0');
}
