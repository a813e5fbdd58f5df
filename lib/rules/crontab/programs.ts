// The programs a crontab command starts: the first word of each simple command once shell
// keywords, variable assignments and wrappers (`nice`, `env`, `timeout`, …) are looked through,
// the script an interpreter is given, the directory `cd` left the shell in, and the variables
// the line sets for it.

import { simpleCommands, type Word } from './shell.ts';

/** One program the command starts. */
export interface ProgramUse {
  word: Word;
  args: Word[];
  /** The script an interpreter runs (`python3 /opt/x.py`), when there is one. */
  script: Word | null;
  /** Which simple command of the line, counting from 0. */
  index: number;
  /** The operator before its simple command ('' for the first). */
  joinedBy: string;
  /** Where `cd` left the shell: '~' (the start, HOME), an absolute path, or null when unknown. */
  cwd: string | null;
  /** Run only if an earlier test of this path succeeded (`[ -x P ] && P`, `command -v P && P`). */
  guarded: boolean;
  /** A wrapper such as `nice` that starts the program after its own options. */
  wraps: boolean;
  /**
   * Variables the line sets for it: its own `NAME=VALUE` prefix and `env NAME=VALUE`, over earlier
   * `export NAME=VALUE` and `NAME=VALUE` commands of the line (taken as exported). Values as
   * written, `dynamic` when the shell would expand them (see word-path.ts and expand.ts).
   */
  env: Record<string, LineVar>;
}

/** A value the line gives a variable, with the line's variables as they were when it was set (what its `$NAME`s read). */
export interface LineVar extends Word {
  before: Record<string, LineVar>;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const NOT_PROGRAMS = new Set(['fi', 'done', '}', 'esac', 'for', 'case', 'select', 'function', 'in']);

/** dash's builtins (and bash's common ones): always found, never a file to check. */
export const BUILTINS = new Set([
  '.',
  ':',
  '[',
  'alias',
  'bg',
  'break',
  'cd',
  'command',
  'continue',
  'echo',
  'eval',
  'exec',
  'exit',
  'export',
  'false',
  'fg',
  'getopts',
  'hash',
  'jobs',
  'kill',
  'local',
  'printf',
  'pwd',
  'read',
  'readonly',
  'return',
  'set',
  'shift',
  'source',
  'test',
  'times',
  'trap',
  'true',
  'type',
  'ulimit',
  'umask',
  'unalias',
  'unset',
  'wait',
]);

// Wrappers: the options that take a value, and how many operands come before the program.
const WRAPPERS: Record<string, { valued: string[]; operands: number }> = {
  exec: { valued: ['-a'], operands: 0 },
  nohup: { valued: [], operands: 0 },
  nice: { valued: ['-n'], operands: 0 },
  ionice: { valued: ['-c', '-n'], operands: 0 },
  env: { valued: ['-u', '-C', '-S'], operands: 0 },
  timeout: { valued: ['-s', '-k'], operands: 1 },
  chronic: { valued: [], operands: 0 },
  // `flock [-n|-w N|…] FILE cmd`: the lock file is an operand; `-c CODE` runs shell code, not looked into.
  flock: { valued: ['-w', '-E', '--wait', '--timeout', '--conflict-exit-code', '-c', '--command'], operands: 1 },
};

const SHELLS = /^(?:sh|bash|dash|zsh|ksh|mksh)$/;
const INTERPRETER = /^(?:sh|bash|dash|zsh|ksh|mksh|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|Rscript)$/;
// Options after which the interpreter runs inline code or a module rather than a script file.
const INLINE = new Set(['-c', '-e', '-m', '-p', '--eval', '--print']);
const VALUED = new Set(['-o', '-W', '-X', '--require', '--import', '--loader', '--experimental-loader']);

// A quoted name (`"A=1" cmd`) makes a command word, not an assignment: judged as written when known.
const isAssignment = (w: Word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.raw ?? w.text);
/** The last path component. */
export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The script an interpreter named `program` (a base name) is given in `args`, if any. */
export function scriptOf(program: string, args: Word[]): Word | null {
  if (!INTERPRETER.test(program)) return null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.text;
    if (a === '-' || a === '--') return args[i + 1] ?? null;
    if (!a.startsWith('-')) return args[i]!;
    // `-c cmd` runs inline code; so does any option cluster ending in c for a shell (`-ec`).
    if (INLINE.has(a) || (SHELLS.test(program) && /^-[a-z]*c$/.test(a))) return null;
    if (VALUED.has(a) || (/^node/.test(program) && a === '-r')) i++;
  }
  return null;
}

