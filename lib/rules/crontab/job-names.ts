// A job's default name: what its command runs. One rule for hb wrap (its argv) and hb crontab
// --adopt (a crontab command): the script or program that does the work, looked for past
// wrappers (`sudo -u x`, `nice`, `timeout 5m`, `flock FILE`, `sh -c '…'`), `cd DIR &&` and
// `sleep N;`, its base name kept whole (`backup.sh`) and made to fit the job-name rule.

import { jobNameFromCommand } from '../job-name.ts';
import { baseName, BUILTINS, programsOf, scriptOf } from './programs.ts';
import type { Word } from './shell.ts';
import { shellWord } from './words.ts';

/** How a wrapper starts the program it is given. */
interface Wrapper {
  /** Options that take the next word as their value. */
  valued: readonly string[];
  /** Words before the program that are not options (timeout's duration, flock's lock file, su's user). */
  operands: number;
  /** Options whose value is shell code the wrapper runs (`flock -c`, `su -c`). */
  code?: readonly string[];
  /** The code option may come after the operands too (`su - postgres -c '…'`). */
  codeAnywhere?: boolean;
  /** NAME=VALUE words before the program are settings (`env A=1 prog`). */
  assignments?: boolean;
}

// Programs that run another one: the name is the other one's.
const WRAPPERS: Record<string, Wrapper> = {
  exec: { valued: ['-a'], operands: 0 },
  nohup: { valued: [], operands: 0 },
  nice: { valued: ['-n', '--adjustment'], operands: 0 },
  ionice: { valued: ['-c', '-n', '--class', '--classdata'], operands: 0 },
  env: { valued: ['-u', '-C', '-S', '--unset', '--chdir', '--split-string'], operands: 0, assignments: true },
  timeout: { valued: ['-s', '-k', '--signal', '--kill-after'], operands: 1 },
  chronic: { valued: [], operands: 0 },
  cronic: { valued: [], operands: 0 },
  stdbuf: { valued: ['-i', '-o', '-e', '--input', '--output', '--error'], operands: 0 },
  time: { valued: ['-f', '-o', '--format', '--output'], operands: 0 },
  flock: { valued: ['-w', '-E', '--wait', '--timeout', '--conflict-exit-code'], operands: 1, code: ['-c', '--command'] },
  sudo: {
    valued: [
      '-u',
      '-g',
      '-p',
      '-C',
      '-D',
      '-r',
      '-t',
      '-U',
      '-T',
      '--user',
      '--group',
      '--host',
      '--prompt',
      '--close-from',
      '--chdir',
      '--role',
      '--type',
      '--other-user',
      '--command-timeout',
    ],
    operands: 0,
  },
  runuser: {
    valued: ['-u', '-g', '-G', '-s', '-w', '--user', '--group', '--supp-group', '--shell', '--whitelist-environment'],
    operands: 0,
    code: ['-c', '--command'],
    codeAnywhere: true,
  },
  // su starts a shell: only its -c code runs anything (the user is an operand, not a program).
  su: {
    valued: ['-g', '-G', '-s', '-w', '--group', '--supp-group', '--shell', '--whitelist-environment'],
    operands: 1,
    code: ['-c', '--command'],
    codeAnywhere: true,
  },
  setpriv: {
    valued: [
      '--reuid',
      '--regid',
      '--groups',
      '--inh-caps',
      '--ambient-caps',
      '--bounding-set',
      '--securebits',
      '--pdeathsig',
      '--selinux-label',
      '--apparmor-profile',
    ],
    operands: 0,
  },
};

const SHELLS = /^(?:sh|bash|dash|zsh|ksh|mksh)$/;
const PYTHON = /^python[0-9.]*$/;
const INTERPRETER = /^(?:sh|bash|dash|zsh|ksh|mksh|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|Rscript)$/;
// Tools that help a job along rather than being it: named after only when nothing else runs.
const HELPERS = new Set([
  'date',
  'echo',
  'printf',
  'find',
  'grep',
  'egrep',
  'fgrep',
  'cat',
  'tee',
  'touch',
  'rm',
  'mkdir',
  'logger',
  'xargs',
  'awk',
  'sed',
  'head',
  'tail',
  'sort',
  'wc',
  'tr',
  'cut',
  'gzip',
]);
// Builtins and waits say nothing about the job: named after only when nothing else runs at all.
const SILENT = new Set([...BUILTINS, 'sleep', 'true', 'false', 'test']);
// Shells inside shells: looked into this deep, no deeper.
const MAX_DEPTH = 4;

/** A name the command could go by: the lower the rank, the more it says what the job is. */
interface Candidate {
  source: string;
  rank: number;
}

/** The default job name for a crontab command (shell text): see the module comment. */
export function jobNameForCommand(command: string): string {
  const best = candidatesIn(command, 0).reduce<Candidate | null>((a, c) => (a === null || c.rank < a.rank ? c : a), null);
  return best ? jobNameFromCommand(best.source) : 'job';
}

