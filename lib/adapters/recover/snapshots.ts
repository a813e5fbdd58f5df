// The known-good store of one job, `<state>/recover/<job>/`: content-addressed blobs shared by
// snapshots, and `snapshots/<id>/manifest.json` naming them. Blobs are written before the
// manifest, so a crash never leaves a manifest pointing at a missing blob; everything is owner-only.
// One writer at a time: callers hold the check lock.

import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writeBytesAtomic } from './atomic.ts';
import { RecoverError } from '../../rules/recover/error.ts';
import { jobRecoverDir } from '../../rules/recover/paths.ts';
import { sha256 } from '../../rules/sha256.ts';
import { safeMode } from '../../rules/recover/safe-mode.ts';
import type { Manifest, ManifestFile } from '../../rules/recover/types.ts';
import { listNames, unlinkQuiet } from '../fs/quiet.ts';

export { hashFile, currentOf } from './hash-file.ts';

/** One file to save: the bytes that were hashed, and its permission bits (saved without setuid, setgid or sticky). */
export interface SnapshotInput {
  path: string;
  content: Uint8Array;
  mode: number;
}

/** A snapshot that could not be used, and why. */
export interface SkippedSnapshot {
  id: string;
  reason: string;
}

const SHA = /^[0-9a-f]{64}$/;

/** The manifest `takeSnapshot` would write; pure. */
export function manifestOf(id: string, job: string, nowMs: number, files: SnapshotInput[]): Manifest {
  const entries: ManifestFile[] = files.map((f) => ({ path: f.path, sha256: sha256(f.content), size: f.content.length, mode: safeMode(f.mode) }));
  return { v: 1, id, job, taken_at: new Date(nowMs).toISOString(), files: entries };
}

/** Saves `files` as a new snapshot taken at `nowMs`, then keeps only the newest `keep` valid ones. */
export function takeSnapshot(stateDir: string, job: string, files: SnapshotInput[], nowMs: number, keep: number): { manifest: Manifest; pruned: string[] } {
  const root = jobRecoverDir(stateDir, job);
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) throw new RecoverError(`snapshot of ${job}: a path is listed twice`);
  ensurePrivateDir(join(stateDir, 'recover'));
  ensurePrivateDir(root);
  ensurePrivateDir(join(root, 'blobs'));
  ensurePrivateDir(join(root, 'snapshots'));
  const existing = new Set(listIds(root));
  const base = new Date(nowMs).toISOString().replace(/:/g, '');
  let id = base;
  for (let n = 1; existing.has(id); n++) id = `${base}-${n}`;
  const manifest = manifestOf(id, job, nowMs, files);
  files.forEach((f, i) => writeBlob(root, manifest.files[i]!.sha256, f.content));
  // Last: until the manifest is renamed into place the snapshot does not exist.
  ensurePrivateDir(join(root, 'snapshots', id));
  writeBytesAtomic(manifestPath(root, id), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 0o600);
  return { manifest, pruned: pruneSnapshots(stateDir, job, keep) };
}

/** The newest usable snapshot, and the newer ones passed over (corrupt manifest, missing blob). */
export function latestSnapshot(stateDir: string, job: string): { manifest: Manifest | null; skipped: SkippedSnapshot[] } {
  const root = jobRecoverDir(stateDir, job);
  const skipped: SkippedSnapshot[] = [];
  for (const id of listIds(root).reverse()) {
    const checked = checkSnapshot(root, id);
    if ('manifest' in checked) return { manifest: checked.manifest, skipped };
    skipped.push({ id, reason: checked.reason });
  }
  return { manifest: null, skipped };
}

