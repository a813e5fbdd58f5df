// Rules about what a crontab line runs: every program and script it names must exist and be
// executable where cron looks — cron's PATH is /usr/bin:/bin unless the file sets PATH=, and a
// file in /etc/cron.d never inherits /etc/crontab's; a PATH the line sets in front of a program
// is the one the shell searches for it, and a program named through a variable (`$PY`) is what
// the variable holds, when the crontab or the line says.

import type { JobLine, ParsedCrontab } from '../crontab/parse.ts';
import { lineLookup, wordFields, type Lookup } from '../crontab/expand.ts';
import { baseName, BUILTINS, scriptOf, type ProgramUse } from '../crontab/programs.ts';
import type { Word } from '../crontab/shell.ts';
import { absolute } from '../crontab/word-path.ts';
import { finding, type CrontabSource, type DoctorFacts, type Finding, type Probe } from './types.ts';

/** cron's PATH for jobs whose crontab sets none. */
export const CRON_PATH = '/usr/bin:/bin';

const HB = /^hb(?:\.[cm]?js)?$/;
const NODE = /^node(?:js)?[0-9]*$/;

type Facts = Pick<DoctorFacts, 'probe' | 'users' | 'userPath' | 'self'>;

interface Resolved {
  path: string | null;
  probe: Probe;
}

/** Where `name` is found on `dirs` (absolute directories only), as sh would find it. */
export function searchPath(name: string, dirs: readonly string[], probe: (p: string) => Probe): Resolved {
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue;
    const path = `${dir.replace(/\/$/, '')}/${name}`;
    const p = probe(path);
    if (p === 'executable' || p === 'file') return { path, probe: p };
  }
  return { path: null, probe: 'missing' };
}

/** Findings about the programs of every job line of one crontab. */
export function programRules(parsed: ParsedCrontab, source: CrontabSource, facts: Facts): Finding[] {
  const out: Finding[] = [];
  for (const l of parsed.lines) {
    if (l.kind === 'env' && l.name === 'SHELL' && l.value.startsWith('/') && facts.probe(l.value) !== 'executable') {
      out.push(
        finding(
          'error',
          'command-not-found',
          parsed.file,
          l.line,
          `SHELL ${l.value} ${facts.probe(l.value) === 'missing' ? 'does not exist' : 'is not executable'}: every job below fails to start`,
          "set SHELL=/bin/sh (cron's default) or a shell that exists",
        ),
      );
    }
    if (l.kind !== 'job' || l.ignored) continue;
    // cron skips a line whose user does not exist (reported by the line rules): nothing runs.
    if (l.user !== null && facts.users && !facts.users.has(l.user)) continue;
    const login = loginOf(l, source);
    const home = l.env.HOME ?? ((login && facts.users?.get(login)) || null);
    const dirs = (l.env.PATH ?? CRON_PATH).split(':');
    // What cron sets (LOGNAME cannot be changed by the crontab), then the crontab's settings.
    const base = { SHELL: '/bin/sh', PATH: CRON_PATH, ...l.env, HOME: home, LOGNAME: login };
    const w = { file: parsed.file, home, dirs, base, facts };
    for (const use of l.programs) out.push(...checkUse(use, l, w));
    // hb wrap starts its command itself, without a shell, on the same PATH.
    for (const h of l.hb) if (h.wrapped?.[0]) out.push(...checkUse(wrappedUse(h.wrapped, l.programs[h.use]!), l, w));
  }
  return out;
}

function wrappedUse(wrapped: string[], by: ProgramUse): ProgramUse {
  const [word, ...args] = wrapped.map((text) => ({ text, dynamic: false }));
  return { ...by, word: word!, args, script: scriptOf(baseName(word!.text), args), guarded: false, wraps: false };
}

// The user cron runs the line as.
function loginOf(l: JobLine, source: CrontabSource): string | null {
  return source.kind === 'system' ? l.user : source.owner;
}

interface Where {
  file: string;
  home: string | null;
  dirs: string[];
  /** The variables cron and the crontab give every command of the line (null: unknown). */
  base: Record<string, string | null>;
  facts: Facts;
}

const known = (text: string): Word => ({ text, dynamic: false });

/** `use` as the shell starts it: its program word expanded when the variables say what it is. */
function resolved(use: ProgramUse, lookup: Lookup): { word: Word; args: Word[]; via: string } {
  if (!use.word.dynamic || use.word.raw === undefined) return { word: use.word, args: use.args, via: '' };
  const fields = wordFields(use.word.raw, lookup);
  if (!fields?.[0]) return { word: use.word, args: use.args, via: '' };
  return { word: known(fields[0]), args: [...fields.slice(1).map(known), ...use.args], via: ` (what ${use.word.text} names)` };
}