/** The programs `command` (a shell command line) starts, in order. */
export function programsOf(command: string): ProgramUse[] {
  const out: ProgramUse[] = [];
  const tested = new Set<string>();
  let cwd: string | null = '~';
  let shellVars: Record<string, LineVar> = {};
  simpleCommands(command).forEach(({ words, joinedBy }, index) => {
    let i = 0;
    const env = { ...shellVars };
    for (; i < words.length && (KEYWORDS.has(words[i]!.text) || isAssignment(words[i]!)); i++) assign(env, words[i]!);
    // Assignments alone set variables for the rest of the line.
    if (i >= words.length) shellVars = env;
    if (i >= words.length || NOT_PROGRAMS.has(words[i]!.text)) return;
    for (;;) {
      const word = words[i]!;
      const name = baseName(word.text);
      const args = words.slice(i + 1);
      const wrapper = WRAPPERS[name];
      out.push({ word, args, script: scriptOf(name, args), index, joinedBy, cwd, guarded: tested.has(word.text), wraps: Boolean(wrapper), env: { ...env } });
      if (name === 'cd') cwd = nextDir(cwd, args);
      if (name === 'export') args.forEach((a) => assign(shellVars, a));
      if (name === 'test' || name === '[') {
        args.forEach((a, k) => /^-[efxrsd]$/.test(a.text) && args[k + 1] && tested.add(args[k + 1]!.text));
      }
      if ((name === 'command' && args[0]?.text === '-v') || name === 'which' || name === 'type' || name === 'hash') {
        for (const a of args) if (!a.text.startsWith('-')) tested.add(a.text);
      }
      if (!wrapper) return;
      // Look through the wrapper to the program it starts.
      let j = i + 1;
      let operands = wrapper.operands;
      while (j < words.length) {
        const t = words[j]!.text;
        if (name === 'env' && t === '-u' && words[j + 1]) env[words[j + 1]!.text] = { text: '', dynamic: false, before: {} };
        if (t.startsWith('-') && t !== '-') j += wrapper.valued.includes(t) ? 2 : 1;
        else if (name === 'env' && isAssignment(words[j]!)) assign(env, words[j++]!, false);
        else if (operands > 0) [j, operands] = [j + 1, operands - 1];
        else break;
      }
      if (j >= words.length) return;
      i = j;
    }
  });
  return out;
}

// Records `NAME=VALUE` (a keyword or any other word is left alone). The shell expands a leading
// `~` of an assignment's value; `env NAME=~/x` is a plain argument, so there it stays: unknown,
// as is any expansion in it (the value as written is the shell's to expand, not env's).
function assign(env: Record<string, LineVar>, word: Word, shell = true): void {
  if (!isAssignment(word)) return;
  const eq = word.text.indexOf('=');
  const text = word.text.slice(eq + 1);
  const raw = shell && word.raw !== undefined ? { raw: word.raw.slice(word.raw.indexOf('=') + 1) } : {};
  env[word.text.slice(0, eq)] = { text, dynamic: word.dynamic || (!shell && text.startsWith('~')), ...raw, before: { ...env } };
}

function nextDir(cwd: string | null, args: Word[]): string | null {
  const target = args.find((a) => !a.text.startsWith('-'));
  if (!target) return '~';
  if (target.dynamic || target.text.startsWith('~')) return null;
  if (target.text.startsWith('/')) return target.text;
  return cwd === null || cwd === '~' ? null : `${cwd.replace(/\/$/, '')}/${target.text}`;
}
