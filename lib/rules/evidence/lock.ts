// Evidence of kind `lock`: a lock the job takes is held by a live process (the previous run hung)
// or was left by a dead one — hb's own run lock (`hb wrap --lock`, `lock: true`) or a `flock FILE`
// in front of the job's crontab command. Pure: /proc/locks text, lock files and process facts in.

import { formatDuration } from '../duration.ts';
import { baseName, type ProgramUse } from '../crontab/programs.ts';
import type { Evidence } from './types.ts';

/** One lock of /proc/locks held (not waited for): who holds it and on which file. */
export interface ProcLock {
  type: string;
  pid: number;
  /** The file's device as major:minor (hex in /proc/locks) and inode. */
  major: number;
  minor: number;
  inode: number;
}

/** The held locks of a /proc/locks text (`1: FLOCK  ADVISORY  WRITE 4242 fe:00:1234 0 EOF`); waiters (`->`) and odd lines are skipped. */
export function parseProcLocks(text: string): ProcLock[] {
  const out: ProcLock[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!m) continue;
    out.push({ type: m[1]!, pid: Number(m[2]), major: parseInt(m[3]!, 16), minor: parseInt(m[4]!, 16), inode: Number(m[5]) });
  }
  return out;
}

/** A stat() device number as Linux splits it (new_encode_dev): major and minor. */
export function deviceParts(dev: number): { major: number; minor: number } {
  return { major: Math.floor(dev / 256) & 0xfff, minor: (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00) };
}

/** The locks of `locks` on the file with device `dev` and inode `inode`. */
export function locksOn(locks: readonly ProcLock[], dev: number, inode: number): ProcLock[] {
  const { major, minor } = deviceParts(dev);
  return locks.filter((l) => l.inode === inode && l.major === major && l.minor === minor);
}

const FLOCK_VALUED = new Set(['-w', '-E', '--wait', '--timeout', '--conflict-exit-code']);

/**
 * The lock file a `flock` program of a crontab line takes (`flock -n /var/lock/x.lock cmd`), or
 * null: not flock, a file descriptor (`flock 9`), a path only the shell knows, or not absolute.
 */
export function flockFile(use: ProgramUse): string | null {
  if (use.word.dynamic || baseName(use.word.text) !== 'flock') return null;
  for (let i = 0; i < use.args.length; i++) {
    const a = use.args[i]!;
    if (a.text === '--') continue;
    if (a.text.startsWith('-') && a.text !== '-') {
      if (FLOCK_VALUED.has(a.text)) i++;
      continue;
    }
    if (a.dynamic || !a.text.startsWith('/') || /^\d+$/.test(a.text)) return null;
    return a.text;
  }
  return null;
}

/** Who holds a lock, as /proc says: its command line and start (null where it could not be read). */
export interface LockHolderFacts {
  pid: number;
  /** Its /proc/<pid>/cmdline; null: unreadable or gone. */
  argv: readonly string[] | null;
  startMs: number | null;
}

const NODE = /^node(?:js)?[0-9.]*$/;
const HB_SCRIPT = /^hb(?:\.[cm]?[jt]s)?$/;

/**
 * A holder's command line as a person reads it: paths by their last part, `node …/hb.js` as
 * `hb` ("sleep 600", "flock sync.lock sleep 600", "hb wrap --lock --job backup -- backup.sh").
 */
export function commandText(argv: readonly string[]): string {
  let words = argv.map((w) => (w.startsWith('/') ? baseName(w) : w));
  if (words.length > 1 && NODE.test(words[0]!) && HB_SCRIPT.test(words[1]!)) words = ['hb', ...words.slice(2)];
  return words.join(' ');
}

/** hb's own run lock as found: its holder's claim and whether that process is gone (proc.ts isRunGone). */
export interface HbLockFacts {
  path: string;
  pid: number;
  /** When the holder took it (the lock file's started_at, ISO). */
  startedAt: string;
  /** Set when the holder is on another host (a shared state directory): never judged from here. */
  host: string | null;
  gone: { gone: boolean; reason: string };
  holder: LockHolderFacts;
}

const MAX_CMD = 48;

/** The item for hb's own run lock: held by a live run (cause), on another host (clue), or left by a dead one (clue). */
export function hbLockEvidence(f: HbLockFacts, nowMs: number): Evidence {
  const since = Date.parse(f.startedAt);
  const facts = {
    lock: 'hb',
    file: f.path,
    pid: f.pid,
    command: f.holder.argv ? f.holder.argv.join(' ') : null,
    since: Number.isFinite(since) ? new Date(since).toISOString() : null,
    alive: f.host === null ? !f.gone.gone : null,
    host: f.host,
    gone_reason: f.host === null && f.gone.gone ? f.gone.reason : null,
    crontab_line: null,
  };
  const when = Number.isFinite(since) ? ` since ${sinceText(since, nowMs)}` : '';
  if (f.host !== null) return item('clue', `hb's run lock is held by pid ${f.pid} on host ${f.host}${when}`, facts);
  if (!f.gone.gone) {
    return item('cause', `hb's run lock is held by pid ${f.pid}${command(f.holder)}${when}: the previous run is still going — hung?`, facts);
  }
  // hb wrap takes a dead holder's lock over by itself: it blocked nothing, but the run holding it died without letting go.
  const taken = Number.isFinite(since) ? ` (taken ${sinceText(since, nowMs)})` : '';
  return item('clue', `hb's run lock was left by pid ${f.pid}${taken}, now gone: a run died holding it; the next run takes it over`, facts);
}

/** The item for a `flock FILE` of the job's crontab line (`where`: file:line): held by a live process (cause), or free (clear). */
export function flockEvidence(file: string, where: string, holders: readonly LockHolderFacts[], nowMs: number): Evidence {
  const live = holders.find((h) => h.pid > 0 && h.argv !== null) ?? holders[0];
  const facts = {
    lock: 'flock',
    file,
    pid: live ? live.pid : null,
    command: live?.argv ? live.argv.join(' ') : null,
    since: live?.startMs != null ? new Date(live.startMs).toISOString() : null,
    alive: live ? live.argv !== null : null,
    host: null,
    gone_reason: null,
    crontab_line: where,
  };
  if (!live) return item('clear', `the line's flock ${file} is free`, facts);
  const who = live.pid > 0 ? `pid ${live.pid}${command(live)}` : 'an open file description (no pid)';
  const when = live.startMs !== null ? ` since ${sinceText(live.startMs, nowMs)}` : '';
  return item('cause', `the line's flock is held by ${who}${when}: the previous run is still going — hung?`, facts);
}

function command(h: LockHolderFacts): string {
  if (h.argv === null) return '';
  const text = commandText(h.argv);
  return ` (${text.length > MAX_CMD ? `${text.slice(0, MAX_CMD - 1)}…` : text})`;
}

/** "02:00 UTC, 3h ago". */
function sinceText(ms: number, nowMs: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC, ${formatDuration(Math.max(0, nowMs - ms))} ago`;
}

function item(weight: Evidence['weight'], text: string, facts: Evidence['facts']): Evidence {
  return { kind: 'lock', weight, text: text.length > 160 ? `${text.slice(0, 159)}…` : text, facts };
}
