// hb's marked block in a crontab: found, replaced or removed, with every line outside it kept
// byte for byte. Pure: text in, text out.

/** The block's first line starts with this; its last line is END_MARK. */
export const BEGIN_MARK = '# BEGIN hb';
export const END_MARK = '# END hb';

const isBegin = (line: string) => line.trimEnd() === BEGIN_MARK || line.startsWith(`${BEGIN_MARK} `) || line.startsWith(`${BEGIN_MARK}:`);
const isEnd = (line: string) => line.trimEnd() === END_MARK;

/** Where the block is: 0-based line indices of its markers, or null when there is none. */
export interface BlockSpan {
  begin: number;
  end: number;
}

/** The block in `lines`, null when absent; throws a message when the markers do not pair up. */
export function findBlock(lines: readonly string[], file: string): BlockSpan | null {
  const begins = lines.flatMap((l, i) => (isBegin(l) ? [i] : []));
  const ends = lines.flatMap((l, i) => (isEnd(l) ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return null;
  const where = (is: number[]) => is.map((i) => i + 1).join(', ');
  const [begin] = begins;
  const [end] = ends;
  if (begins.length !== 1 || ends.length !== 1 || begin === undefined || end === undefined || end < begin) {
    throw new Error(
      `${file}: hb's block markers do not pair up (${BEGIN_MARK} on line ${where(begins) || 'none'}, ${END_MARK} on line ${where(ends) || 'none'}): ` +
        'fix them by hand, then run hb crontab again',
    );
  }
  return { begin, end };
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

const joinLines = (lines: readonly string[]) => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);

/**
 * `text` with `block` (its lines, markers included) in place of the old block, or appended after
 * one blank line. The result always ends in a newline (cron ignores a crontab without one).
 */
export function mergeBlock(text: string, block: readonly string[], file: string): string {
  const lines = splitLines(text);
  const span = findBlock(lines, file);
  if (span) return joinLines([...lines.slice(0, span.begin), ...block, ...lines.slice(span.end + 1)]);
  const gap = (lines.at(-1)?.trim() ?? '') !== '' ? [''] : [];
  return joinLines([...lines, ...gap, ...block]);
}

/** `text` without the block (and without the blank line that set it apart at the end). */
export function removeBlock(text: string, file: string): string {
  const lines = splitLines(text);
  const span = findBlock(lines, file);
  if (!span) return text;
  const before = lines.slice(0, span.begin);
  const after = lines.slice(span.end + 1);
  if (after.length === 0) while (before.at(-1)?.trim() === '') before.pop();
  return joinLines([...before, ...after]);
}

/** Whether only blank lines remain: a file of hb's own that can go. */
export const isEmptyCrontab = (text: string) => text.trim() === '';
