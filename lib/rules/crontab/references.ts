// The variables a crontab command reads when the shell runs it: every live `$NAME` and `${NAME…}`
// — outside single quotes and escapes, in double quotes, `$( )` and backquotes too — and whether
// the command says what to do when one is unset (`${NAME:-x}`). Pure.

/** One variable the command reads. */
export interface VariableRef {
  name: string;
  /** Written `${NAME-x}`, `${NAME:=x}`, `${NAME+x}`, `${NAME:?}`, `${#NAME}`: an unset value is provided for. */
  guarded: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const GUARDS = /^(?::?[-=+?])/;

/** Every variable `command` reads, in order. */
export function variableRefs(command: string): VariableRef[] {
  const out: VariableRef[] = [];
  scan(command, out);
  return out;
}

// Reads `text` as shell code, adding the variables it reads to `out`.
function scan(text: string, out: VariableRef[]): void {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\') i++;
    else if (c === "'" && !quoted) {
      const end = text.indexOf("'", i + 1);
      i = end < 0 ? text.length : end;
    } else if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted && (i === 0 || /[ \t;&|()]/.test(text.charAt(i - 1)))) return;
    else if (c === '`') {
      const end = closingBackquote(text, i);
      scan(text.slice(i + 1, end), out);
      i = end;
    } else if (c === '$' && text[i + 1] === '(' && quoted) {
      // Code inside double quotes: its own quotes count again.
      const end = closingParen(text, i + 1);
      scan(text.slice(i + 2, end), out);
      i = end;
    } else if (c === '$' && text[i + 1] === '{') {
      const length = text[i + 2] === '#';
      const name = NAME.exec(text.slice(i + (length ? 3 : 2)))?.[0];
      if (name) {
        const after = text.slice(i + (length ? 3 : 2) + name.length);
        out.push({ name, guarded: length || GUARDS.test(after) });
      }
    } else if (c === '$') {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name) {
        out.push({ name, guarded: false });
        i += name.length;
      }
    }
  }
}

function closingBackquote(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '`') return j;
  }
  return text.length;
}

function closingParen(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charAt(j);
    if (c === '\\') j++;
    else if (c === "'") j = Math.max(j, text.indexOf("'", j + 1) < 0 ? text.length : text.indexOf("'", j + 1));
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j;
  }
  return text.length;
}
