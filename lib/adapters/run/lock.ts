// A per-job lock file (`hb wrap --lock`, `lock: true`) that is safe between processes: created
// complete and atomically with link(), and taken over from a dead holder through a claim
// named after that exact lock file, so two processes racing for a stale lock never both win.

import { makeDirs } from '../fs/make-dirs.ts';
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HbError } from '../../rules/errors.ts';
import { gatherFacts, isRunGone } from './proc.ts';
import type { GoneVerdict, ProcessFacts } from './proc.ts';
import { unlinkQuiet } from '../fs/quiet.ts';
import { STATE_DIR_MODE, STATE_FILE_MODE } from '../../rules/fs/modes.ts';

/** Who holds a lock: enough to tell later whether that process is gone (SPEC §4). */
export interface LockInfo {
  pid: number;
  started_at: string;
  pid_started_ms: number | null;
  boot_id: string | null;
  /** A holder on another host (shared state dir) is never judged from this host's /proc. */
  host?: string;
  job?: string;
}

/** The content of a lock file: the holder plus a token that makes this acquisition unique. */
export interface LockHolder extends LockInfo {
  token: string;
}

/** The outcome of acquireLock. */
export type LockResult =
  | { acquired: true; path: string; holder: LockHolder; replaced: StaleLock | null; release: () => boolean }
  | { acquired: false; path: string; holder: LockHolder | null; reason: string };

/** A lock taken over because its holder was gone (holder null: the file was unreadable). */
export interface StaleLock {
  holder: LockHolder | null;
  reason: string;
}

/** Injection points for tests. */
export interface LockOptions {
  /** Facts about a pid (default: read from /proc). */
  factsOf?: (pid: number) => ProcessFacts;
}

/** A lock file that could not be created or read for a reason other than being held. */
export class LockError extends HbError {
  readonly code: string;
  readonly path: string;
  constructor(path: string, code: string, message: string) {
    super(`cannot use lock ${path}: ${message}`, 1);
    this.name = 'LockError';
    this.code = code;
    this.path = path;
  }
}

const MAX_ROUNDS = 8;
const MAX_CLAIM_DEPTH = 3;

/** A lock file as seen at one instant: `key` names that exact file (inode and token). */
interface Seen {
  key: string;
  holder: LockHolder | null;
}

/**
 * Takes the lock at `path` for `info`, or reports who holds it. A lock whose holder is gone
 * (isRunGone) or whose file is unreadable is taken over. Never waits for a live holder.
 */
