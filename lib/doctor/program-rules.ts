// Rules about what a crontab line runs: every program and script it names must exist and be
// executable where cron looks — cron's PATH is /usr/bin:/bin unless the file sets PATH=, and a
// file in /etc/cron.d never inherits /etc/crontab's.

import type { JobLine, ParsedCrontab } from '../crontab/parse.ts';
import { baseName, BUILTINS, scriptOf, type ProgramUse } from '../crontab/programs.ts';
import { absolute } from '../crontab/word-path.ts';
import { finding, type CrontabFile, type DoctorFacts, type Finding, type Probe } from './types.ts';

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
export function programRules(parsed: ParsedCrontab, source: CrontabFile, facts: Facts): Finding[] {
  const out: Finding[] = [];
  for (const l of parsed.lines) {
    if (l.kind === 'env' && l.name === 'SHELL' && l.value.startsWith('/') && facts.probe(l.value) !== 'executable') {
      out.push(finding('error', 'command-not-found', parsed.file, l.line, `SHELL ${l.value} ${facts.probe(l.value) === 'missing' ? 'does not exist' : 'is not executable'}: every job below fails to start`, 'set SHELL=/bin/sh (cron\'s default) or a shell that exists'));
    }
    if (l.kind !== 'job' || l.ignored) continue;
    // cron skips a line whose user does not exist (reported by the line rules): nothing runs.
    if (l.user !== null && facts.users && !facts.users.has(l.user)) continue;
    const home = l.env.HOME ?? homeOf(l, source, facts.users);
    const dirs = (l.env.PATH ?? CRON_PATH).split(':');
    const w = { file: parsed.file, home, dirs, facts };
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

function homeOf(l: JobLine, source: CrontabFile, users: ReadonlyMap<string, string> | null): string | null {
  const login = source.kind === 'system' ? l.user : source.owner;
  return (login && users?.get(login)) ?? null;
}

interface Where {
  file: string;
  home: string | null;
  dirs: string[];
  facts: Facts;
}

function checkUse(use: ProgramUse, l: JobLine, w: Where): Finding[] {
  const out: Finding[] = [];
  const at = (code: Finding['code'], message: string, fix: string) => out.push(finding('error', code, w.file, l.line, message, fix));
  const name = use.word.text;
  const hbLine = l.hb.find((h) => h.use === l.programs.indexOf(use));
  const asWritten = `${w.facts.self.node} ${w.facts.self.hb}`;
  if (!use.guarded && !BUILTINS.has(name)) {
    if (!name.includes('/') && !use.word.dynamic) {
      const found = searchPath(name, w.dirs, w.facts.probe);
      if (found.probe === 'missing') {
        const shell = searchPath(name, w.facts.userPath, w.facts.probe).path;
        const cronPath = w.dirs.join(':');
        if (HB.test(name)) {
          at('hb-not-on-path', `"${name}" is not on cron's PATH (${cronPath}): the line fails with "${name}: not found"`, `name node and hb by absolute path, as hb crontab writes them: ${asWritten} ${hbLine?.subcommand ?? 'tick'} …`);
        } else if (NODE.test(name)) {
          at('node-not-on-path', `"${name}" is not on cron's PATH (${cronPath})${shell ? ` (your shell finds ${shell})` : ''}: the line fails with "${name}: not found"`, `use the absolute path: ${shell ?? w.facts.self.node}`);
        } else {
          at('command-not-found', `"${name}" is not found on cron's PATH (${cronPath})${shell ? `; your shell finds ${shell}, cron does not` : ''}`, shell ? `use the absolute path ${shell}, or set PATH= at the top of this file` : 'install it, or fix the name');
        }
      } else if (found.probe === 'file') {
        at('command-not-executable', `${found.path} (found for "${name}") is not executable`, `chmod +x ${found.path}`);
      }
    } else {
      const path = absolute(use.word, use.cwd, w.home);
      const p = path === null ? null : w.facts.probe(path);
      if (p === 'missing') at('command-not-found', `${path} does not exist: cron runs this line and it fails with "not found" every time`, `fix the path, or install the program at ${path}`);
      else if (p === 'file' || p === 'directory') at('command-not-executable', `${path} is ${p === 'directory' ? 'a directory' : 'not executable'}: the line fails with "Permission denied"`, p === 'directory' ? 'name the program inside it' : `chmod +x ${path}, or run it with its interpreter (sh ${path})`);
    }
  }
  if (use.script) {
    const path = absolute(use.script, use.cwd, w.home);
    if (path !== null && w.facts.probe(path) === 'missing') {
      at('command-not-found', `${path} does not exist: ${baseName(name)} is started with a script that is not there, so the line fails every time`, HB.test(baseName(path)) ? `fix the path: this hb runs as ${asWritten}` : `fix the path, or put ${baseName(path)} at ${path}`);
    }
  }
  // hb's own script starts with `#!/usr/bin/env node`: run directly, it needs node on cron's PATH.
  if (HB.test(baseName(name)) && !use.word.dynamic && searchPath('node', w.dirs, w.facts.probe).probe === 'missing' && out.length === 0) {
    at('node-not-on-path', `${name} starts with "#!/usr/bin/env node", and cron's PATH (${w.dirs.join(':')}) has no node: the line fails with "env: 'node': No such file or directory"`, `run hb through node by absolute path: ${asWritten} ${hbLine?.subcommand ?? ''} …`.replace('  ', ' '));
  }
  return out;
}
