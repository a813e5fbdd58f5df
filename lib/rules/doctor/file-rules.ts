// Rules about whole crontab files that cron skips: /etc/cron.d names with anything but letters,
// digits, `_` and `-` (silently), group/other-writable files and files not owned by root (with a
// syslog line nobody reads).

import { basename } from 'node:path';
import type { ParsedCrontab } from '../crontab/parse.ts';
import { cronDNameOk } from '../crontab/locations.ts';
import { fileRefusals } from '../crontab/verdict.ts';
import { finding, type CrontabSource, type Finding } from './types.ts';

// What package managers and editors leave behind: cron ignores these on purpose.
const LEFTOVER = /(?:\.dpkg-(?:old|new|dist|bak|tmp|orig)|\.ucf-(?:old|new|dist)|\.rpm(?:save|new|orig)|\.bak|\.orig|\.swp|~)$|^\./;

const isSystemPath = (path: string) => path === '/etc/crontab' || path.startsWith('/etc/cron.d/');

/** Why cron would not read `source` at all, as findings (empty when it reads it). */
export function fileRules(source: CrontabSource, parsed: ParsedCrontab): Finding[] {
  const out: Finding[] = [];
  const jobs = parsed.lines.filter((l) => l.kind === 'job').length;
  const lost = jobs === 0 ? 'it has no job lines yet' : `its ${jobs} job line${jobs === 1 ? '' : 's'} never run${jobs === 1 ? 's' : ''}`;
  const name = basename(source.path);
  if (source.cronD && !cronDNameOk(name) && jobs > 0 && !LEFTOVER.test(name)) {
    const bad = [...new Set(name.replace(/[A-Za-z0-9_-]/g, ''))].map((c) => `"${c}"`).join(', ');
    const better = name.replace(/\.[A-Za-z0-9]+$/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'hb';
    out.push(
      finding(
        'error',
        'crond-name',
        source.path,
        null,
        `cron ignores files in /etc/cron.d whose name has anything but letters, digits, _ and - (this one has ${bad}), without a word: ${lost}`,
        `rename it: mv ${source.path} ${source.path.slice(0, -name.length)}${better}`,
      ),
    );
  }
  const checked = source.cronD || isSystemPath(source.path);
  if (checked && source.mode !== null && (source.mode & 0o022) !== 0) {
    out.push(
      finding(
        'error',
        'crond-mode',
        source.path,
        null,
        `mode ${source.mode.toString(8).padStart(4, '0')} is group- or other-writable: cron refuses the file ("INSECURE MODE"), so ${lost}`,
        `chmod 644 ${source.path}`,
      ),
    );
  }
  if (isSystemPath(source.path) && source.uid !== null && source.uid !== 0) {
    out.push(
      finding(
        'error',
        'crond-owner',
        source.path,
        null,
        `owned by uid ${source.uid}, not root: cron refuses the file ("WRONG FILE OWNER"), so ${lost}`,
        `chown root:root ${source.path}`,
      ),
    );
  }
  return out;
}

/** Whether cron runs the lines of `source` at all (no line it refuses, final newline, name, mode and owner allow it). */
export function cronReads(source: CrontabSource, parsed: ParsedCrontab, users: ReadonlyMap<string, string> | null): boolean {
  if (fileRefusals(parsed, users && ((name) => users.has(name))).length > 0) return false;
  if (source.cronD && !cronDNameOk(basename(source.path))) return false;
  if ((source.cronD || isSystemPath(source.path)) && source.mode !== null && (source.mode & 0o022) !== 0) return false;
  return !(isSystemPath(source.path) && source.uid !== null && source.uid !== 0);
}

/** A file named by hand whose lines do not tell a user crontab from a system one: which was assumed, and why. */
export function kindRules(source: CrontabSource): Finding[] {
  if (!source.kindGuess || source.kindGuess.sure) return [];
  return [
    finding(
      'warning',
      'crontab-kind',
      source.path,
      null,
      `hb cannot tell whether this is a user crontab or a system one (a user field after the schedule): ${source.kindGuess.why}; read as a ${source.kind} crontab, so the findings below may be about the wrong reading`,
      `say which: hb doctor --crontab ${source.path} --system, or --user-crontab`,
    ),
  ];
}
