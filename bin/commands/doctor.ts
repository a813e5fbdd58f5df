// `hb doctor`: gathers what makes cron jobs fail silently — crontabs with their names, modes and
// owners, the config, the state directory, programs on disk, /proc, /etc/passwd — hands it to the
// pure rules, prints the findings, exits 1 on any error.

import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findConfig } from '../../lib/rules/config/find.ts';
import { emptyConfig, type HbConfig } from '../../lib/rules/config/types.ts';
import { CRONTAB_CAP, crontabPaths } from '../../lib/rules/crontab/locations.ts';
import { checkKindFlags, givenCrontabKind, type KindFlags } from '../crontab-kind.ts';
import { GivenFileError, readGivenFile } from '../../lib/adapters/fs/given-file.ts';
import { syntaxChecks } from '../../lib/rules/doctor/command-rules.ts';
import { doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import { renderDoctorJson, renderDoctorText } from '../../lib/rules/doctor/render.ts';
import type { CrontabSource, DoctorFacts, HostFacts, Probe } from '../../lib/rules/doctor/types.ts';
import { ConfigError, UsageError, type ConfigProblem } from '../../lib/rules/errors.ts';
import { lastPath, listStateFiles, readHeartbeatFile } from '../../lib/adapters/heartbeat/store.ts';
import { CHECK_JOB, validateJobName } from '../../lib/rules/job-name.ts';
import { configStateDir, refuseUntrustedConfig, stateDirFor, type GlobalOptions } from '../context.ts';
import { trustFix, unsafeForRoot, type StateDirChoice } from '../../lib/adapters/state/dir.ts';
import type { Io } from '../io.ts';
import { selfExec } from '../self-exec.ts';
import { checkSyntax } from '../shell-syntax.ts';
import { readUserCrontab } from '../../lib/adapters/crontab/user-crontab.ts';
import { readUsers } from '../../lib/adapters/users/passwd.ts';
import { guardedAccess } from '../../lib/adapters/recover/guarded-path.ts';
import { primaryGid } from '../../lib/adapters/recover/primary-gid.ts';
import { listNames } from '../../lib/adapters/fs/quiet.ts';

interface DoctorOptions extends GlobalOptions, KindFlags {
  crontab?: string[];
}

const SPOOL = '/var/spool/cron/crontabs';

/** Runs `hb doctor` and returns its exit code: 1 when any finding is an error. */
export async function runDoctor(opts: DoctorOptions, io: Io): Promise<number> {
  checkKindFlags(opts);
  const users = readUsers();
  const me = users.byUid.get(process.getuid?.() ?? -1) ?? basename(io.homedir);
  const { config, problems } = await readConfig(opts, io);
  const state = stateDirFor(config, opts, io);
  const stateDir = state.dir;
  const unreadable: string[] = [];
  const crontabs = opts.crontab
    ? opts.crontab.map((path) => givenCrontab(path, opts, users.homes, me))
    : await systemCrontabs(
        crontabPaths(io.env, () => me),
        io,
        me,
        unreadable,
      );
  const facts: DoctorFacts = {
    crontabs,
    config: { file: config.file, problems, jobs: config.jobs, stateDir: configStateDir(config) ?? null },
    stateDir: { dir: stateDir, problem: writeProblem(stateDir), untrusted: untrustedFacts(state) },
    probe,
    users: users.homes,
    userPath: (io.env.PATH ?? '').split(':').filter(Boolean),
    // What a crontab line should name: this hb, exactly as hb crontab writes it.
    self: selfExec({ config, configText: null, state }, io.cwd),
    hostTz: io.localTz(),
    host: opts.crontab ? null : hostFacts(stateDir, config, io.now(), unreadable),
    guardedRefusal,
    // The shell reads each command (never runs it): what it refuses fails on every run.
    shellSyntax: await checkSyntax(syntaxChecks(crontabs)),
  };
  const findings = doctorFindings(facts);
  const summary = {
    crontabs: crontabs.map((c) => c.path),
    config: config.file ?? problems[0]?.file ?? null,
    // Files named by hand: the format each was read in, and why.
    ...(opts.crontab ? { kinds: crontabs.map((c) => ({ file: c.path, kind: c.kind, sure: c.kindGuess?.sure ?? true, why: c.kindGuess?.why ?? '' })) } : {}),
  };
  io.out(opts.json ? renderDoctorJson(findings, summary) : renderDoctorText(findings, summary, io.color));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

async function readConfig(opts: GlobalOptions, io: Io): Promise<{ config: HbConfig; problems: ConfigProblem[] }> {
  const choice = findConfig(opts.config, io.env, io.cwd, io.homedir, existsSync);
  if (!choice.path) return { config: emptyConfig(), problems: [] };
  const { loadConfig } = await import('../../lib/adapters/config/load.ts');
  try {
    if (io.isRoot) await refuseUntrustedConfig(resolve(io.cwd, choice.path), choice.source);
    return { config: await loadConfig(choice, io.localTz()), problems: [] };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { config: { ...emptyConfig(), file: choice.path }, problems: e.problems };
  }
}

/** Why recovery would refuse `path` (the rule hb check applies), or null. */
function guardedRefusal(path: string): string | null {
  const access = guardedAccess(path, primaryGid);
  return 'refused' in access ? access.refused : null;
}

function probe(path: string): Probe {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'directory';
    accessSync(path, constants.X_OK);
    return 'executable';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'file' : 'missing';
  }
}

function crontabFile(path: string, text: string, kind: CrontabSource['kind'], owner: string | null): CrontabSource {
  let mode: number | null = null;
  let uid: number | null = null;
  try {
    const st = statSync(path);
    [mode, uid] = [st.mode & 0o7777, st.uid];
  } catch {
    // Text from `crontab -l`: no file of ours to stat.
  }
  return { path, kind, cronD: basename(dirname(path)) === 'cron.d', text, mode, uid, owner };
}

function givenCrontab(path: string, flags: KindFlags, homes: ReadonlyMap<string, string>, me: string): CrontabSource {
  let text: string;
  try {
    text = readGivenFile(path, CRONTAB_CAP);
  } catch (e) {
    if (e instanceof GivenFileError) throw new UsageError(`--crontab ${path}: ${e.reason}`);
    throw e;
  }
  const guess = givenCrontabKind(path, text, flags, homes);
  return { ...crontabFile(path, text, guess.kind, guess.kind === 'user' ? me : null), kindGuess: { sure: guess.sure, why: guess.why } };
}

// The system's crontabs: as root every user's spool file, else the user's own through
// `crontab -l`; /etc/crontab; every file of /etc/cron.d, also those cron ignores (to say so).
async function systemCrontabs(paths: string[], io: Io, me: string, unreadable: string[]): Promise<CrontabSource[]> {
  const out: CrontabSource[] = [];
  const ownSpool = join(SPOOL, me);
  for (const path of paths) {
    if (path === ownSpool && io.isRoot) {
      for (const name of listNames(SPOOL).sort()) out.push(...readOne(join(SPOOL, name), 'user', name, unreadable));
      continue;
    }
    if (path === ownSpool) {
      // Unreadable and absent alike: nothing to check.
      const text = await readUserCrontab(undefined).catch(() => null);
      if (text !== null) out.push(crontabFile(path, text, 'user', me));
      unreadable.push("other users' crontabs (run hb doctor as root to see them)");
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (!isDir) out.push(...readOne(path, basename(dirname(path)) === 'crontabs' ? 'user' : 'system', basename(path), unreadable));
    else for (const name of listNames(path).sort()) out.push(...readOne(join(path, name), 'system', null, unreadable, true));
  }
  return out;
}

function readOne(path: string, kind: CrontabSource['kind'], owner: string | null, unreadable: string[], cronD = false): CrontabSource[] {
  try {
    const file = crontabFile(path, readGivenFile(path, CRONTAB_CAP), kind, kind === 'user' ? owner : null);
    return [{ ...file, cronD: file.cronD || cronD }];
  } catch (e) {
    // Not a regular file: cron skips it too. Over the cap: said, never read.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') unreadable.push(path);
    else if (code === 'EFBIG') unreadable.push(`${path} (${(e as GivenFileError).reason})`);
    return [];
  }
}

// Why `dir` cannot be written (the nearest existing ancestor, when it does not exist yet), or null.
/** Why root would not use the state directory, and the fix; null when it would, or hb is not root. */
function untrustedFacts(state: StateDirChoice): { why: string; fix: string } | null {
  if (!state.isRoot) return null;
  const why = unsafeForRoot(state.dir);
  return why === null ? null : { why, fix: trustFix(state.dir) ?? '' };
}

function writeProblem(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) return `${d} is not a directory`;
      accessSync(d, constants.W_OK);
      return null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || d === dirname(d)) return `${code ?? 'error'}${d === dir ? '' : ` on ${d}`}`;
    }
  }
}

