// What a word of a crontab command becomes when the shell runs it, as far as it can be told
// beforehand: a leading `$HOME`/`${HOME}` (in a live expansion) or `~` (bare) is the line's HOME;
// any other expansion is known only then.

import type { Word } from './shell.ts';

/** The text the program receives for `word`, or null when the shell would make it something else (or `home` is needed and unknown). */
export function expandedWord(word: Word, home: string | null): string | null {
  const lead = (word.dynamic ? /^(?:\$HOME|\$\{HOME\})(?=\/|$)/ : /^~(?=\/|$)/).exec(word.text);
  if (!lead) return word.dynamic ? null : word.text;
  const rest = word.text.slice(lead[0].length);
  if (home === null || (word.dynamic && /[$`*?]/.test(rest))) return null;
  return home + rest;
}

/** The absolute path a word names from `cwd` (`~`: HOME; null: unknown), or null when it cannot be known before the shell runs. */
export function absolute(word: Word, cwd: string | null, home: string | null): string | null {
  const text = expandedWord(word, home);
  if (text === null) return null;
  if (text.startsWith('/')) return text;
  const base = cwd === '~' ? home : cwd;
  return base ? `${base.replace(/\/$/, '')}/${text.replace(/^\.\//, '')}` : null;
}
