// What hb doctor reasons about (facts gathered by the caller) and what it reports (findings).

import type { JobConfig } from '../config/types.ts';
import type { CrontabKind } from '../crontab/parse.ts';
import type { ConfigProblem } from '../errors.ts';
import type { HbExec } from '../hb-exec.ts';
import { redactUrls } from '../sinks/url-credentials.ts';

/** Every kind of finding; docs/cron-pitfalls.md has one section per code. */
export type FindingCode =
  | 'config'
  | 'state-dir'
  | 'invalid-line'
  | 'missing-newline'
  | 'crlf'
  | 'percent'
  | 'never-fires'
  | 'truncated-field'
  | 'step-too-large'
  | 'empty-command'
  | 'env-expansion'
  | 'cron-tz'
  | 'unknown-user'
  | 'command-not-found'
  | 'command-not-executable'
  | 'hb-not-on-path'
  | 'node-not-on-path'
  | 'shell-syntax'
  | 'user-variable'
  | 'crond-name'
  | 'crond-mode'
  | 'crond-owner'
  | 'crontab-kind'
  | 'unknown-job'
  | 'job-without-line'
  | 'duplicate-check'
  | 'no-check'
  | 'dead-man-duplicate'
  | 'no-cron-daemon'
  | 'no-mta'
  | 'unscheduled'
  | 'kill-0-probe'
  | 'recover-unsafe-path'
  | 'alert-after'
  | 'unknown-need';

/** One problem, located, with what to do about it. */
export interface Finding {
  severity: 'error' | 'warning';
  code: FindingCode;
  /** The file at fault, or null for the host as a whole. */
  file: string | null;
  /** 1-based line in `file`, or null for the whole file. */
  line: number | null;
  message: string;
  fix: string;
}

/** What a path is, as far as running it goes. */
export type Probe = 'executable' | 'file' | 'directory' | 'missing';

/** A crontab to check. */
export interface CrontabSource {
  path: string;
  kind: CrontabKind;
  /** Lives in a directory named cron.d: cron's rules for /etc/cron.d names and modes apply. */
  cronD: boolean;
  text: string;
  /** Permission bits, when known. */
  mode: number | null;
  /** Owner uid, when known. */
  uid: number | null;
  /** The login a user crontab belongs to (its HOME is where cron starts its commands). */
  owner: string | null;
  /** For a file named by hand whose format was guessed: whether its place or lines settle it, and why. */
  kindGuess?: { sure: boolean; why: string };
}

/** Facts about the host: gathered for the system's crontabs, absent under --crontab. */
export interface HostFacts {
  /** The running cron daemon's process name (`cron`, `crond`), or null when none runs. */
  cronDaemon: string | null;
  /** An `hb daemon` is running (it schedules jobs without cron). */
  hbDaemon: boolean;
  /** /usr/sbin/sendmail exists: cron can mail output. */
  mta: boolean;
  /** How long ago the meta-heartbeat last ran (hb-check.last), or null if never. */
  checkAgeMs: number | null;
  /** Jobs whose heartbeat holds no schedule, with the heartbeat file. */
  unscheduled: Array<{ job: string; file: string }>;
  /** Crontabs that exist but could not be read (another user's, as non-root), for messages. */
  unreadable: string[];
  /** Every job with a heartbeat in the state directory (absent: not looked at). */
  heartbeats?: ReadonlySet<string>;
}

/** Everything the rules need. */
export interface DoctorFacts {
  crontabs: CrontabSource[];
  /** The config; `stateDir` is its state_dir, absolute (absent or null: none). */
  config: { file: string | null; problems: ConfigProblem[]; jobs: ReadonlyMap<string, JobConfig>; stateDir?: string | null };
  /**
   * The state directory and why it cannot be written (null: it can), when checked; `untrusted`
   * when hb runs as root and other users can change it (why, and the fix).
   */
  stateDir: { dir: string; problem: string | null; untrusted?: { why: string; fix: string } | null } | null;
  /** What is at an absolute path. */
  probe(path: string): Probe;
  /** Login → home directory, from /etc/passwd; null when unknown. */
  users: ReadonlyMap<string, string> | null;
  /** The directories of the PATH hb doctor runs with: where a person's shell finds a program. */
  userPath: readonly string[];
  /** The hb this is, as `hb crontab` writes it into a line: node, script, --config, --state-dir. */
  self: HbExec;
  /** The host's zone, in which cron runs every line (what `hb crontab` needs to write one). */
  hostTz: string;
  host: HostFacts | null;
  /**
   * What the shell says of a command it is only asked to read (`SHELL -n -c COMMAND`, the way cron
   * hands it over): its error, null when it reads cleanly, undefined when not asked (absent: never).
   */
  shellSyntax?(shell: string, command: string): string | null | undefined;
  /** Why recovery would refuse to touch a guarded file (a link, a path others control), or null; absent: not checked. */
  guardedRefusal?(path: string): string | null;
}

/**
 * A finding's constructor, so every rule writes the same shape. Findings quote crontab lines and
 * sink URLs: a password in a URL is shown as `***` (`https://user:***@host/`).
 */
export function finding(severity: Finding['severity'], code: FindingCode, file: string | null, line: number | null, message: string, fix: string): Finding {
  return { severity, code, file, line, message: redactUrls(message), fix: redactUrls(fix) };
}
