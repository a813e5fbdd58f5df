// Rules about how a crontab is written: line ends, `%`, fields cron refuses, truncates or never
// fires, settings cron does not expand, zones it does not honour, users that do not exist.

import type { JobLine, ParsedCrontab } from '../crontab/parse.ts';
import { firstUnescapedPercent } from '../crontab/percent.ts';
import { lostJobs, missingNewline } from '../crontab/verdict.ts';
import { finding, type DoctorFacts, type Finding } from './types.ts';

const quote = (s: string) => `"${s}"`;
// What cron logs when it drops a file for one bad line.
const IGNORED = 'Syntax error, this crontab file will be ignored';

/** Findings about the text of one parsed crontab. */
export function lineRules(parsed: ParsedCrontab, facts: Pick<DoctorFacts, 'users' | 'host' | 'hostTz'>): Finding[] {
  const file = parsed.file;
  const out: Finding[] = [];
  if (missingNewline(parsed)) {
    out.push(
      finding(
        'error',
        'missing-newline',
        file,
        parsed.lines.length,
        `the last line has no newline: Debian cron ignores the whole file ("Missing newline before EOF"), ${lostJobs(parsed, null, false)}`,
        `end the file with a newline: echo >> ${file}`,
      ),
    );
  }
  const crlf = parsed.lines.filter((l) => l.crlf);
  if (crlf.length > 0) {
    out.push(
      finding(
        'error',
        'crlf',
        file,
        crlf[0]!.line,
        `${crlf.length} line${crlf.length === 1 ? ' ends' : 's end'} in CRLF (Windows line ends): cron keeps the \\r in each command and value, so the last word of a command is not found`,
        `convert to Unix line ends: sed -i 's/\\r$//' ${file}`,
      ),
    );
  }
  for (const l of parsed.lines) {
    if (l.kind === 'invalid') {
      out.push(
        finding(
          'error',
          'invalid-line',
          file,
          l.line,
          `cron refuses this line and ignores the whole file ("${IGNORED}"): ${l.reason}; ${lostJobs(parsed, l.line)}`,
          invalidFix(l.reason, parsed.kind),
        ),
      );
    } else if (l.kind === 'env') {
      if (l.value.includes('$')) {
        const path = l.name === 'PATH';
        out.push(
          finding(
            path ? 'error' : 'warning',
            'env-expansion',
            file,
            l.line,
            `cron does not expand variables in settings: ${l.name} is literally ${quote(l.value)}${path ? ', so the directories the $ stood for are not searched' : ''}`,
            path ? 'write every directory out, e.g. PATH=/usr/local/bin:/usr/bin:/bin' : `write the value out in full: ${l.name}=…`,
          ),
        );
      }
      if (l.name === 'CRON_TZ' && facts.host?.cronDaemon !== 'crond') {
        out.push(
          finding(
            'warning',
            'cron-tz',
            file,
            l.line,
            `Debian's cron ignores CRON_TZ (cronie honours it): the jobs below fire in the cron daemon's zone (${facts.hostTz}), not in ${l.value}, and hb expects them there too`,
            'write the schedules in the host zone and remove CRON_TZ, which only misleads whoever reads the file',
          ),
        );
      }
      if (l.name === 'TZ') {
        out.push(
          finding(
            'warning',
            'cron-tz',
            file,
            l.line,
            `TZ=${l.value} changes the jobs' environment, not when cron fires them (that is the daemon's zone); an hb line below without --tz records ${l.value} as its zone`,
            'remove TZ= from the crontab and write schedules in the host zone, or pass --tz explicitly on hb lines',
          ),
        );
      }
    } else if (l.kind === 'job' && !l.ignored) {
      out.push(...jobRules(l, parsed, facts.users));
    } else if (l.kind === 'job') {
      // `# hb: ignore` quiets what a line does, not a user that makes cron drop the whole file.
      out.push(...unknownUser(l, parsed, facts.users));
    }
  }
  return out;
}

