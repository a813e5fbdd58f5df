// Escaping for the places sinks write text into: Telegram's HTML, tracker Markdown, byte limits.
// Job output and messages are untrusted text: they must render as written, never as markup, and
// never as a mention that pages someone.

import { inert } from '../visible.ts';

/** Text safe inside Telegram `parse_mode: HTML` (and any HTML text node): & < > become entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * A mention as GitHub and Gitea find one: `@name` or `@org/team` after a non-word character or
 * at the start (GitHub's rule; Gitea's, which wants a space or bracket before, is narrower).
 * After a letter or digit it is an address (`ops@example.com`) and is left alone.
 */
const MENTION = /(?<![A-Za-z0-9_])@[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.-]+)?/g;

/**
 * Text safe inside a Markdown paragraph or table cell (GitHub, Gitea): inline markup, HTML and
 * pipes are backslash-escaped, a line cannot start a heading, list or quote, bidi and zero-width
 * characters are written out, and a mention cannot ping anyone.
 *
 * A mention is put in a code span: it reads as written, and neither forge looks for mentions in
 * code (GitHub skips `code` elements; Gitea's mention finder skips raw text, which a code span
 * is). A backslash (`\@`) or an entity (`&#64;`) is not enough: GitHub finds mentions in the
 * rendered text, where both have become a plain `@`. A zero-width space after the `@` would do,
 * but it is the kind of hidden character this text must not carry.
 */
export function escapeMarkdown(text: string): string {
  const safe = inert(text);
  let out = '';
  let from = 0;
  for (const m of safe.matchAll(MENTION)) {
    out += `${escapeMarkup(safe.slice(from, m.index))}\`${m[0]}\``;
    from = m.index + m[0].length;
  }
  return out + escapeMarkup(safe.slice(from));
}

/** Markup escaped; a piece that starts after a mention may get a needless (and harmless) escape of a block start. */
function escapeMarkup(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~&#!]/g, '\\$&')
    .replace(/^(\s*)([-+=])(?=\s|[-=\s]*$)/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/gm, '$1\\$2');
}

/**
 * A fenced code block showing `text` as written: the fence is longer than any backtick run
 * inside, and bidi and zero-width characters are written out. No forge finds mentions in it.
 */
export function codeBlock(raw: string): string {
  const text = inert(raw);
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
