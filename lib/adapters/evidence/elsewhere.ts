// Evidence that a job's heartbeats go somewhere this check does not read: the state directories
// hb would choose for root and for each user (their fallback), and those the environment and the
// config name, each asked once; then per job one stat per directory, a read only when newer.

import { lstatSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { ExplainContext, ExplainTarget } from '../../check/explain.ts';
import { elsewhereEvidence, type ElsewhereHeartbeat } from '../../rules/evidence/elsewhere.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import { heartbeatTime } from '../../rules/heartbeat/record.ts';
import { lastPath, readHeartbeatFile } from '../heartbeat/store.ts';
import { chooseStateDir } from '../state/dir.ts';
import { readUsers, type Users } from '../users/passwd.ts';

/** Where the gatherer looks besides the context (tests point these at directories of their own). */
export interface ElsewhereOptions {
  /** The passwd file whose users' homes are looked in (root only). */
  passwd?: string;
  /** Root's default state directory. */
  rootDefault?: string;
}

type Ctx = Pick<ExplainContext, 'dirs' | 'env' | 'isRoot' | 'config' | 'nowMs'>;

/** The state directories, other than the check's own, where a job's heartbeats may go. */
export function candidateDirs(ctx: Ctx, users: Users, rootDefault: string): string[] {
  const found = new Set<string>();
  const add = (dir: string | undefined) => {
    if (dir) found.add(resolve(dir));
  };
  add(rootDefault);
  add(ctx.env.HB_STATE_DIR);
  add(ctx.config.stateDir);
  // The fallback hb would choose for whoever runs this check.
  if (ctx.env.HOME) add(chooseStateDir({ env: { XDG_STATE_HOME: ctx.env.XDG_STATE_HOME }, isRoot: false, home: ctx.env.HOME, cwd: '/' }).userDir);
  // Each user's own: where their ticks go by default, and where they fall back to.
  if (ctx.isRoot) for (const home of users.homes.values()) if (home.startsWith('/')) add(chooseStateDir({ env: {}, isRoot: false, home, cwd: '/' }).userDir);
  for (const dir of ctx.dirs) found.delete(resolve(dir));
  return [...found];
}

const lstatOrNull = (path: string): Stats | null => {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
};

/** A gatherer of `elsewhere` evidence (see the module comment). */
export function elsewhereGatherer(opts: ElsewhereOptions = {}) {
  return async (targets: readonly ExplainTarget[], ctx: ExplainContext): Promise<Map<string, Evidence[]>> => {
    const out = new Map<string, Evidence[]>();
    const looked = targets.filter((t) => t.judgement.status === 'stale' || t.judgement.status === 'never');
    if (looked.length === 0) return out;
    const users = readUsers(opts.passwd);
    // A directory that is a link is not looked through: it could lead anywhere its owner likes.
    const dirs = candidateDirs(ctx, users, opts.rootDefault ?? '/var/lib/hb').filter((d) => lstatOrNull(d)?.isDirectory() === true);
    if (dirs.length === 0) return out;
    for (const t of looked) {
      const lastMs = t.judgement.lastMs;
      const found: ElsewhereHeartbeat[] = [];
      for (const dir of dirs) {
        const file = lastPath(dir, t.facts.job);
        const st = lstatOrNull(file);
        if (!st?.isFile() || (lastMs !== null && st.mtimeMs <= lastMs)) continue;
        const hb = readHeartbeatFile(file);
        if (hb === null || hb.kind === 'corrupt') continue;
        found.push({ dir, file, atMs: heartbeatTime(hb), owner: users.byUid.get(st.uid) ?? String(st.uid), uid: st.uid });
      }
      const e = elsewhereEvidence(found, lastMs, ctx.nowMs, ctx.dirs[0]!);
      if (e) out.set(t.facts.job, [e]);
    }
    return out;
  };
}

/** The elsewhere gatherer as the explain stage runs it. */
export const gatherElsewhere = elsewhereGatherer();
