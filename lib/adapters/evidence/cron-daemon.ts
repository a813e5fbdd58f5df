// Gathers `cron_daemon` evidence: one read of the hb daemon's status file, one scan of /proc for
// a cron daemon and one read of its pid file per check, whatever the number of jobs; the pure
// rule decides per job.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bootTimeMs, gatherFacts, isRunGone, parseStatLine, startMsFrom, statComm } from '../run/proc.ts';
import { readDaemonInfo } from '../daemon/status.ts';
import {
  CRON_COMMS,
  cronDaemonEvidence,
  hbDaemonEvidence,
  type CronDaemonFacts,
  type CronPidFile,
  type CronProcess,
  type HbDaemonFacts,
} from '../../rules/evidence/cron-daemon.ts';
import type { Evidence } from '../../rules/evidence/types.ts';
import type { ExplainContext, ExplainTarget } from '../../check/explain.ts';
import { isHostTarget } from './targets.ts';

/** Where cron daemons keep their pid file (Debian's cron and cronie: /run/crond.pid). */
export const CRON_PID_FILES: readonly string[] = ['/run/crond.pid', '/var/run/crond.pid'];

/** The live cron processes under `procRoot` (zombies are gone already): one read of each process's stat line. */
export function scanCronProcesses(procRoot: string): CronProcess[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const found: CronProcess[] = [];
  let btime: number | null | undefined;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let line: string;
    try {
      line = readFileSync(`${procRoot}/${name}/stat`, 'utf8');
    } catch {
      continue; // exited during the scan
    }
    const comm = statComm(line);
    const stat = parseStatLine(line);
    if (comm === null || !CRON_COMMS.has(comm) || !stat || stat.state === 'Z' || stat.state === 'X') continue;
    btime ??= bootTimeMs(procRoot);
    found.push({ pid: Number(name), startMs: btime === null ? null : startMsFrom(stat.startTicks, btime) });
  }
  return found;
}

/** The first of `paths` that is a cron pid file: its pid and its mtime (when that cron started); null when none is. */
export function readCronPidFile(paths: readonly string[]): CronPidFile | null {
  for (const path of paths) {
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > 64) continue;
      const text = readFileSync(path, 'utf8').trim();
      const pid = /^\d+$/.test(text) ? Number(text) : null;
      return { path, pid: pid !== null && pid > 0 ? pid : null, mtimeMs: st.mtimeMs };
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * The hb daemon that keeps its status file beside its default PID file in `stateDir`
 * (`daemon.json`, removed when it stops cleanly), with the jobs it runs and whether its process
 * still runs; null when there is no such file.
 */
export function readHbDaemon(stateDir: string, procRoot: string): { daemon: HbDaemonFacts; jobs: ReadonlySet<string> } | null {
  const statusFile = join(stateDir, 'daemon.json');
  const info = readDaemonInfo(statusFile);
  if (!info) return null;
  const proc = gatherFacts(info.pid, procRoot);
  const claim = { pid: info.pid, started_at: info.started_at, boot_id: info.boot_id, pid_started_ms: info.pid_started_ms };
  const listed = Date.parse(info.started_at);
  const startMs = proc.startMs ?? (Number.isFinite(listed) ? listed : null);
  return { daemon: { pid: info.pid, startMs, alive: !isRunGone(claim, proc).gone, statusFile }, jobs: new Set(info.jobs.map((j) => j.job)) };
}

/**
 * Says for each stale or never-ran target whether what starts it runs, and since when: the hb
 * daemon whose status file in the primary state directory lists the job, else cron.
 */
export async function gatherCronDaemon(
  targets: readonly ExplainTarget[],
  ctx: ExplainContext,
  pidFiles: readonly string[] = CRON_PID_FILES,
): Promise<Map<string, Evidence[]>> {
  const found = new Map<string, Evidence[]>();
  const looked = targets.filter(isHostTarget);
  if (looked.length === 0) return found;
  const hbDaemon = ctx.dirs[0] === undefined ? null : readHbDaemon(ctx.dirs[0], ctx.procRoot);
  let cron: CronDaemonFacts | undefined;
  for (const t of looked) {
    const { job } = t.facts;
    if (hbDaemon?.jobs.has(job)) {
      found.set(job, [hbDaemonEvidence(hbDaemon.daemon, t.judgement.dueMs, ctx.nowMs)]);
      continue;
    }
    cron ??= { running: scanCronProcesses(ctx.procRoot), pidFile: readCronPidFile(pidFiles) };
    found.set(job, [cronDaemonEvidence(cron, t.judgement.dueMs, ctx.nowMs)]);
  }
  return found;
}
