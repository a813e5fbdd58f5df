// Who a live process is, from /proc (its command line and user), and the pure rule that decides
// whether it is the hb daemon a PID file and its status file describe. `stop` signals and
// `status` says "running" only when this rule passes: a PID file alone names any process at all.

import { basename } from 'node:path';
import { readTextQuiet } from '../fs/quiet.ts';

/** What /proc says about who runs as `pid`; null where it could not be read. */
export interface ProcessIdentity {
  /** The process's argv (/proc/<pid>/cmdline). */
  argv: string[] | null;
  /** Its real user id (/proc/<pid>/status). */
  uid: number | null;
}

/** Reads the command line and user of `pid`. */
export function readIdentity(pid: number, procRoot = '/proc'): ProcessIdentity {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { argv: null, uid: null };
  const cmdline = readTextQuiet(`${procRoot}/${pid}/cmdline`);
  const status = readTextQuiet(`${procRoot}/${pid}/status`);
  const uid = status === null ? null : /^Uid:\s+(\d+)/m.exec(status)?.[1];
  return {
    argv: cmdline === null || cmdline === '' ? null : cmdline.replace(/\0$/, '').split('\0'),
    uid: uid === undefined || uid === null ? null : Number(uid),
  };
}

const NODE = /^node(js)?[\d.]*$/;
const ENTRY = /^hb(\.[cm]?[jt]s)?$/;

/**
 * Whether an argv is `node … <hb entry> … daemon … start …`: node (any flags), then hb's entry
 * script (hb, hb.js, hb.ts), then the words `daemon` and `start`. Only the owner of a process
 * (or root) can give it a command line, so another user cannot make root's processes look so.
 */
export function isDaemonArgv(argv: readonly string[]): boolean {
  if (argv.length < 4 || !NODE.test(basename(argv[0]!))) return false;
  const entry = argv.findIndex((a, i) => i > 0 && ENTRY.test(basename(a)));
  if (entry < 0) return false;
  const daemon = argv.indexOf('daemon', entry + 1);
  return daemon > 0 && argv.indexOf('start', daemon + 1) > 0;
}

/** The command line as one short line for a message. */
export function argvText(argv: readonly string[] | null): string {
  if (argv === null) return 'unreadable';
  const text = argv.join(' ').replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The facts the identity rule weighs. */
export interface IdentityFacts {
  pid: number;
  live: ProcessIdentity;
  /** The command line the daemon recorded in its status file, if it recorded one. */
  recordedArgv: readonly string[] | null;
  /** Who owns the PID file: the daemon that wrote it, or whoever could replace it. */
  pidFileUid: number | null;
}

/**
 * Why the live process is not the recorded hb daemon, or null when it is: its command line must
 * be hb's daemon (and equal the recorded one, when recorded), and it must run as the owner of
 * the PID file, so a PID file another user wrote never names root's daemon or anyone else's
 * process. Unknown facts refuse: this rule decides whether to send a signal.
 */
export function identityProblem(f: IdentityFacts): string | null {
  const { argv, uid } = f.live;
  if (argv === null) return 'its command line cannot be read';
  if (!isDaemonArgv(argv)) return `its command line is not hb daemon start (${argvText(argv)})`;
  if (f.recordedArgv !== null && (f.recordedArgv.length !== argv.length || f.recordedArgv.some((a, i) => a !== argv[i]))) {
    return `its command line (${argvText(argv)}) is not the one recorded (${argvText(f.recordedArgv)})`;
  }
  if (uid === null) return 'its user cannot be read';
  if (f.pidFileUid === null) return 'the owner of the PID file cannot be read';
  if (uid !== f.pidFileUid) return `it runs as uid ${uid}, and the PID file belongs to uid ${f.pidFileUid}`;
  return null;
}
