// Quoting text into the completion scripts: every word hb puts in a script is data, never code.

/** `text` as one single-quoted word for bash and zsh. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `text` as one single-quoted word for fish (backslash and quote escaped inside). */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A command path as a shell identifier part: `daemon start` → `daemon_start`. */
export function identifier(path: readonly string[]): string {
  return path.map((p) => p.replace(/[^A-Za-z0-9]/g, '_')).join('__');
}