/** The absolute path `word` names for `use`, expanding the variables the line knows; null when only the shell can tell. */
function pathOf(word: Word, use: ProgramUse, lookup: Lookup, home: string | null): string | null {
  const fields = word.dynamic && word.raw !== undefined ? wordFields(word.raw, lookup) : null;
  return absolute(fields?.length === 1 ? known(fields[0]!) : word, use.cwd, home);
}

function checkUse(use: ProgramUse, l: JobLine, w: Where): Finding[] {
  const out: Finding[] = [];
  const at = (code: Finding['code'], message: string, fix: string) => out.push(finding('error', code, w.file, l.line, message, fix));
  const lookup = lineLookup(w.base, use.env);
  const { word, args, via } = resolved(use, lookup);
  const script = via ? scriptOf(baseName(word.text), args) : use.script;
  const name = word.text;
  const hbLine = l.hb.find((h) => h.use === l.programs.indexOf(use));
  const asWritten = `${w.facts.self.node} ${w.facts.self.hb}`;
  // A PATH set on the line (in front of the program, or earlier) is the one searched; unknown: not judged.
  const linePath = use.env.PATH ? lookup('PATH') : null;
  const dirs = use.env.PATH ? (linePath?.split(':') ?? null) : w.dirs;
  const pathName = `${linePath === null ? "cron's PATH" : 'the PATH the line sets'} (${dirs?.join(':')})`;
  if (!use.guarded && !BUILTINS.has(name)) {
    if (!name.includes('/') && !word.dynamic) {
      const found = dirs === null ? { path: null, probe: 'executable' as const } : searchPath(name, dirs, w.facts.probe);
      if (found.probe === 'missing') {
        const shell = searchPath(name, w.facts.userPath, w.facts.probe).path;
        const named = `"${name}"${via}`;
        if (HB.test(name)) {
          at(
            'hb-not-on-path',
            `${named} is not on ${pathName}: the line fails with "${name}: not found"`,
            `name node and hb by absolute path, as hb crontab writes them: ${asWritten} ${hbLine?.subcommand ?? 'tick'} …`,
          );
        } else if (NODE.test(name)) {
          at(
            'node-not-on-path',
            `${named} is not on ${pathName}${shell ? ` (your shell finds ${shell})` : ''}: the line fails with "${name}: not found"`,
            `use the absolute path: ${shell ?? w.facts.self.node}`,
          );
        } else {
          at(
            'command-not-found',
            `${named} is not found on ${pathName}${shell ? `; your shell finds ${shell}, cron does not` : ''}`,
            shell ? `use the absolute path ${shell}, or set PATH= at the top of this file` : 'install it, or fix the name',
          );
        }
      } else if (found.probe === 'file') {
        at('command-not-executable', `${found.path} (found for "${name}"${via}) is not executable`, `chmod +x ${found.path}`);
      }
    } else {
      const path = pathOf(word, use, lookup, w.home);
      const p = path === null ? null : w.facts.probe(path);
      if (p === 'missing')
        at(
          'command-not-found',
          `${path}${via} does not exist: cron runs this line and it fails with "not found" every time`,
          `fix the path, or install the program at ${path}`,
        );
      else if (p === 'file' || p === 'directory')
        at(
          'command-not-executable',
          `${path}${via} is ${p === 'directory' ? 'a directory' : 'not executable'}: the line fails with "Permission denied"`,
          p === 'directory' ? 'name the program inside it' : `chmod +x ${path}, or run it with its interpreter (sh ${path})`,
        );
    }
  }
  if (script) {
    const path = pathOf(script, use, lookup, w.home);
    if (path !== null && w.facts.probe(path) === 'missing') {
      at(
        'command-not-found',
        `${path} does not exist: ${baseName(name)} is started with a script that is not there, so the line fails every time`,
        HB.test(baseName(path)) ? `fix the path: this hb runs as ${asWritten}` : `fix the path, or put ${baseName(path)} at ${path}`,
      );
    }
  }
  // hb's own script starts with `#!/usr/bin/env node`: run directly, it needs node on cron's PATH.
  if (HB.test(baseName(name)) && !word.dynamic && dirs !== null && searchPath('node', dirs, w.facts.probe).probe === 'missing' && out.length === 0) {
    at(
      'node-not-on-path',
      `${name} starts with "#!/usr/bin/env node", and ${pathName} has no node: the line fails with "env: 'node': No such file or directory"`,
      `run hb through node by absolute path: ${asWritten} ${hbLine?.subcommand ?? ''} …`.replace('  ', ' '),
    );
  }
  return out;
}
