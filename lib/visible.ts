// Text from outside (job output, messages, a server's error body) on its way to a terminal:
// control characters are shown, never obeyed, so ESC [2J, an OSC 52 clipboard write, BEL or a
// carriage return cannot clear, rewrite or reach through the screen of whoever reads it.

/** Every C0 and C1 control, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with each control character written out (`\n`, `\t`, `\r`, `\u001b`), so it stays on one line and inert. */
export function visible(text: string): string {
  return text.replace(CONTROLS, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
