// `hb crontab`: hb's block of cron lines printed, installed into a user's crontab or written to an
// /etc/cron.d file (--diff previews, --uninstall removes only the block); `--adopt` wraps the
// cron jobs a host already has in `hb wrap`, with a backup that `--undo` restores.

import { accessSync, constants, existsSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { allSinks } from '../../lib/rules/config/types.ts';
import { HbError, UsageError } from '../../lib/rules/errors.ts';
import { adoptCrontab, type AdoptedFile } from '../../lib/rules/crontab/adopt.ts';
import { targetLabel, type CrontabTarget } from '../../lib/rules/crontab/backup-manifest.ts';
import { applyAdoption, backupRoot, undoLatest, type UserCrontabs } from '../../lib/adapters/crontab/backup-store.ts';
import { readCrontabFile, writeCrontabFile } from '../../lib/adapters/crontab/crontab-file.ts';
import { conflictLine } from '../../lib/rules/crontab/undo-plan.ts';
import { findBlock, isEmptyCrontab, mergeBlock, removeBlock } from '../../lib/rules/crontab/block.ts';
import { checkUses, type CheckSite } from '../../lib/rules/crontab/check-lines.ts';
import { managedBy } from '../../lib/rules/crontab/managed.ts';
import { planCrontab, type CrontabPlan } from '../../lib/rules/crontab/generate.ts';
import { parseCrontab, type CrontabKind, type ParsedCrontab } from '../../lib/rules/crontab/parse.ts';
import { crontabSchedules } from '../../lib/rules/crontab/schedules.ts';
import { CHECK_JOB } from '../../lib/rules/job-name.ts';
import { checkKindFlags, givenCrontabKind, kindLabel, type KindFlags } from '../crontab-kind.ts';
import { cronDNameOk, crontabKindOf, crontabPaths, type CrontabText } from '../../lib/rules/crontab/locations.ts';
import { readCrontabs } from '../../lib/adapters/crontab/sources.ts';
import { outputRefusal } from '../../lib/adapters/fs/output-path.ts';
import { openStateDir } from '../../lib/adapters/state/dir.ts';
import { configStateDir, loadContext, type Context, type GlobalOptions } from '../context.ts';
import type { Io } from '../io.ts';
import { selfExec } from '../self-exec.ts';
import { readUserCrontab as readOrNull, writeUserCrontab } from '../../lib/adapters/crontab/user-crontab.ts';
import { currentUser } from '../../lib/adapters/users/current.ts';
import { readUsers } from '../../lib/adapters/users/passwd.ts';

/** Flags of `hb crontab`. */
export interface CrontabOptions extends GlobalOptions, KindFlags {
  install?: boolean;
  uninstall?: boolean;
  diff?: boolean;
  file?: string;
  user?: string;
  adopt?: boolean;
  apply?: boolean;
  undo?: boolean;
  crontab?: string[];
}

/** Runs `hb crontab` in the mode its flags choose. */
export async function runCrontab(opts: CrontabOptions, io: Io): Promise<number> {
  checkFlags(opts);
  const ctx = await loadContext(opts, io);
  if (opts.undo) return undo(ctx, io);
  if (opts.adopt) return adopt(ctx, opts, io);
  return generate(ctx, opts, io);
}

function checkFlags(o: CrontabOptions): void {
  const modes = (['install', 'uninstall', 'diff', 'adopt', 'undo'] as const).filter((m) => o[m]);
  const allowed: Record<string, string[]> = { adopt: ['diff'], diff: ['adopt', 'uninstall'], uninstall: ['diff'] };
  for (const m of modes) {
    const clash = modes.find((other) => other !== m && !allowed[m]?.includes(other));
    if (clash) throw new UsageError(`--${m} and --${clash} do not go together (run hb crontab --help)`);
  }
  if (o.apply && !o.adopt) throw new UsageError('--apply goes with --adopt: hb crontab --adopt --apply');
  if ((o.crontab || o.system || o.userCrontab) && !o.adopt)
    throw new UsageError('--crontab, --system and --user-crontab choose the files --adopt reads: hb crontab --adopt --crontab FILE…');
  if ((o.system || o.userCrontab) && !o.crontab)
    throw new UsageError(
      `--${o.system ? 'system' : 'user-crontab'} says how to read the --crontab files: hb crontab --adopt --crontab FILE… --${o.system ? 'system' : 'user-crontab'}`,
    );
  checkKindFlags(o);
  if (o.file !== undefined && o.install) throw new UsageError('--file writes the file already; --install is for the user crontab');
  if (o.file !== undefined && (o.adopt || o.undo)) throw new UsageError('--file names the file hb crontab writes; --adopt reads --crontab FILE…');
}

// ---------------------------------------------------------------------------------------------
// Generate, install, uninstall, diff.

function plan(ctx: Context, io: Io, user: string | undefined, regenerate: string): CrontabPlan {
  const p = planCrontab({ config: ctx.config, exec: selfExec(ctx, io.cwd), ...(user === undefined ? {} : { user }), hostTz: io.localTz(), regenerate });
  if (p.problems.length > 0) {
    const lines = p.problems.map((x) => `crontab: job ${x.job}: ${x.reason}`);
    lines.push(`crontab: nothing written (${p.problems.length === 1 ? 'fix it' : 'fix them'} in ${ctx.config.file ?? 'the config'})`);
    throw new HbError(lines.join('\n'), 2);
  }
  for (const s of p.skipped) io.err(`hb: crontab: skipped job ${s.job}: ${s.reason}\n`);
  if (allSinks(ctx.config).length === 0) {
    io.err(
      'hb: crontab: note: no sink is configured, so hb check alerts nobody (its output goes to /dev/null, not to cron mail every minute): add notify: to the config (docs/sinks.md)\n',
    );
  }
  return p;
}

async function generate(ctx: Context, opts: CrontabOptions, io: Io): Promise<number> {
  if (opts.file !== undefined) return generateFile(ctx, opts, io);
  const regenerate = `hb crontab --install${opts.user ? ` --user ${opts.user}` : ''}`;
  const planned = opts.uninstall ? null : plan(ctx, io, undefined, regenerate);
  if (planned && !opts.install && !opts.diff) {
    io.out(`${planned.block.join('\n')}\n`);
    return 0;
  }
  const who = `${opts.user ?? (currentUser() || 'this user')}'s crontab`;
  const before = await readUserCrontab(opts.user);
  if (planned) {
    const runsAs = opts.user ?? currentUser();
    const system = crontabPaths(io.env, () => runsAs).filter((p) => crontabKindOf(p) === 'system');
    warnOtherChecks(
      ctx,
      io,
      planned,
      { label: who, text: before, kind: 'user', owner: runsAs || null },
      await readCrontabs(system),
      `hb crontab --uninstall${opts.user ? ` --user ${opts.user}` : ''}`,
    );
  }
  const after = planned ? mergeBlock(before, planned.block, who) : removeBlock(before, who);
  if (opts.diff) return showDiff(who, before, after, io);
  warnIfActivated(who, before, after, io);
  if (after === before) {
    io.out(`${who} already ${planned ? 'has this hb block' : 'has no hb block'}: nothing changed\n`);
    return 0;
  }
  await writeUserCrontab(after, opts.user);
  io.out(planned ? `installed the hb block in ${who}: ${describeJobs(planned.jobs)}\n` : `removed the hb block from ${who}\n`);
  return 0;
}

// Cron ignores a whole crontab whose last line has no newline; writing one brings its lines to life.
function warnIfActivated(label: string, before: string, after: string, io: Io): void {
  if (before !== '' && !before.endsWith('\n') && /\S/.test(before) && after !== before) {
    io.err(`hb: crontab: note: ${label} had no final newline, so cron ignored all of it; with one added, its other lines run from now on too\n`);
  }
}

/**
 * Warns about each `hb check` that cron already runs, outside the block being replaced, for the
 * state directory the block's own check line checks (a playbook may have deployed one): two
 * checks of one directory do the same work twice and race for its lock.
 */
function warnOtherChecks(
  ctx: Context,
  io: Io,
  planned: CrontabPlan,
  target: { label: string; text: string; kind: CrontabKind; owner: string | null },
  others: readonly CrontabText[],
  uninstall: string,
): void {
  const line = planned.lines.get(CHECK_JOB);
  if (line === undefined) return;
  const site: CheckSite = {
    homes: readUsers().homes,
    config: { file: ctx.config.file === null ? null : resolve(io.cwd, ctx.config.file), stateDir: configStateDir(ctx.config) ?? null },
    exists: existsSync,
  };
  const ours = checkUses([parseCrontab(`${line}\n`, { kind: target.kind, file: target.label, owner: target.owner })], site)[0]?.stateDir;
  if (!ours) return;
  let block: { begin: number; end: number } | null;
  try {
    block = findBlock(target.text.split('\n'), target.label);
  } catch {
    return; // the markers do not pair up: merging the block says so
  }
  const sources = [
    parseCrontab(target.text, { kind: target.kind, file: target.label, owner: target.owner }),
    ...others.map((c) => parseCrontab(c.text, { kind: c.kind, file: c.path, owner: c.owner })),
  ];
  for (const use of checkUses(sources, site)) {
    const inBlock = use.file === target.label && block !== null && use.line.line > block.begin && use.line.line <= block.end + 1;
    if (inBlock || use.stateDir !== ours) continue;
    const by = managedBy(
      sources.find((p) => p.file === use.file)!,
      use.line.line,
    );
    io.err(
      `hb: crontab: warning: ${use.file}:${use.line.line} already runs hb check for ${ours}${by ? ` (put there by ${by.tool}: ${by.marker})` : ''}: ` +
        `two checks of one state directory do the same work twice and race for its check lock; keep one: ${by ? `drop that line from the ${by.source}` : 'delete that line'}, or take hb's block out again (${uninstall})\n`,
    );
  }
}

const describeJobs = (jobs: string[]) => `${jobs.length} line${jobs.length === 1 ? '' : 's'} (${jobs.join(', ')})`;

async function generateFile(ctx: Context, opts: CrontabOptions, io: Io): Promise<number> {
  const path = resolve(io.cwd, opts.file!);
  const name = basename(path);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // a new file
  }
  if (isDir) throw new UsageError(`--file ${path}: is a directory; name the file, e.g. ${join(path, 'hb')}`);
  const refusal = outputRefusal(path);
  if (refusal) throw new UsageError(`--file ${path}: ${refusal}`);
  if (!cronDNameOk(name)) {
    throw new UsageError(
      `--file ${path}: cron ignores files in /etc/cron.d whose names hold anything but letters, digits, "_" and "-" ("${name}"); name it e.g. hb`,
    );
  }
  let dirOk = false;
  try {
    dirOk = statSync(dirname(path)).isDirectory();
  } catch {
    // reported below
  }
  if (!dirOk) throw new UsageError(`--file ${path}: ${dirname(path)} is not a directory`);
  const user = opts.user ?? currentUser();
  if (!user) throw new UsageError('--file: a system crontab line needs a user field: pass --user NAME');
  if (!readUsers().homes.has(user))
    io.err(`hb: crontab: warning: no user ${user} in /etc/passwd; cron ignores the whole file when a line names a user that does not exist\n`);
  const planned = opts.uninstall ? null : plan(ctx, io, user, `hb crontab --file ${path}${opts.user ? ` --user ${opts.user}` : ''}`);
  const existing = readCrontabFile(path, '--file');
  const before = existing?.text ?? '';
  if (planned) {
    const others = (await readCrontabs(crontabPaths(io.env, () => user))).filter((c) => resolve(c.path) !== path);
    warnOtherChecks(ctx, io, planned, { label: path, text: before, kind: 'system', owner: null }, others, `hb crontab --file ${path} --uninstall`);
  }
  const after = planned ? mergeBlock(before, planned.block, path) : removeBlock(before, path);
  if (opts.diff) return showDiff(path, before, after, io);
  warnIfActivated(path, before, after, io);
  if (existing === null && !planned) {
    io.out(`${path} does not exist: nothing to remove\n`);
    return 0;
  }
  if (!planned && isEmptyCrontab(after)) {
    unlinkSync(path);
    io.out(`removed ${path} (it held only the hb block)\n`);
    return 0;
  }
  if (after === before) {
    io.out(`${path} is up to date: nothing changed\n`);
    return 0;
  }
  // cron reads /etc/cron.d files only when not group/other-writable; 0644 as Debian ships them.
  writeCrontabFile(path, after, existing ? { mode: existing.mode & 0o7777 & ~0o022 || 0o644, uid: existing.uid, gid: existing.gid } : { mode: 0o644 });
  io.out(planned ? `wrote ${path}: ${describeJobs(planned.jobs)}\n` : `removed the hb block from ${path}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Adopt and undo.

interface Source {
  target: CrontabTarget;
  text: string;
  parsed: ParsedCrontab;
}

async function adoptSources(opts: CrontabOptions, io: Io): Promise<{ sources: Source[]; notes: string[] }> {
  const notes: string[] = [];
  const sources: Source[] = [];
  const add = (target: CrontabTarget, text: string, kind: CrontabKind) =>
    sources.push({ target, text, parsed: parseCrontab(text, { kind, file: targetLabel(target) }) });
  if (opts.crontab) {
    const homes = readUsers().homes;
    for (const given of opts.crontab) {
      const path = resolve(io.cwd, given);
      const file = readCrontabFile(path, '--crontab');
      if (!file) throw new UsageError(`--crontab ${path}: no such file`);
      // Read as the wrong kind, a user field becomes part of the command: adopt only on a settled kind.
      const guess = givenCrontabKind(path, file.text, opts, homes);
      if (!guess.sure) {
        throw new UsageError(
          `--crontab ${path}: cannot tell whether this is a user crontab or a system one (a user field after the schedule): ${guess.why}; nothing adopted: pass --system or --user-crontab`,
        );
      }
      io.err(`hb: crontab: ${path}: read as ${kindLabel(guess)}: ${guess.why}\n`);
      add({ kind: 'file', path }, file.text, guess.kind);
    }
    return { sources, notes };
  }
  const who = opts.user ?? currentUser();
  const label = `${who || 'this user'}'s crontab`;
  add({ kind: 'user-crontab', user: opts.user, label }, await readUserCrontab(opts.user), 'user');
  const systemPaths = crontabPaths(io.env, () => who).filter((p) => crontabKindOf(p) === 'system');
  for (const c of await readCrontabs(systemPaths)) {
    try {
      accessSync(c.path, constants.W_OK);
    } catch {
      notes.push(`${c.path}: not writable by this user, left out (run hb crontab --adopt as root to include it)`);
      continue;
    }
    const refusal = outputRefusal(c.path);
    if (refusal) {
      notes.push(`${c.path}: ${refusal}; left out`);
      continue;
    }
    add({ kind: 'file', path: c.path }, c.text, c.kind);
  }
  return { sources, notes };
}

async function adopt(ctx: Context, opts: CrontabOptions, io: Io): Promise<number> {
  const { sources, notes } = await adoptSources(opts, io);
  const taken = new Set<string>(ctx.config.jobs.keys());
  for (const s of sources) for (const l of s.parsed.lines) if (l.kind === 'job') for (const h of l.hb) if (h.job) taken.add(h.job);
  const exec = selfExec(ctx, io.cwd);
  const homes = readUsers().homes;
  const userExists = (name: string) => homes.has(name);
  const results = sources.map((s) => ({
    source: s,
    result: adoptCrontab(s.parsed, { exec, hostTz: io.localTz(), taken, ...(cronReadsHere(s.target) ? { userExists } : {}) }),
  }));
  const changed = results.filter((r) => r.result.adopted.length > 0);

  const { createTwoFilesPatch } = await import('diff');
  for (const { source, result } of changed) {
    io.out(unifiedDiff(createTwoFilesPatch, targetLabel(source.target), `${targetLabel(source.target)} (adopted)`, source.text, result.text));
  }
  for (const { source, result } of results) summarize(targetLabel(source.target), result, io);
  for (const n of notes) io.err(`hb: crontab: ${n}\n`);
  if (!results.some((r) => r.result.hasCheck) && !(opts.crontab && (await checkLineElsewhere(opts, io)))) {
    const how = sources.some((s) => s.parsed.kind === 'system') ? 'hb crontab --file /etc/cron.d/hb --user root' : 'hb crontab --install';
    io.err(`hb: crontab: no line runs hb check, the meta-heartbeat that notices jobs going silent: add it with ${how}\n`);
  }
  if (changed.length === 0) {
    io.err('hb: crontab: nothing to adopt\n');
    return 0;
  }
  if (!opts.apply) {
    io.err('hb: crontab: nothing written; run again with --apply to write it (a backup is kept: hb crontab --undo restores it)\n');
    return 0;
  }
  const adoptions = changed.map((c) => ({ target: c.source.target, before: c.source.text, after: c.result.text }));
  const { set, written } = await applyAdoption(() => backupRoot(openStateDir(ctx.state).dir), adoptions, userCrontabs, io.now(), io.pid);
  io.out(
    `adopted ${changed.reduce((n, c) => n + c.result.adopted.length, 0)} line(s) in ${written.join(', ')}; backup in ${set} (hb crontab --undo restores it)\n`,
  );
  return 0;
}

// With --crontab FILE the meta-heartbeat may well be in a crontab not given: look (read only).
async function checkLineElsewhere(opts: CrontabOptions, io: Io): Promise<boolean> {
  const texts = await readCrontabs(crontabPaths(io.env, () => opts.user ?? currentUser()));
  const own = await readUserCrontab(opts.user).catch(() => '');
  const parsed = [...texts.map((t) => parseCrontab(t.text, { kind: t.kind, file: t.path })), parseCrontab(own, { kind: 'user', file: 'crontab' })];
  return crontabSchedules(parsed).has(CHECK_JOB);
}

// /etc/crontab and files in a cron.d directory are read by this host's cron, so their user
// fields are judged by this host's users; another file given by --crontab may be for another host.
const cronReadsHere = (t: CrontabTarget) => t.kind === 'file' && (t.path === '/etc/crontab' || basename(dirname(t.path)) === 'cron.d');

function summarize(label: string, r: AdoptedFile, io: Io): void {
  if (r.refused) {
    io.err(`hb: crontab: ${label}: left as it is: ${r.refused}\n`);
    return;
  }
  if (r.adopted.length > 0) io.err(`hb: crontab: ${label}: ${r.adopted.map((a) => `line ${a.line} → job ${a.job}`).join(', ')}\n`);
  const runHb = r.leftAlone.filter((l) => l.reason.startsWith('already runs hb'));
  if (runHb.length > 0) io.err(`hb: crontab: ${label}: ${runHb.length} line${runHb.length === 1 ? '' : 's'} already run${runHb.length === 1 ? 's' : ''} hb\n`);
  for (const l of r.leftAlone) if (!runHb.includes(l)) io.err(`hb: crontab: ${label}: line ${l.line} left alone: ${l.reason}\n`);
}

/** Restores the latest backup set's crontabs that are as adopt left them; exit 1 when one is left alone or there is none. */
async function undo(ctx: Context, io: Io): Promise<number> {
  // The state directory hb writes to (the per-user one when it fell back), as for --apply.
  const r = await undoLatest(backupRoot(openStateDir(ctx.state).dir), userCrontabs);
  if (r.plan.conflicts.length > 0) {
    for (const c of r.plan.conflicts) io.err(`hb: crontab: ${conflictLine(c)}\n`);
    if (r.restored.length) io.out(`restored ${r.restored.join(', ')} from ${r.set}\n`);
    return 1;
  }
  io.out(
    r.restored.length
      ? `restored ${r.restored.join(', ')} from ${r.set}\n`
      : `nothing to restore: the crontabs of ${r.set} are as before adopt; backup removed\n`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Reading and writing crontabs.

/** A user's crontab, '' when there is none. */
const readUserCrontab = async (user: string | undefined) => (await readOrNull(user)) ?? '';

/** The user crontab as adopt and undo read and write it, through crontab(1). */
const userCrontabs: UserCrontabs = { read: readUserCrontab, write: writeUserCrontab };

async function showDiff(label: string, before: string, after: string, io: Io): Promise<number> {
  if (before === after) {
    io.err(`hb: crontab: ${label}: no change\n`);
    return 0;
  }
  const { createTwoFilesPatch } = await import('diff');
  io.out(unifiedDiff(createTwoFilesPatch, label, `${label} (new)`, before, after));
  return 0;
}

type Patcher = typeof import('diff').createTwoFilesPatch;

/** A unified diff with three lines of context, ending in a newline. */
function unifiedDiff(patch: Patcher, from: string, to: string, before: string, after: string): string {
  const text = patch(from, to, before, after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
  return text.endsWith('\n') ? text : `${text}\n`;
}