function jobRules(l: JobLine, parsed: ParsedCrontab, users: ReadonlyMap<string, string> | null): Finding[] {
  const file = parsed.file;
  const system = parsed.kind === 'system';
  const out: Finding[] = [];
  const at = (severity: Finding['severity'], code: Finding['code'], message: string, fix: string) =>
    out.push(finding(severity, code, file, l.line, message, fix));
  if (l.stdin !== null) {
    const paired = l.written[firstUnescapedPercent(l.written) - 1] === '\\' ? ' (cron reads \\\\ as one backslash, so the % after it is not escaped)' : '';
    at(
      'error',
      'percent',
      `unescaped % ends the command${paired}: cron runs ${quote(l.command.trim())} and sends ${quote(l.stdin.split('\n')[0]!.slice(0, 40))}… to its stdin`,
      `write \\% for a literal percent sign: ${escapePercent(l.written)}  (or put "# hb: ignore" above the line if stdin is intended)`,
    );
  }
  for (const t of l.truncated) {
    const nth = t.written.includes('#');
    at(
      'error',
      'truncated-field',
      `${quote(t.written)} in the ${t.field} field: cron reads only ${quote(t.kept)} and silently drops ${quote(t.written.slice(t.kept.length))}${nth ? ' (Debian cron has no "nth weekday")' : ''}, so it runs on ${l.cronSchedule}`,
      nth
        ? 'pick the days by date and test the weekday in the command, e.g. for the 3rd Friday: 0 2 15-21 * * [ "$(date +\\%u)" = 5 ] && CMD'
        : `write the field in Debian's syntax (check it with: hb next '${l.cronSchedule}')`,
    );
  }
  if (l.oddity?.kind === 'never-fires') {
    at(
      'error',
      'never-fires',
      `cron accepts this schedule but never runs it: ${l.oddity.message}`,
      'write ranges low-high (a range across the end of a field is two: 22-23,0-2) and days that exist in the month',
    );
  } else if (l.oddity?.kind === 'step-too-large') {
    at(
      'warning',
      'step-too-large',
      `${l.oddity.message}: cron fires it once per cycle only, at the start of the range`,
      'a step cannot span a longer period: use a larger field (0 */2 * * * for every 2 hours) or several lines',
    );
  }
  const userMissing = system && users !== null && l.user !== null && !users.has(l.user);
  if (l.command.trim() === '' && !userMissing) {
    at(
      'warning',
      'empty-command',
      'the line has no command: cron runs nothing',
      `add the command after the schedule${system ? ' and the user' : ''}, or delete the line`,
    );
  }
  out.push(...unknownUser(l, parsed, users));
  return out;
}

// A system line's user that does not exist: cron refuses it, and with it the whole file.
function unknownUser(l: JobLine, parsed: ParsedCrontab, users: ReadonlyMap<string, string> | null): Finding[] {
  if (parsed.kind !== 'system' || users === null || l.user === null || users.has(l.user)) return [];
  const looksLikeCommand = l.user.includes('/') || l.user.includes('=') || l.written.startsWith('-');
  return [
    finding(
      'error',
      'unknown-user',
      parsed.file,
      l.line,
      `user ${quote(l.user)} does not exist: cron refuses the line ("bad username") and ignores the whole file ("${IGNORED}"), ${lostJobs(parsed, l.line)}`,
      looksLikeCommand
        ? `a line in /etc/crontab or /etc/cron.d names the user to run as between the schedule and the command, e.g. "* * * * * root ${l.user} …"; or create the user`
        : `create the user or name an existing one (${[...users.keys()].slice(0, 3).join(', ')}, …)`,
    ),
  ];
}

function invalidFix(reason: string, kind: ParsedCrontab['kind']): string {
  if (reason.includes('NAME=""')) return 'write an empty value in quotes: MAILTO=""';
  if (reason.includes('NAME=VALUE')) return 'quote the whole value (NAME="a b") and put comments on their own line';
  if (reason.includes('needs a user field')) return 'add the user field: "* * * * * root COMMAND"';
  if (reason.includes('sixth one'))
    return 'remove the extra field: cron starts a job at most once a minute (for a shorter period, loop inside the command or use hb daemon)';
  if (reason.startsWith('bad time specifier')) return 'use one of the macros cron knows (lower case), or five time fields';
  if (/5 time fields/.test(reason)) return `a job line is: minute hour day-of-month month day-of-week${kind === 'system' ? ' user' : ''} command`;
  return "write the schedule in Debian cron's syntax and check when it fires: hb next 'EXPR'";
}

/** The command as written with every `%` that starts stdin escaped (cron pairs `\\` and `\%` first). */
export function escapePercent(written: string): string {
  return written.replace(/\\[\\%]|%/g, (m) => (m === '%' ? '\\%' : m));
}
