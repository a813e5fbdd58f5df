// Which format a crontab a person names is in — a user crontab (schedule, command) or a system
// one like /etc/crontab (schedule, user, command) — from where it lives and what its lines hold,
// with how sure that is and why. Pure: the host's users and programs are asked of the caller.

import { parseEnvLine } from './env-line.ts';
import type { CrontabKind } from './parse.ts';
import { BUILTINS } from './programs.ts';

/** What the guess knows of the host. */
export interface KindFacts {
  /** A login of this host (from /etc/passwd). */
  isUser(name: string): boolean;
  /** A program on cron's PATH here (`curl`, `php`). */
  isProgram(name: string): boolean;
}

/** The format assumed, whether the file settles it, and why (for messages). */
export interface KindGuess {
  kind: CrontabKind;
  sure: boolean;
  why: string;
}

// What a user field can hold: a login name (Debian's rule, plus a trailing $ for machine accounts).
const LOGIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
// Words that start a command and are never anyone's login.
const NEVER_USERS = new Set([
  ...BUILTINS,
  'if',
  'for',
  'while',
  'until',
  'case',
  '{',
  '(',
  '!',
  'sleep',
  'nice',
  'ionice',
  'nohup',
  'timeout',
  'env',
  'sudo',
  'su',
  'flock',
  'time',
  'sh',
  'bash',
]);

/** How a path names a file's format, or null when its place says nothing. */
function kindByPlace(path: string): KindGuess | null {
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  const dir = parts.at(-2) ?? '';
  if (path === '/etc/crontab') return { kind: 'system', sure: true, why: 'it is /etc/crontab' };
  if (dir === 'cron.d') return { kind: 'system', sure: true, why: 'it is in a cron.d directory, whose files cron reads as system crontabs' };
  if (name.endsWith('.cron.d') || (dir === 'debian' && name === 'cron.d')) {
    return { kind: 'system', sure: true, why: `${name} is a Debian package's cron file, installed into /etc/cron.d` };
  }
  if (dir === 'crontabs' && parts.at(-3) === 'cron') return { kind: 'user', sure: true, why: "it is in cron's spool directory (…/cron/crontabs)" };
  return null;
}

/** The format of the crontab at `path` holding `text`: see the module comment. */
export function guessCrontabKind(path: string, text: string, host: KindFacts): KindGuess {
  const byPlace = kindByPlace(path);
  if (byPlace) return byPlace;
  // Each job line votes by the word where a system crontab has its user field.
  const users: Array<{ line: number; word: string }> = [];
  const commands: Array<{ line: number; word: string }> = [];
  const either: Array<{ line: number; word: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || parseEnvLine(line)) return;
    const words = line.split(/[ \t]+/);
    const at = line.startsWith('@') ? 1 : 5;
    const word = words[at];
    if (word === undefined) return;
    const next = words[at + 1];
    const vote = { line: i + 1, word };
    if (next !== undefined && !/^[;&|)]/.test(next) && (word === 'root' || host.isUser(word))) users.push(vote);
    else if (next === undefined || !LOGIN.test(word) || NEVER_USERS.has(word) || next.startsWith('-') || host.isProgram(word)) commands.push(vote);
    else either.push(vote);
  });
  const jobs = users.length + commands.length + either.length;
  const names = (votes: typeof users) => [...new Set(votes.map((v) => v.word))].slice(0, 3).join(', ');
  const first = (votes: typeof users) => `line ${votes[0]!.line} ("${votes[0]!.word}")`;
  if (jobs === 0) return { kind: 'user', sure: true, why: 'it has no job lines' };
  if (users.length > 0 && commands.length === 0) {
    const most = users.length >= either.length;
    const others =
      either.length === 0
        ? ''
        : `; ${either.length === 1 ? 'one names' : `${either.length} name`} ${names(either)}, not a user here (a user of another host, or a program?)`;
    return { kind: 'system', sure: most, why: `${users.length} of ${jobs} job lines name a known user after the schedule (${names(users)})${others}` };
  }
  if (commands.length > 0 && users.length === 0) {
    return {
      kind: 'user',
      sure: true,
      why: `${first(commands)} starts a command where a system crontab has its user field, and no line names a known user there`,
    };
  }
  if (users.length > 0) {
    const kind = users.length >= commands.length ? 'system' : 'user';
    return { kind, sure: false, why: `the lines disagree: ${first(users)} names a known user after the schedule, ${first(commands)} starts a command there` };
  }
  return {
    kind: 'user',
    sure: false,
    why: `no line decides: line ${either[0]!.line} has "${either[0]!.word}" after the schedule, no user of this host but maybe one of another, or a program`,
  };
}
