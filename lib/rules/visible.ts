// Text from outside (job output, messages, a server's error body) on its way to a person:
// control characters are shown, never obeyed, so ESC [2J, an OSC 52 clipboard write, BEL or a
// carriage return cannot clear, rewrite or reach through the screen of whoever reads it; and
// characters that reorder or hide text are shown too, so what a person reads is what was written.

/**
 * Characters that change how text reads without being seen: every Unicode format character
 * (category Cf: the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
 * the marks U+200E, U+200F and U+061C, the zero-width space, joiners and word joiner
 * U+200B–U+200D and U+2060–U+2064, U+FEFF, U+180E, the soft hyphen, the invisible tag
 * characters U+E0000–U+E007F, …) and the Hangul fillers, letters that render as blank space.
 * U+202E alone makes `invoice‮txt.exe` read `invoiceexe.txt`.
 */
const HIDDEN = '\\p{Cf}\\u115f\\u1160\\u3164\\uffa0';

/** Every C0 and C1 control, DEL, the Unicode line and paragraph separators, and the hidden characters. */
const ONE_LINE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029${HIDDEN}]`, 'gu');

/** The same, but tab, line feed and a CR ending a line (CRLF) stay: text that keeps its lines. */
const MULTI_LINE = new RegExp(`\\r(?!\\n)|[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029${HIDDEN}]`, 'gu');

/** One character written out: `\n`, `\t`, `\r`, `\u001b`, `\u202e`, or `\u{e0041}` beyond U+FFFF. */
function writtenOut(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` on one line with each control or hidden character written out (`\n`, `\u001b`, `\u202e`): for terminals and table cells. */
export function visible(text: string): string {
  return plainAscii(text) ? text : text.replace(ONE_LINE, writtenOut);
}

/** True when every character is printable ASCII (space to `~`): none of them is ever written out. */
function plainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * `text` with its lines kept and every other control or hidden character written out: for bodies
 * a person reads (a mail, a chat message, an issue, an output tail).
 */
export function inert(text: string): string {
  return text.replace(MULTI_LINE, writtenOut);
}