/** The default job name for the argv hb wrap runs: the name adopt gives the command the argv runs. */
export function jobNameForArgv(argv: readonly string[]): string {
  // Quoted for sh, each argument reads back as one literal word: one rule for both.
  return jobNameForCommand(argv.map(shellWord).join(' '));
}

/** A name given in words (an `#Ansible: NAME` entry) as a job name: lower case, dashes between words; null when nothing is left. */
export function slugJobName(text: string): string | null {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 128)
    .replace(/[._-]+$/, '');
  return slug === '' ? null : slug;
}

// Every name the simple commands of `command` offer, in order.
function candidatesIn(command: string, depth: number): Candidate[] {
  if (depth > MAX_DEPTH) return [];
  // A wrapper programsOf looks through is followed by the program it starts: that one names it.
  // One that starts none programsOf can see (`flock FILE -c CODE`) is looked into here.
  return programsOf(command)
    .filter((u, k, all) => !u.wraps || all[k + 1]?.index !== u.index)
    .flatMap((u) => candidatesOf([u.word, ...u.args], depth));
}

// The names one simple command offers: its program's, past the wrappers in front of it.
function candidatesOf(words: readonly Word[], depth: number): Candidate[] {
  for (let i = 0; i < words.length;) {
    const word = words[i]!;
    const program = baseName(word.text);
    const args = words.slice(i + 1);
    if (SHELLS.test(program)) {
      const code = shellCode(args);
      if (code) return candidatesIn(code.text, depth + 1);
    }
    const wrapper = word.dynamic ? undefined : WRAPPERS[program];
    if (!wrapper) return candidate(word, args);
    const next = afterOptions(words, i + 1, wrapper);
    if ('code' in next) return candidatesIn(next.code.text, depth + 1);
    // A wrapper with nothing to start (`sudo -i`, `su - x`): it is all there is.
    if (next.at >= words.length || program === 'su') return [{ source: program, rank: 2 }];
    i = next.at;
  }
  return [];
}

// The code a shell runs with -c (or an option cluster ending in c, `-lc`), or null when it runs a script or stdin.
function shellCode(args: readonly Word[]): Word | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.text;
    if (!a.startsWith('-') || a === '-' || a === '--') return null;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(a)) return args[i + 1] ?? null;
    if (a === '-o' || a === '+o') i++;
  }
  return null;
}

// Where the program a wrapper starts begins, or the shell code it runs.
function afterOptions(words: readonly Word[], from: number, w: Wrapper): { at: number } | { code: Word } {
  if (w.codeAnywhere) {
    for (let j = from; j < words.length && words[j]!.text !== '--'; j++) {
      const code = codeAt(words, j, w);
      if (code) return { code };
    }
  }
  let operands = w.operands;
  let j = from;
  while (j < words.length) {
    const t = words[j]!.text;
    const code = codeAt(words, j, w);
    if (code) return { code };
    if (t === '--') return { at: j + 1 };
    if (t.startsWith('-') && t !== '-') j += w.valued.includes(t) ? 2 : 1;
    else if (w.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) j++;
    else if (operands > 0) [j, operands] = [j + 1, operands - 1];
    else break;
  }
  return { at: j };
}

// The shell code a wrapper's code option at `j` gives (`-c CODE`, `--command=CODE`), if that is one.
function codeAt(words: readonly Word[], j: number, w: Wrapper): Word | null {
  const t = words[j]!.text;
  if (w.code?.includes(t)) return words[j + 1] ?? null;
  const long = /^(--[^=]+)=([^]*)$/.exec(t);
  return long && w.code?.includes(long[1]!) ? { text: long[2]!, dynamic: words[j]!.dynamic } : null;
}

// What one program offers as a name: its script, its module, run-parts' directory, or itself.
function candidate(word: Word, args: readonly Word[]): Candidate[] {
  const program = baseName(word.text);
  if (program === 'run-parts') {
    const dir = [...args].reverse().find((a) => !a.text.startsWith('-'));
    if (dir) return named(dir, 0);
  }
  const script = scriptOf(program, [...args]);
  if (script) return named(script, 0);
  if (PYTHON.test(program)) {
    const m = args.findIndex((a) => a.text === '-m');
    if (m >= 0 && args[m + 1] && !args[m + 1]!.dynamic) return [{ source: args[m + 1]!.text, rank: 0 }];
  }
  // An interpreter given no script (inline code, stdin) says only which language the job is in.
  const rank = SILENT.has(program) ? 2 : HELPERS.has(program) || INTERPRETER.test(program) ? 1 : 0;
  return named(word, rank);
}

// A word as a name source: a path's last part, known before the shell runs it (`$HOME/bin/run` → run).
function named(word: Word, rank: number): Candidate[] {
  const last = baseName(word.text.replace(/\/+$/, ''));
  if (last === '' || (word.dynamic && /[$`*?[]/.test(last))) return [];
  return [{ source: last, rank }];
}
