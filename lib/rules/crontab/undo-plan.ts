// What `hb crontab --undo` does with each crontab of a backup set, decided from the manifest and
// the crontabs as they are now: restore the original (with its recorded owner and mode), leave
// one that is already as before, or leave one alone and say why; pure.

import { join } from 'node:path';
import { sha256 } from '../sha256.ts';
import { targetLabel, type BackupEntry, type CrontabTarget, type FileOwnership } from './backup-manifest.ts';

/** What was found for one manifest entry, read by the adapter. */
export interface UndoFact {
  /** Why hb may not write the crontab (a link, a device …), or null. */
  refusal: string | null;
  /** The crontab's text now ('' when it is gone); null when it was refused and so not read. */
  current: string | null;
  /** The original kept in the set, or null when that file is missing. */
  original: string | null;
}

/** A crontab to write back: the original's text, with the owner and mode recorded (null: keep the file's own). */
export interface RestoreStep {
  target: CrontabTarget;
  label: string;
  text: string;
  ownership: FileOwnership | null;
}

/** Why a crontab is left as it is. */
export type UndoConflict =
  | { kind: 'refused'; label: string; original: string; reason: string }
  | { kind: 'changed'; label: string; original: string }
  | { kind: 'backup-missing'; label: string; original: string };

/** The whole undo of one backup set. */
export interface UndoPlan {
  restore: RestoreStep[];
  /** Crontabs already as they were before adopt. */
  unchanged: string[];
  conflicts: UndoConflict[];
}

/** Plans the undo of the backup set in directory `set`: `facts[i]` is what was found for `entries[i]`. */
export function planUndo(set: string, entries: readonly BackupEntry[], facts: readonly UndoFact[]): UndoPlan {
  if (facts.length !== entries.length) throw new Error(`planUndo: expected one fact per manifest entry (${entries.length}), found ${facts.length}`);
  const plan: UndoPlan = { restore: [], unchanged: [], conflicts: [] };
  entries.forEach((entry, i) => {
    const fact = facts[i]!;
    const label = targetLabel(entry.target);
    const original = join(set, entry.backup);
    if (fact.refusal !== null || fact.current === null) {
      plan.conflicts.push({ kind: 'refused', label, original, reason: fact.refusal ?? 'could not be read' });
      return;
    }
    const now = sha256(fact.current);
    if (now === entry.sha256Before) {
      plan.unchanged.push(label);
      return;
    }
    if (now !== entry.sha256After) {
      plan.conflicts.push({ kind: 'changed', label, original });
      return;
    }
    if (fact.original === null) {
      plan.conflicts.push({ kind: 'backup-missing', label, original });
      return;
    }
    plan.restore.push({ target: entry.target, label, text: fact.original, ownership: ownershipOf(entry) });
  });
  return plan;
}

/** The owner and mode a manifest recorded for a file (an hb that recorded none: keep the file's own). */
function ownershipOf(entry: BackupEntry): FileOwnership | null {
  if (entry.target.kind !== 'file' || entry.mode === undefined || entry.uid === undefined || entry.gid === undefined) return null;
  return { mode: entry.mode, uid: entry.uid, gid: entry.gid };
}

/** One line saying why a crontab was left as it is and where its original is. */
export function conflictLine(c: UndoConflict): string {
  const where = `left as it is (the original is ${c.original})`;
  if (c.kind === 'refused') return `${c.label} ${c.reason}; ${where}`;
  if (c.kind === 'changed') return `${c.label} changed since it was adopted; ${where}`;
  return `${c.label}: its original is missing from the backup, expected at ${c.original}; left as it is`;
}
