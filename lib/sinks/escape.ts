// Escaping for the places sinks write text into: Telegram's HTML, tracker Markdown, byte limits.
// Job output and messages are untrusted text: they must render as written, never as markup.

/** Text safe inside Telegram `parse_mode: HTML` (and any HTML text node): & < > become entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * Text safe inside a Markdown paragraph or table cell (GitHub, Gitea): inline markup, HTML and
 * pipes are backslash-escaped, and a line cannot start a heading, list or quote.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~&#!]/g, '\\$&')
    .replace(/^(\s*)([-+=])(?=\s|[-=\s]*$)/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/gm, '$1\\$2');
}

/** A fenced code block showing `text` verbatim: the fence is longer than any backtick run inside. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** Where truncation keeps text: the start (messages) or the end (output tails, where errors are). */
export interface TruncateOptions {
  keep?: 'start' | 'end';
  /** Shown where text was cut (default `…`); counted in the limit. */
  marker?: string;
}

/** `text` in at most `max` UTF-8 bytes, cut at a character boundary, with a marker where it was cut. */
export function truncateBytes(text: string, max: number, options: TruncateOptions = {}): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  const marker = options.marker ?? '…';
  const room = max - Buffer.byteLength(marker, 'utf8');
  if (room <= 0) return '';
  const isContinuation = (i: number) => i < buf.length && (buf[i]! & 0xc0) === 0x80;
  if (options.keep === 'end') {
    let start = buf.length - room;
    while (isContinuation(start)) start++;
    return marker + buf.subarray(start).toString('utf8');
  }
  let end = room;
  while (end > 0 && isContinuation(end)) end--;
  return buf.subarray(0, end).toString('utf8') + marker;
}
