// hb systemd: `.service` + `.timer` pairs for every scheduled job and the meta-heartbeat,
// printed or written atomically into a directory.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HbError, UsageError } from '../../lib/rules/errors.ts';
import { CHECK_JOB, validateJobName } from '../../lib/rules/job-name.ts';
import { writeAtomic } from '../../lib/adapters/fs/atomic.ts';
import { outputRefusal } from '../../lib/adapters/fs/output-path.ts';
import { planSystemd, type SystemdPlan } from '../../lib/rules/systemd/plan.ts';
import { daemonServiceFile, type UnitFile } from '../../lib/rules/systemd/units.ts';
import { selfExec } from '../self-exec.ts';
import { loadContext, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';

/** Flags of `hb systemd`. */
export interface SystemdOptions extends GlobalOptions {
  outputDir?: string;
  user?: string;
  /** Write `hb-daemon.service` (Type=notify) instead of a timer per job. */
  daemon?: boolean;
  /** Write timers for jobs with a schedule but no command (they only ping), with a warning. */
  allowPingOnly?: boolean;
  /** The meta-heartbeat's service also writes the Prometheus textfile there. */
  textfile?: string;
}

function outputDir(dir: string | undefined, cwd: string): string | undefined {
  if (dir === undefined) return undefined;
  const abs = resolve(cwd, dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`--output-dir: ${abs} is not a directory (create it first, e.g. /etc/systemd/system exists on systemd hosts)`);
  return abs;
}

/** --textfile as an absolute path, or a usage error saying what it must be and when it applies. */
function textfilePath(path: string | undefined, jobs: readonly string[], daemon: boolean, cwd: string): string | undefined {
  if (path === undefined) return undefined;
  if (daemon) throw new UsageError('--textfile: the daemon runs hb check itself; write the textfile with hb check --textfile, or use the timer units');
  if (jobs.length > 0 && !jobs.includes(CHECK_JOB)) {
    throw new UsageError(`--textfile: only the meta-heartbeat's service writes it, and it is not among the jobs named (${jobs.join(' ')}): add ${CHECK_JOB}`);
  }
  if (!path.endsWith('.prom')) throw new UsageError(`--textfile: expected a path ending in .prom (node_exporter reads only those), got ${path}`);
  return resolve(cwd, path);
}

function failIfProblems(plan: SystemdPlan): void {
  if (plan.problems.length === 0) return;
  const lines = plan.problems.map((p) => `systemd: job ${p.job}: ${p.reason}`);
  const anyway = plan.problems.some((p) => p.pingOnly) ? '; --allow-ping-only writes timers that only ping' : '';
  lines.push(`systemd: no unit written (${plan.problems.length === 1 ? 'fix it' : 'fix them'}, or name the other jobs: hb systemd JOB…${anyway})`);
  throw new HbError(lines.join('\n'), 2);
}

/** Prints the units, or writes them into --output-dir and says how to start them. */
export async function runSystemd(jobs: string[], opts: SystemdOptions, io: Io): Promise<number> {
  for (const job of jobs) {
    const problem = validateJobName(job);
    if (problem) throw new UsageError(problem);
  }
  const dir = outputDir(opts.outputDir, io.cwd);
  const textfile = textfilePath(opts.textfile, jobs, opts.daemon === true, io.cwd);
  const ctx = await loadContext(opts, io);
  if (opts.daemon) {
    if (jobs.length > 0) throw new UsageError('--daemon: the daemon runs every scheduled job; name no jobs');
    const unit = daemonServiceFile(selfExec(ctx, io.cwd), 60, opts.user);
    return emit([unit], dir, io, (systemctl) => `start it with:\n  ${systemctl} daemon-reload && ${systemctl} enable --now ${unit.name}\n`);
  }
  const plan = planSystemd({
    config: ctx.config,
    jobs,
    exec: selfExec(ctx, io.cwd),
    ...(opts.user === undefined ? {} : { user: opts.user }),
    allowPingOnly: opts.allowPingOnly === true,
    ...(textfile === undefined ? {} : { textfile }),
    translate: {
      defaultTz: io.localTz(),
      nowMs: io.now(),
      zoneKnown: (tz) => !tz.split('/').includes('..') && existsSync(join('/usr/share/zoneinfo', tz)),
    },
  });
  failIfProblems(plan);
  for (const s of plan.skipped) io.err(`hb: systemd: skipped job ${s.job}: ${s.reason}\n`);
  for (const w of plan.warnings) io.err(`hb: systemd: warning: job ${w.job}: ${w.reason}\n`);
  return emit(
    plan.files,
    dir,
    io,
    (systemctl) => `start the timers with:\n  ${systemctl} daemon-reload && ${systemctl} enable --now ${plan.timers.join(' ')}\n`,
  );
}

/** Prints the units, or writes them atomically (mode 0644) into `dir`, each a new or regular file, and says how to start them. */
function emit(files: UnitFile[], dir: string | undefined, io: Io, howToStart: (systemctl: string) => string): number {
  if (dir === undefined) {
    io.out(files.map((f) => `# ---- ${f.name} ----\n${f.text}`).join('\n'));
    return 0;
  }
  // All or nothing: a unit name that is a link (a masked unit is one to /dev/null) or anything
  // but a regular file stops the whole write before the first file.
  const refusals = files.flatMap((f) => {
    const refusal = outputRefusal(join(dir, f.name));
    return refusal ? [`systemd: ${join(dir, f.name)}: ${refusal}`] : [];
  });
  if (refusals.length > 0) throw new HbError([...refusals, 'systemd: no unit written'].join('\n'), 2);
  const written: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    try {
      writeAtomic(path, f.text, { fsync: true, mode: 0o644, syncDir: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const done = written.length ? ` (already written: ${written.join(', ')})` : '';
      throw new HbError(`systemd: cannot write ${path}: ${err.code ?? err.message}${done}`, 2);
    }
    written.push(path);
  }
  // A user manager's directory wants `systemctl --user`.
  const systemctl = /\/systemd\/user\/?$/.test(dir) ? 'systemctl --user' : 'systemctl';
  io.out(written.map((p) => `wrote ${p}\n`).join('') + howToStart(systemctl));
  return 0;
}