function hostFacts(stateDir: string, config: HbConfig, nowMs: number, unreadable: string[]): HostFacts {
  const procs = processes();
  let checkAgeMs: number | null = null;
  try {
    checkAgeMs = nowMs - statSync(lastPath(stateDir, CHECK_JOB)).mtimeMs;
  } catch {
    // Never ran here.
  }
  const unscheduled: HostFacts['unscheduled'] = [];
  const heartbeats = listStateFiles(stateDir, (n) => validateJobName(n) === null).last;
  for (const job of heartbeats) {
    const hb = readHeartbeatFile(lastPath(stateDir, job));
    if (hb && hb.kind !== 'corrupt' && !(hb.kind === 'record' && hb.record.schedule) && !config.jobs.get(job)?.schedule) {
      unscheduled.push({ job, file: lastPath(stateDir, job) });
    }
  }
  return {
    cronDaemon: procs.find((p) => p.comm === 'cron' || p.comm === 'crond')?.comm ?? null,
    hbDaemon: procs.some((p) => p.args.some((a, i) => /(?:^|\/)hb(?:\.js)?$/.test(a) && p.args[i + 1] === 'daemon' && (p.args[i + 2] ?? 'start') === 'start')),
    mta: existsSync('/usr/sbin/sendmail'),
    checkAgeMs,
    unscheduled,
    unreadable,
    heartbeats,
  };
}

function processes(): Array<{ comm: string; args: string[] }> {
  const out: Array<{ comm: string; args: string[] }> = [];
  for (const pid of listNames('/proc').sort()) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      out.push({ comm, args: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