export function acquireLock(path: string, info: LockInfo, options: LockOptions = {}): LockResult {
  const factsOf = options.factsOf ?? gatherFacts;
  const holder: LockHolder = { ...info, token: newToken(info.pid) };
  // Written in full under a private name first, so the lock never exists half-written.
  const tmp = `${path}.${holder.token}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: STATE_FILE_MODE });
  } catch (err) {
    // A full disk creates the name but not its content: leave no empty temp file behind.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') unlinkQuiet(tmp);
    throw lockError(path, err);
  }
  try {
    const reason = `still contended after ${MAX_ROUNDS} attempts`;
    let stale: StaleLock | null = null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (tryLink(tmp, path)) return held(path, holder, stale);
      const seen = inspect(path);
      if (seen === null) continue; // released in between: try again
      const verdict = judge(seen.holder, info, factsOf);
      if (!verdict.gone) return { acquired: false, path, holder: seen.holder, reason: verdict.reason };
      stale = { holder: seen.holder, reason: verdict.reason };
      const blocked = removeStale(path, seen, tmp, info, factsOf, 0);
      // A live process is taking the stale lock over right now: it (or a racer) wins.
      if (blocked !== null) return { acquired: false, path, ...blocked };
    }
    return { acquired: false, path, holder: stale?.holder ?? null, reason };
  } finally {
    unlinkQuiet(tmp);
  }
}

/** Where a `--lock` run stands: it holds the lock, a live run does (skip), or none can be made here. */
export type RunLock =
  { kind: 'held'; release: () => boolean } | { kind: 'busy'; holder: LockHolder | null; reason: string } | { kind: 'unavailable'; reason: string };

/**
 * Takes `<dir>/locks/<job>.lock` for one run of a job. Only a live holder keeps the run from
 * starting: when no lock can be made at all (an unwritable folder, a full disk, a file system
 * without hard links), the run goes ahead without one and `reason` says why — a wrapped job
 * still runs (docs/guarantees.md).
 */
export function lockForRun(dir: string, job: string, info: LockInfo, options: LockOptions = {}): RunLock {
  const folder = join(dir, 'locks');
  const path = join(folder, `${job}.lock`);
  try {
    makeDirs(folder, STATE_DIR_MODE);
    const got = acquireLock(path, info, options);
    return got.acquired ? { kind: 'held', release: got.release } : { kind: 'busy', holder: got.holder, reason: got.reason };
  } catch (e) {
    return { kind: 'unavailable', reason: (e instanceof LockError ? e : lockError(path, e)).message };
  }
}

/**
 * Who the lock file at `path` says holds it, without taking it: null when there is no lock
 * file, `holder: null` when it is unreadable or not a lock (a link, garbage). Throws LockError
 * when it cannot be looked at.
 */
export function lockHolderAt(path: string): { holder: LockHolder | null } | null {
  const seen = inspect(path);
  return seen === null ? null : { holder: seen.holder };
}

/**
 * Removes the stale lock file `file` if it is still exactly `seen`. Only the process that
 * created the claim `<file>.stale-<key>` may remove it, and it checks the file is still the
 * one judged stale, so a lock created meanwhile is never removed. Returns who blocks the
 * takeover (a live competing claimant), or null when the caller should simply try again.
 */
function removeStale(
  file: string,
  seen: Seen,
  tmp: string,
  info: LockInfo,
  factsOf: (pid: number) => ProcessFacts,
  depth: number,
): { holder: LockHolder | null; reason: string } | null {
  const claim = `${file}.stale-${seen.key}`;
  if (!tryLink(tmp, claim)) {
    const other = inspect(claim);
    if (other === null) return null;
    if (!judge(other.holder, info, factsOf).gone || depth >= MAX_CLAIM_DEPTH) {
      const who = other.holder ? `process ${other.holder.pid}` : 'another process';
      return { holder: other.holder, reason: `${who} is taking over the stale lock` };
    }
    // The claimant died mid-takeover: clear its claim the same way, then the caller retries.
    return removeStale(claim, other, tmp, info, factsOf, depth + 1);
  }
  try {
    if (inspect(file)?.key === seen.key) unlinkQuiet(file);
  } finally {
    unlinkQuiet(claim);
  }
  return null;
}

function judge(holder: LockHolder | null, info: LockInfo, factsOf: (pid: number) => ProcessFacts): GoneVerdict {
  if (holder === null) return { gone: true, reason: 'the lock file is unreadable' };
  if (holder.host && info.host && holder.host !== info.host) {
    return { gone: false, reason: `held by process ${holder.pid} on host ${holder.host}` };
  }
  const verdict = isRunGone(holder, factsOf(holder.pid));
  if (verdict.gone) return verdict;
  return { gone: false, reason: `process ${holder.pid} holds the lock (since ${holder.started_at})` };
}

function held(path: string, holder: LockHolder, replaced: StaleLock | null): LockResult {
  return {
    acquired: true,
    path,
    holder,
    replaced,
    // Removes the lock only while it is still ours: after a takeover it belongs to someone else.
    release: () => {
      if (inspect(path)?.holder?.token !== holder.token) return false;
      unlinkQuiet(path);
      return true;
    },
  };
}

/** link() fails with EEXIST when the name is taken: the atomic "create if absent". */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(to, err);
  }
}

/**
 * Reads a lock file and its identity from one open descriptor; null when it does not exist. A
 * symbolic link or anything but a regular file under the name is never read through: it is an
 * unreadable lock, so the takeover removes the link itself and never touches what it points to.
 */
function inspect(path: string): Seen | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') return notAFile(path);
    throw lockError(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return notAFile(path);
    const holder = parseHolder(readFileSync(fd, 'utf8'));
    const tag = holder?.token ?? `m${Math.trunc(st.mtimeMs)}s${st.size}`;
    return { key: `${st.ino}-${tag}`, holder };
  } finally {
    closeSync(fd);
  }
}

/** A name that is not a lock file (a symlink, a FIFO): identified by its own inode, holding nothing. */
function notAFile(path: string): Seen | null {
  try {
    const st = lstatSync(path);
    return { key: `${st.ino}-x${Math.trunc(st.mtimeMs)}`, holder: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw lockError(path, err);
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    const ok =
      typeof v === 'object' &&
      v !== null &&
      typeof v.pid === 'number' &&
      typeof v.token === 'string' &&
      /^[a-z0-9]+$/.test(v.token) &&
      typeof v.started_at === 'string';
    if (!ok) return null;
    return { ...v, pid_started_ms: v.pid_started_ms ?? null, boot_id: v.boot_id ?? null } as LockHolder;
  } catch {
    return null;
  }
}

function newToken(pid: number): string {
  // Unique, not secret: the pid separates processes, the random part separates attempts.
  const rand = Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 10);
  const who = Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
  return `${who.toString(36)}x${rand}`;
}

function lockError(path: string, err: unknown): LockError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'EUNKNOWN';
  const why: Record<string, string> = {
    ENOENT: 'its directory does not exist',
    EACCES: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EPERM: 'the file system does not allow hard links',
  };
  return new LockError(path, code, why[code] ?? e?.message ?? String(err));
}
