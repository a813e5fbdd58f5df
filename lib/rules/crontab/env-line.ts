// Debian cron's rule for an environment line: NAME = VALUE, either side optionally quoted.
// Checked against `crontab -n`: `MAILTO=` (nothing after =) and `A="x" y` are not settings, so
// cron reads them as job lines and refuses them; `A = b c` sets "b c"; `"A"='x'` sets x.

/** A setting as cron stores it: quotes removed, an unquoted value's trailing blanks trimmed. */
export interface EnvSetting {
  name: string;
  value: string;
  /** The value was written in quotes (so its blanks are kept). */
  quoted: boolean;
}

type State = 'name-start' | 'name' | 'eq' | 'after-eq' | 'value-start' | 'value' | 'done' | 'error';

const blank = (c: string) => c === ' ' || c === '\t';

/** The setting `text` (one line, no newline) makes, or null when cron does not read it as one. */
export function parseEnvLine(text: string): EnvSetting | null {
  let i = 0;
  while (i < text.length && blank(text.charAt(i))) i++;
  let state: State = 'name-start';
  let quote = '';
  let name = '';
  let value = '';
  while (state !== 'error' && i < text.length) {
    const c = text.charAt(i);
    switch (state) {
      case 'name-start':
      case 'value-start':
        quote = c === '"' || c === "'" ? c : '';
        if (quote) i++;
        state = state === 'name-start' ? 'name' : 'value';
        break;
      case 'name':
        if (quote) {
          if (c === quote) [state, i] = ['eq', i + 1];
          else if (c === '=') state = 'error';
          else [name, i] = [name + c, i + 1];
        } else if (blank(c)) [state, i] = ['eq', i + 1];
        else if (c === '=') state = 'eq';
        else [name, i] = [name + c, i + 1];
        break;
      case 'value':
        if (quote && c === quote) [state, i] = ['done', i + 1];
        else [value, i] = [value + c, i + 1];
        break;
      case 'eq':
        if (c === '=') [state, quote] = ['after-eq', ''];
        else if (!blank(c)) state = 'error';
        i++;
        break;
      case 'after-eq':
        if (blank(c)) i++;
        else state = 'value-start';
        break;
      case 'done':
        if (blank(c)) i++;
        else state = 'error';
        break;
    }
  }
  const unquotedValue = state === 'value' && !quote;
  if (state !== 'done' && !unquotedValue) return null;
  return { name, value: unquotedValue ? value.replace(/[ \t]+$/, '') : value, quoted: !unquotedValue };
}
