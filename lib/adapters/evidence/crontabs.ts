// The host's crontabs as the explain stage sees them, read once per check whichever gatherer asks
// first: every file cron reads and every one it would skip (to say so), with mode, owner and
// mtime, and the lines that start each job. As root every user's spool file; as a user their own,
// through crontab(1) where the spool is root's to read.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { ExplainContext } from '../../check/explain.ts';
import { crontabKindOf, crontabPaths, CRONTAB_CAP } from '../../rules/crontab/locations.ts';
import type { CrontabKind } from '../../rules/crontab/parse.ts';
import { lineStateDir } from '../../rules/crontab/lend.ts';
import type { Lender } from '../../rules/crontab/schedules.ts';
import type { CrontabSource } from '../../rules/doctor/types.ts';
import { indexJobLines, type JobLineRef } from '../../rules/evidence/crontab-index.ts';
import type { WatchedPath } from '../../rules/evidence/crontab-line.ts';
import { readGivenFile } from '../fs/given-file.ts';
import { cachedCrontab } from '../crontab/user-cache.ts';
import { readUserCrontab } from '../crontab/user-crontab.ts';
import { readUsers, type Users } from '../users/passwd.ts';
import { listNames } from '../fs/quiet.ts';

/** What the crontabs of this host say, for one check. */
export interface HostCrontabs {
  /** No crontab location to read at all (`HB_CRONTAB_PATHS` empty): nothing can be said about lines. */
  none: boolean;
  sources: CrontabSource[];
  /** Every file read and every directory listed, with its mtime (what changed after a last run). */
  watched: WatchedPath[];
  /** The logins of /etc/passwd (null: unknown). */
  users: Passwd | null;
  /** Job → the lines that start it (or would). */
  byJob: Map<string, JobLineRef[]>;
}

/** How the reader reaches the host (tests give their own). */
export interface CrontabHost {
  /** A user's crontab through crontab(1), for a spool file hb may not read (null: none). */
  askCrontab(owner: string, spool: string): Promise<string | null>;
  /** The logins of /etc/passwd (null: unknown). */
  users(): Passwd | null;
  /** The user hb runs as. */
  me(): string;
}

/** /etc/passwd: logins by uid, and their homes (cron starts their lines there). */
export type Passwd = Users;

const memo = new WeakMap<ExplainContext, Promise<HostCrontabs>>();

/** The crontabs for `ctx`'s check, read on the first call and shared by every gatherer after. */
export function hostCrontabs(ctx: ExplainContext, host: CrontabHost = systemHost(ctx)): Promise<HostCrontabs> {
  let got = memo.get(ctx);
  if (!got) {
    got = readHostCrontabs(ctx, host);
    memo.set(ctx, got);
  }
  return got;
}

/** Reads the crontabs `$HB_CRONTAB_PATHS` (else Debian's places) names; as root every spool file beside the user's own. */
export async function readHostCrontabs(ctx: Pick<ExplainContext, 'env' | 'isRoot' | 'dirs' | 'config'>, host: CrontabHost): Promise<HostCrontabs> {
  const paths = crontabPaths(ctx.env, () => host.me());
  const sources: CrontabSource[] = [];
  const watched: WatchedPath[] = [];
  const seen = new Set<string>();
  const file = async (path: string, kind: CrontabKind, cronD: boolean) => {
    if (seen.has(path)) return;
    seen.add(path);
    const owner = kind === 'user' ? basename(path) : null;
    const st = statOf(path);
    if (st) watched.push({ path, mtimeMs: st.mtimeMs, dir: false, owner });
    let text: string | null;
    try {
      text = readGivenFile(path, CRONTAB_CAP);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A spool file hb may not read (only root and crontab(1) read Debian's): crontab(1) answers.
      text = owner !== null && owner === host.me() && code === 'EACCES' ? await host.askCrontab(owner, path).catch(() => null) : null;
    }
    if (text !== null) sources.push({ path, kind, cronD, text, mode: st?.mode ?? null, uid: st?.uid ?? null, owner });
  };
  for (const path of paths) {
    const st = statOf(path);
    const spool = basename(dirname(path)) === 'crontabs';
    if (st?.dir || (spool && ctx.isRoot)) {
      // A spool directory (or, as root, the one the user's spool file is in): every user's crontab.
      const dir = st?.dir ? path : dirname(path);
      const spoolDir = basename(dir) === 'crontabs';
      const dirSt = statOf(dir);
      if (dirSt) watched.push({ path: dir, mtimeMs: dirSt.mtimeMs, dir: true, owner: null });
      for (const name of listNames(dir).sort()) {
        const entry = join(dir, name);
        if (statOf(entry)?.dir === false) await file(entry, spoolDir ? 'user' : 'system', !spoolDir);
      }
      continue;
    }
    if (spool) {
      const dirSt = statOf(dirname(path));
      if (dirSt) watched.push({ path: dirname(path), mtimeMs: dirSt.mtimeMs, dir: true, owner: null });
    }
    await file(path, crontabKindOf(path), false);
  }
  const users = sources.length > 0 ? host.users() : null;
  const byJob = indexJobLines(sources, users && new Set(users.homes.keys()), writesHere(ctx, users));
  return { none: paths.length === 0, sources, watched, users, byJob };
}

/** The host as hb sees it in this process: crontab(1) through the check's cache, /etc/passwd, the current user. */
export function systemHost(ctx: Pick<ExplainContext, 'dirs'>): CrontabHost {
  let me: string | undefined;
  let users: Passwd | null | undefined;
  return {
    askCrontab: (owner, spool) => cachedCrontab(ctx.dirs[0]!, owner, dirname(spool), () => readUserCrontab(undefined)),
    users: () => (users ??= readUsers()),
    me: () => {
      try {
        return (me ??= userInfo().username);
      } catch {
        return '';
      }
    },
  };
}

/**
 * Whether a line's hb command may write to one of the checked state directories, worked out as
 * hb check lends schedules (lib/rules/crontab/lend.ts) for the user the line runs as: a line
 * whose directory only the shell knows may; one that surely writes elsewhere is another job.
 */
function writesHere(ctx: Pick<ExplainContext, 'dirs' | 'config'>, users: Passwd | null): Lender {
  const dirs = new Set(ctx.dirs.map((d) => resolve(d)));
  const file = ctx.config.file === null ? null : resolve(ctx.config.file);
  const own = ctx.config.stateDir;
  const stateDir = own ? resolve(file ? dirname(file) : '.', own) : null;
  return (runsAs, line, h) => {
    const home = runsAs === null ? null : (users?.homes.get(runsAs) ?? null);
    const dir = lineStateDir(line, h, { isRoot: runsAs === 'root', home, config: { file, stateDir }, exists: existsSync });
    return dir === null || dirs.has(dir);
  };
}

function statOf(path: string): { dir: boolean; mtimeMs: number; mode: number; uid: number } | null {
  try {
    const st = statSync(path);
    return { dir: st.isDirectory(), mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, uid: st.uid };
  } catch {
    return null;
  }
}
