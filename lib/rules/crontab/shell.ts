// Just enough of sh's grammar to find the programs a crontab command runs: words with quotes
// removed, split into simple commands at `&&`, `||`, `;`, `|`, `&` and parentheses, with
// redirections and comments dropped. Expansions (`$x`, `${x}`, `$( )`, `$(( ))`, bash's `$[ ]`,
// backquotes) are kept whole as text and marked dynamic.

/** One word as the shell passes it on, quotes removed. */
export interface Word {
  text: string;
  /** Holds `$…`, a backquote or a glob: its real value is known only when the shell runs it. */
  dynamic: boolean;
  /** The word as written, quotes and all (what expand.ts reads), when it came from a command line. */
  raw?: string;
}

/** The words of one simple command and the operator that joined it to the one before. */
export interface SimpleCommand {
  words: Word[];
  /** '' for the first command, else `&&`, `||`, `;`, `|`, `&`, `(` or `)`. */
  joinedBy: string;
}

const OPERATOR_CHARS = new Set(['&', '|', ';', '(', ')', '\n']);

/** Splits shell text into simple commands (a sketch of sh, not a full parser: no here-documents). */
export function simpleCommands(text: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: Word[] = [];
  let joinedBy = '';
  let cur = '';
  let dynamic = false;
  let inWord = false;
  let discardNext = false;
  // Where the current word starts in `text`, and the index of the character being read.
  let start = 0;
  let i = 0;

  const endWord = () => {
    if (!inWord) return;
    if (discardNext) discardNext = false;
    else words.push({ text: cur, dynamic, raw: text.slice(start, i) });
    [cur, dynamic, inWord] = ['', false, false];
  };
  const endCommand = (op: string) => {
    endWord();
    if (words.length > 0) out.push({ words, joinedBy });
    [words, joinedBy] = [[], op];
  };
  // The index of the character that closes what opens at `i` (nesting and single quotes respected).
  const closing = (i: number, open: string, close: string): number => {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text.charAt(j);
      if (c === '\\') j++;
      else if (open === close) {
        if (j > i && c === close) return j;
      } else if (c === "'") {
        const end = text.indexOf("'", j + 1);
        if (end < 0) break;
        j = end;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) return j;
    }
    return text.length - 1;
  };

  for (; i < text.length; i++) {
    const c = text.charAt(i);
    if (!inWord) start = i;
    if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      [cur, inWord, i] = [cur + text.slice(i + 1, stop), true, stop];
    } else if (c === '"') {
      inWord = true;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        const d = text.charAt(i);
        // A backslash escapes only these four; at the very end of the text it is kept as it is.
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1))) cur += text.charAt(++i);
        else if (d === '$' || d === '`') [cur, dynamic] = [cur + d, true];
        else cur += d;
      }
    } else if (c === '\\') {
      [cur, inWord] = [cur + (text[i + 1] ?? ''), true];
      i++;
    } else if (c === '$' || c === '`') {
      const next = text[i + 1];
      const end =
        c === '`'
          ? closing(i, '`', '`')
          : next === '('
            ? closing(i + 1, '(', ')')
            : next === '{'
              ? closing(i + 1, '{', '}')
              : next === '['
                ? closing(i + 1, '[', ']')
                : i;
      [cur, dynamic, inWord] = [cur + text.slice(i, end + 1), true, true];
      i = end;
    } else if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) {
      // A redirection: an fd number before it and its target after it are not words.
      if (inWord && /^\d+$/.test(cur)) [cur, inWord] = ['', false];
      endWord();
      while (i + 1 < text.length && '<>&|'.includes(text.charAt(i + 1))) i++;
      discardNext = true;
    } else if (OPERATOR_CHARS.has(c)) {
      const two = text.slice(i, i + 2);
      const op = two === '&&' || two === '||' || two === ';;' ? two : c === '\n' ? ';' : c;
      i += op.length - 1;
      endCommand(op);
    } else {
      if (c === '*' || c === '?') dynamic = true;
      [cur, inWord] = [cur + c, true];
    }
  }
  endCommand('');
  return out;
}
