// What the shell makes of a word of a crontab command, when the variables it names are known
// beforehand (cron's own, the crontab's settings, the line's assignments): quotes removed,
// `$NAME`, `${NAME}` and a leading `~` replaced, unquoted expansions split into fields. Anything
// only the running shell knows (`$( )`, `$(( ))`, backquotes, globs, `${NAME:-x}`, `$1`, an
// unknown variable) makes the answer null. Pure.

import type { LineVar } from './programs.ts';

/** A variable's value, or null when it cannot be known before the shell runs. */
export type Lookup = (name: string) => string | null;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The fields (the program's arguments) `raw`, a word as written, becomes; null when only the shell can tell. */
export function wordFields(raw: string, lookup: Lookup): string[] | null {
  return expand(raw, lookup, false);
}

/** The value an assignment gives, `raw` being what follows its `=`: no splitting or globbing, `~` after `=` and `:` expanded. */
export function assignedValue(raw: string, lookup: Lookup): string | null {
  const fields = expand(raw, lookup, true);
  return fields === null ? null : (fields[0] ?? '');
}

/**
 * The variables a program of a line sees: `vars`, the line's own assignments (each read with the
 * variables as they were when it was made), over `base`, what cron and the crontab set.
 */
export function lineLookup(base: Readonly<Record<string, string | null>>, vars: Readonly<Record<string, LineVar>>): Lookup {
  return (name) => {
    const v = vars[name];
    if (!v) return base[name] ?? null;
    if (v.raw !== undefined) return assignedValue(v.raw, lineLookup(base, v.before));
    return v.dynamic ? null : v.text;
  };
}

function expand(raw: string, lookup: Lookup, assignment: boolean): string[] | null {
  const fields: string[] = [];
  let cur: string | null = null;
  const add = (s: string) => {
    cur = (cur ?? '') + s;
  };
  // An unquoted expansion: split at blanks (not in an assignment); a glob in it is the shell's to match.
  const addSplit = (value: string): boolean => {
    if (assignment) return (add(value), true);
    if (/[*?[]/.test(value)) return false;
    value.split(/[ \t\n]+/).forEach((part, k) => {
      if (k > 0 && cur !== null) {
        fields.push(cur);
        cur = null;
      }
      if (part !== '') add(part);
    });
    return true;
  };
  // `$NAME` or `${NAME}` at `i`: [value, index of its last character]; null when only the shell knows.
  const param = (i: number): [string, number] | null => {
    const braced = raw[i + 1] === '{';
    const name = NAME.exec(raw.slice(i + (braced ? 2 : 1)))?.[0];
    if (!name) return null;
    const end = i + (braced ? 2 : 1) + name.length;
    if (braced && raw[end] !== '}') return null;
    const value = lookup(name);
    return value === null ? null : [value, braced ? end : end - 1];
  };
  // A `$` that starts no expansion is a plain character.
  const literalDollar = (i: number) => !/^[A-Za-z_{([0-9@*#?$!-]/.test(raw[i + 1] ?? '');

  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    const tildeAt = i === 0 || (assignment && raw[i - 1] === ':');
    if (c === '~' && tildeAt && /^(?:[/:]|$)/.test(raw[i + 1] ?? '')) {
      if (!assignment && raw[i + 1] === ':') add(c);
      else {
        const home = lookup('HOME');
        if (home === null) return null;
        add(home);
      }
    } else if (c === '~' && tildeAt) {
      return null; // ~user
    } else if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return null;
      add(raw.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      add('');
      for (i++; i < raw.length && raw[i] !== '"'; i++) {
        const d = raw.charAt(i);
        if (d === '\\' && '$`"\\\n'.includes(raw[i + 1] ?? '')) {
          if (raw[++i] !== '\n') add(raw[i]!);
        } else if (d === '$' && !literalDollar(i)) {
          const p = param(i);
          if (!p) return null;
          add(p[0]);
          i = p[1];
        } else if (d === '`') return null;
        else add(d);
      }
      if (i >= raw.length) return null;
    } else if (c === '\\') {
      add(raw[i + 1] ?? '\\');
      i++;
    } else if (c === '$' && !literalDollar(i)) {
      const p = param(i);
      if (!p || !addSplit(p[0])) return null;
      i = p[1];
    } else if (c === '`' || (!assignment && (c === '*' || c === '?' || c === '['))) {
      return null;
    } else add(c);
  }
  if (cur !== null) fields.push(cur);
  return fields;
}
