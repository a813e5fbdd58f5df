// Backup sets on disk and the two pipelines that use them: adopt's writes, made only after the
// originals and their manifest are safely stored, and undo's restore of the latest set. A user's
// crontab is read and written through the injected `UserCrontabs` (crontab(1) in hb).

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HbError, UsageError } from '../../rules/errors.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { makeDirs } from '../fs/make-dirs.ts';
import { outputRefusal } from '../fs/output-path.ts';
import {
  backupSetName,
  MANIFEST_NAME,
  parseManifest,
  planBackupSet,
  targetLabel,
  type AdoptedChange,
  type BackupEntry,
  type CrontabTarget,
} from '../../rules/crontab/backup-manifest.ts';
import { fileOwnership, readCrontabFile, writeCrontabFile, type WriteMeta } from './crontab-file.ts';
import { planUndo, type UndoFact, type UndoPlan } from '../../rules/crontab/undo-plan.ts';

/** Reads (as '' when there is none) and installs a user's crontab. */
export interface UserCrontabs {
  read(user: string | undefined): Promise<string>;
  write(text: string, user: string | undefined): Promise<void>;
}

/** Where backup sets live inside the state directory hb writes to. */
export const backupRoot = (stateDir: string): string => join(stateDir, 'crontab-backups');

/** A crontab's new text, as adopt made it. */
export interface Adoption {
  target: CrontabTarget;
  before: string;
  after: string;
}

/**
 * Writes each adopted crontab, after a backup set of the originals (0600 files in a 0700
 * directory, then the manifest) under `root()`. Every target must be one hb may write, or nothing
 * is written and nothing backed up (exit 2; `root` is not asked for). Returns the set and the
 * labels written, in order.
 */
export async function applyAdoption(
  root: () => string,
  adoptions: readonly Adoption[],
  users: UserCrontabs,
  nowMs: number,
  pid: number,
): Promise<{ set: string; written: string[] }> {
  for (const { target } of adoptions) {
    const refusal = target.kind === 'file' ? outputRefusal(target.path) : null;
    if (refusal) throw new UsageError(`--crontab ${targetLabel(target)}: ${refusal}; nothing written`);
  }
  const changes: AdoptedChange[] = adoptions.map((a) => ({ ...a, ownership: a.target.kind === 'file' ? fileOwnership(a.target.path) : null }));
  const set = join(root(), backupSetName(nowMs, pid));
  const plan = planBackupSet(changes, nowMs);
  makeDirs(set, 0o700);
  for (const o of plan.originals) writeAtomic(join(set, o.name), o.text, { fsync: true, mode: 0o600 });
  writeAtomic(join(set, MANIFEST_NAME), plan.manifest, { fsync: true, mode: 0o600, syncDir: true });
  const written: string[] = [];
  for (const c of changes) {
    try {
      await writeTarget(c.target, c.after, c.ownership ?? {}, users);
    } catch (e) {
      const done = written.length ? `; already written: ${written.join(', ')}` : '';
      throw new HbError(`crontab: cannot write ${targetLabel(c.target)}: ${(e as Error).message}${done}; hb crontab --undo restores from ${set}`, 2);
    }
    written.push(targetLabel(c.target));
  }
  return { set, written };
}

/** What undo did with the latest backup set: its plan, the crontabs restored, and whether the set was removed (only when nothing conflicted). */
export interface UndoOutcome {
  set: string;
  plan: UndoPlan;
  restored: string[];
  removed: boolean;
}

/** Restores the crontabs of the latest backup set under `root` that are still as adopt left them; exit 1 when there is none. */
export async function undoLatest(root: string, users: UserCrontabs): Promise<UndoOutcome> {
  const set = latestSet(root);
  if (set === null) throw new HbError(`crontab: nothing to undo: no backup in ${root} (hb crontab --adopt --apply keeps one)`, 1);
  const entries = readManifest(set);
  const facts: UndoFact[] = [];
  for (const entry of entries) facts.push(await undoFact(set, entry, users));
  const plan = planUndo(set, entries, facts);
  const restored: string[] = [];
  for (const step of plan.restore) {
    await writeTarget(step.target, step.text, step.ownership ?? {}, users);
    restored.push(step.label);
  }
  const removed = plan.conflicts.length === 0;
  if (removed) rmSync(set, { recursive: true, force: true });
  return { set, plan, restored, removed };
}

/** The newest backup set's directory under `root` (names sort by time), or null. */
function latestSet(root: string): string | null {
  let names: string[] = [];
  try {
    names = readdirSync(root)
      .filter((n) => !n.startsWith('.'))
      .sort();
  } catch {
    // none
  }
  const latest = names.at(-1);
  return latest === undefined ? null : join(root, latest);
}

function readManifest(set: string): BackupEntry[] {
  const path = join(set, MANIFEST_NAME);
  let parsed;
  try {
    parsed = parseManifest(readFileSync(path, 'utf8'));
  } catch (e) {
    parsed = { problem: (e as Error).message };
  }
  if ('problem' in parsed) throw new HbError(`crontab: cannot read the backup ${path}: ${parsed.problem}`, 2);
  return parsed.entries;
}

/** What undo finds for one entry: may the crontab be written, its text now, the original kept. */
async function undoFact(set: string, entry: BackupEntry, users: UserCrontabs): Promise<UndoFact> {
  const t = entry.target;
  const refusal = t.kind === 'file' ? outputRefusal(t.path) : null;
  if (refusal) return { refusal, current: null, original: null };
  const current = t.kind === 'file' ? (readCrontabFile(t.path, 'crontab:')?.text ?? '') : await users.read(t.user);
  let original: string | null = null;
  try {
    original = readFileSync(join(set, entry.backup), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new HbError(`crontab: cannot read the backup ${join(set, entry.backup)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  return { refusal: null, current, original };
}

/** Writes a crontab: a user's through crontab(1); a file atomically with `meta`, or its present owner and mode when `meta` has none. */
async function writeTarget(target: CrontabTarget, text: string, meta: WriteMeta, users: UserCrontabs): Promise<void> {
  if (target.kind === 'user-crontab') return users.write(text, target.user);
  writeCrontabFile(target.path, text, meta.mode === undefined ? fileOwnership(target.path) : meta);
}
