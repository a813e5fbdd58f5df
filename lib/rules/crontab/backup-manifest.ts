// The backup set `hb crontab --adopt --apply` keeps before it changes a crontab: its manifest
// (which crontab each numbered original came from, its owner and mode, the hashes before and
// after adopt), built from data and read back with every field checked; pure.

import { sha256 } from '../sha256.ts';

/** A crontab hb adopts and may restore: a file by path, or a user's crontab through crontab(1). */
export type CrontabTarget = { kind: 'file'; path: string } | { kind: 'user-crontab'; user: string | undefined; label: string };

/** Owner and permission bits of a crontab file, as recorded and restored. */
export interface FileOwnership {
  mode: number;
  uid: number;
  gid: number;
}

/** One backed-up crontab in a backup set's manifest. */
export interface BackupEntry {
  target: CrontabTarget;
  /** The original's file name inside the set (`1.crontab`, …). */
  backup: string;
  mode?: number;
  uid?: number;
  gid?: number;
  sha256Before: string;
  sha256After: string;
}

/** One crontab about to be adopted: what it holds now, what adopt makes of it, its file's owner and mode (null for a user crontab). */
export interface AdoptedChange {
  target: CrontabTarget;
  before: string;
  after: string;
  ownership: FileOwnership | null;
}

/** A backup set ready to be written: the originals by file name, and the manifest's text. */
export interface BackupSetPlan {
  originals: Array<{ name: string; text: string }>;
  manifest: string;
}

/** The manifest's version this hb writes and reads. */
export const MANIFEST_VERSION = 1;

/** The manifest's file name inside a backup set. */
export const MANIFEST_NAME = 'manifest.json';

/** A crontab's name in messages: its path, or "NAME's crontab". */
export const targetLabel = (t: CrontabTarget): string => (t.kind === 'file' ? t.path : t.label);

/** A backup set's directory name: its creation time (sortable, no colons) and the pid that made it. */
export const backupSetName = (nowMs: number, pid: number): string => `${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}-${pid}`;

/** The originals and the manifest of a backup set for `changes`, created at `nowMs`. */
export function planBackupSet(changes: readonly AdoptedChange[], nowMs: number): BackupSetPlan {
  const originals = changes.map((c, i) => ({ name: `${i + 1}.crontab`, text: c.before }));
  const files: BackupEntry[] = changes.map((c, i) => ({
    target: c.target,
    backup: originals[i]!.name,
    ...(c.ownership ? { mode: c.ownership.mode, uid: c.ownership.uid, gid: c.ownership.gid } : {}),
    sha256Before: sha256(c.before),
    sha256After: sha256(c.after),
  }));
  const manifest = `${JSON.stringify({ version: MANIFEST_VERSION, created: new Date(nowMs).toISOString(), files }, null, 2)}\n`;
  return { originals, manifest };
}

/** The entries of a manifest's text, or the one thing wrong with it (what was expected, what was found). */
export function parseManifest(text: string): { entries: BackupEntry[] } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { problem: (e as Error).message };
  }
  if (!isObject(data) || !Array.isArray(data.files)) return { problem: `expected an object with a "files" list, found ${describe(data)}` };
  if (data.version !== MANIFEST_VERSION)
    return { problem: `expected "version": ${MANIFEST_VERSION}, found ${describe(data.version)} (written by another hb?)` };
  const entries: BackupEntry[] = [];
  for (const [i, raw] of data.files.entries()) {
    const problem = entryProblem(raw);
    if (problem) return { problem: `files[${i}]: ${problem}` };
    entries.push(raw as BackupEntry);
  }
  return { entries };
}

const HASH = /^[0-9a-f]{64}$/;
// The names hb gives originals: never a path out of the set.
const BACKUP_NAME = /^[1-9][0-9]*\.crontab$/;

function entryProblem(raw: unknown): string | null {
  if (!isObject(raw)) return `expected an object, found ${describe(raw)}`;
  const t = raw.target;
  if (!isObject(t)) return `"target": expected an object, found ${describe(t)}`;
  if (t.kind === 'file') {
    if (typeof t.path !== 'string' || !t.path.startsWith('/')) return `"target.path": expected an absolute path, found ${describe(t.path)}`;
  } else if (t.kind === 'user-crontab') {
    if (typeof t.label !== 'string') return `"target.label": expected a string, found ${describe(t.label)}`;
    if (t.user !== undefined && typeof t.user !== 'string') return `"target.user": expected a login name, found ${describe(t.user)}`;
  } else {
    return `"target.kind": expected "file" or "user-crontab", found ${describe(t.kind)}`;
  }
  if (typeof raw.backup !== 'string' || !BACKUP_NAME.test(raw.backup)) return `"backup": expected a name such as "1.crontab", found ${describe(raw.backup)}`;
  for (const key of ['sha256Before', 'sha256After']) {
    if (typeof raw[key] !== 'string' || !HASH.test(raw[key])) return `"${key}": expected 64 hex digits, found ${describe(raw[key])}`;
  }
  for (const key of ['mode', 'uid', 'gid']) {
    const v = raw[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0)) return `"${key}": expected a whole number, found ${describe(v)}`;
  }
  return null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
