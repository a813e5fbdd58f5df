// Rules about a command as the shell reads it: syntax the shell refuses (it then fails on every
// run, before any program starts), and `$USER`, which Debian's cron does not set.

import { parseCrontab, type JobLine, type ParsedCrontab } from '../crontab/parse.ts';
import { programsOf } from '../crontab/programs.ts';
import { variableRefs } from '../crontab/references.ts';
import { finding, type CrontabSource, type DoctorFacts, type Finding } from './types.ts';

/** The shells whose -n verdict hb asks for: system paths only, never a program a crontab's owner could have put there. */
export const SYNTAX_SHELLS: ReadonlySet<string> = new Set(['/bin/sh', '/usr/bin/sh', '/bin/dash', '/usr/bin/dash', '/bin/bash', '/usr/bin/bash']);

const WORD = '[A-Za-z0-9_@%+=:,./-]+';
const REDIRECT = `[0-9]?(?:>>?|<)(?:&[0-9-]|[ \\t]*${WORD})`;
const SIMPLE = `${WORD}(?:[ \\t]+(?:${REDIRECT}|${WORD}))*`;
// Plain words and redirections to plain words, joined by && || ; | &: the shell reads such a
// command whatever the words, unless a command starts with a reserved word.
const PLAIN = new RegExp(`^[ \\t]*${SIMPLE}(?:[ \\t]*(?:&&|\\|\\||;|\\||&)[ \\t]*${SIMPLE})*[ \\t]*[;&]?[ \\t]*$`);
const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  'function',
  'select',
  'time',
  'coproc',
]);

/** Whether the shell surely reads `command`: plain words only, no command starting with a reserved word. */
export function surelyReadable(command: string): boolean {
  // A command starting with - is taken for an option of the shell (`sh -c --x` fails under cron too).
  if (!PLAIN.test(command) || command.trimStart().startsWith('-')) return false;
  return command.split(/&&|\|\||[;|&]/).every((c) => !RESERVED.has(c.trim().split(/[ \t]+/)[0] ?? ''));
}

/** The shell cron starts `l` with, when hb may ask it to read the command; null otherwise. */
export function syntaxShell(l: JobLine): string | null {
  const shell = l.env.SHELL ?? '/bin/sh';
  // A command cut at an unescaped % is the percent finding's: its syntax error is only a symptom.
  if (l.ignored || l.stdin !== null || l.command.trim() === '' || !SYNTAX_SHELLS.has(shell)) return null;
  return shell;
}

/** Every command of `crontabs` whose syntax the shell should be asked about, with its shell. */
export function syntaxChecks(crontabs: readonly CrontabSource[]): Array<{ shell: string; command: string }> {
  const out: Array<{ shell: string; command: string }> = [];
  for (const c of crontabs) {
    for (const l of parseCrontab(c.text, { kind: c.kind, file: c.path }).lines) {
      const shell = l.kind === 'job' ? syntaxShell(l) : null;
      // Commands of plain words need no shell to say they read: most lines, so doctor stays fast.
      if (shell && l.kind === 'job' && !surelyReadable(l.command)) out.push({ shell, command: l.command });
    }
  }
  return out;
}

/** Findings about the commands of one crontab as the shell reads them. */
export function commandRules(parsed: ParsedCrontab, source: CrontabSource, facts: Pick<DoctorFacts, 'users' | 'host' | 'shellSyntax'>): Finding[] {
  const out: Finding[] = [];
  for (const l of parsed.lines) {
    if (l.kind !== 'job' || l.ignored) continue;
    // A line whose user does not exist never runs (reported by the line rules).
    if (l.user !== null && facts.users && !facts.users.has(l.user)) continue;
    const at = (severity: Finding['severity'], code: Finding['code'], message: string, fix: string) =>
      out.push(finding(severity, code, parsed.file, l.line, message, fix));
    const shell = syntaxShell(l);
    const refused = shell === null ? undefined : facts.shellSyntax?.(shell, l.command);
    if (refused) {
      at(
        'error',
        'shell-syntax',
        `${shell} cannot read this command, so it fails on every run before anything starts: ${refused}`,
        syntaxFix(shell!, l.command, refused),
      );
    }
    // cronie sets USER too; hb knows Debian's cron.
    if (facts.host?.cronDaemon !== 'crond' && readsUser(l)) {
      const login = source.kind === 'system' ? l.user : source.owner;
      at(
        'warning',
        'user-variable',
        "$USER is empty when cron runs this line: Debian's cron sets LOGNAME, HOME, SHELL and PATH, not USER",
        `use $LOGNAME (cron sets it to the user the line runs as), or set USER=${login ?? 'NAME'} above this line`,
      );
    }
  }
  return out;
}

// The command reads $USER without a fallback, and neither the crontab nor the line sets it.
function readsUser(l: JobLine): boolean {
  if (l.env.USER !== undefined) return false;
  if (!variableRefs(l.command).some((r) => r.name === 'USER' && !r.guarded)) return false;
  return !programsOf(l.command).some((u) => u.env.USER !== undefined);
}

function syntaxFix(shell: string, command: string, refused: string): string {
  const check = `check it with ${shell} -n -c '…'`;
  if (/\$\[/.test(command) && !/bash$/.test(shell)) return `$[ … ] is bash's: write $(( … )), or put SHELL=/bin/bash above the line; ${check}`;
  if (/"\}"|`\}'|end of file/.test(refused) && /\{/.test(command))
    return `a { … } group needs ; (or a newline) before its closing }: { cmd --flag; }; ${check}`;
  return `correct the command's quoting or syntax; ${check}`;
}