/** The bytes of blob `sha`, verified against their name; a mismatch or absence throws RecoverError. */
export function readBlob(stateDir: string, job: string, sha: string): Buffer {
  if (!SHA.test(sha)) throw new RecoverError(`not a sha256: "${sha}"`);
  const path = join(jobRecoverDir(stateDir, job), 'blobs', sha);
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? null;
    throw new RecoverError(`snapshot blob ${sha.slice(0, 12)} of ${job} cannot be read (${code ?? (e as Error).message})`, path, code);
  }
  const actual = sha256(content);
  if (actual !== sha) throw new RecoverError(`snapshot blob ${sha.slice(0, 12)} of ${job} is corrupt: its content hashes to ${actual.slice(0, 12)}`, path);
  return content;
}

/** Keeps the newest `keep` valid snapshots and the blobs they name; removes the rest. Returns removed ids. */
export function pruneSnapshots(stateDir: string, job: string, keep: number): string[] {
  const root = jobRecoverDir(stateDir, job);
  const ids = listIds(root);
  // Never fewer than one: the snapshot just taken must survive its own pruning.
  const limit = Math.max(1, Math.floor(keep));
  const kept: Manifest[] = [];
  const removed: string[] = [];
  for (const id of [...ids].reverse()) {
    const checked = kept.length < limit ? checkSnapshot(root, id) : null;
    if (checked && 'manifest' in checked) kept.push(checked.manifest);
    else {
      rmSync(join(root, 'snapshots', id), { recursive: true, force: true });
      removed.push(id);
    }
  }
  const referenced = new Set(kept.flatMap((m) => m.files.map((f) => f.sha256)));
  for (const name of listNames(join(root, 'blobs'))) {
    // Unreferenced blobs and temp files a crash left behind.
    if (!referenced.has(name)) unlinkQuiet(join(root, 'blobs', name));
  }
  return removed.reverse();
}

function writeBlob(root: string, sha: string, content: Uint8Array): void {
  const path = join(root, 'blobs', sha);
  if (existsSync(path)) {
    try {
      if (sha256(readFileSync(path)) === sha) return;
    } catch {
      // Unreadable: write it again.
    }
  }
  writeBytesAtomic(path, content, 0o600);
}

const manifestPath = (root: string, id: string): string => join(root, 'snapshots', id, 'manifest.json');

/** Snapshot ids, oldest first (ISO instants sort as text; a same-instant suffix sorts by number). */
function listIds(root: string): string[] {
  const key = (id: string): [string, number] => {
    const m = /^(.*Z)-(\d+)$/.exec(id);
    return m ? [m[1]!, Number(m[2])] : [id, 0];
  };
  return listNames(join(root, 'snapshots'))
    .filter((n) => !n.startsWith('.'))
    .sort((a, b) => {
      const [ka, na] = key(a);
      const [kb, nb] = key(b);
      return ka < kb ? -1 : ka > kb ? 1 : na - nb;
    });
}

/** A snapshot's manifest when it is whole and every blob it names is present with its size. */
function checkSnapshot(root: string, id: string): { manifest: Manifest } | { reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(manifestPath(root, id), 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? 'no manifest' : code ? `manifest unreadable (${code})` : 'manifest is not valid JSON' };
  }
  const m = data as Manifest;
  const fileOk = (f: ManifestFile): boolean =>
    typeof f === 'object' &&
    f !== null &&
    typeof f.path === 'string' &&
    typeof f.sha256 === 'string' &&
    SHA.test(f.sha256) &&
    Number.isInteger(f.size) &&
    Number.isInteger(f.mode);
  if (typeof m !== 'object' || m === null || m.v !== 1 || m.id !== id || typeof m.taken_at !== 'string' || !Array.isArray(m.files) || !m.files.every(fileOk)) {
    return { reason: 'manifest is not a v1 manifest for this snapshot' };
  }
  for (const f of m.files) {
    let size: number;
    try {
      size = statSync(join(root, 'blobs', f.sha256)).size;
    } catch {
      return { reason: `blob ${f.sha256.slice(0, 12)} of ${f.path} is missing` };
    }
    if (size !== f.size) return { reason: `blob ${f.sha256.slice(0, 12)} of ${f.path} has ${size} bytes, expected ${f.size}` };
  }
  return { manifest: m };
}
