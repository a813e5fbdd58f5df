// The paths an `expect:` entry names: an absolute path whose segments may hold the wildcards `*`,
// `?` and `[...]`, compiled to one matcher per segment. Pure: the walk that reads directories is
// lib/adapters/outcome/artifacts.ts.

/** One segment of a compiled path: a name to join as it is, or a pattern to match names with. */
export type GlobSegment = { literal: string } | { pattern: RegExp; text: string };

/** A compiled `expect:` path: the directory the walk starts from and the segments below it. */
export interface CompiledGlob {
  /** The absolute directory before the first wildcard ("/" at the least). */
  root: string;
  /** The segments below root, the last naming the file; literal ones only after a wildcard one. */
  segments: GlobSegment[];
  /** Whether any segment has a wildcard (else the path names one file). */
  wild: boolean;
}

/** Whether a segment holds a wildcard: an unescaped `*`, `?` or a closed `[...]`. */
function hasWildcard(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
    else if (c === '[' && classEnd(segment, i) > 0) return true;
  }
  return false;
}

/** The index of the `]` closing the class that opens at `open`, or -1 when it is not closed. */
function classEnd(segment: string, open: number): number {
  let i = open + 1;
  if (segment[i] === '!' || segment[i] === '^') i++;
  // A `]` first in the class is one of its characters, as in the shell.
  if (segment[i] === ']') i++;
  for (; i < segment.length; i++) if (segment[i] === ']') return i;
  return -1;
}

const escapeRe = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The segment's wildcards as a regular expression over one name; a leading wildcard never matches a leading dot (as in the shell). */
function segmentPattern(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) re += escapeRe(segment[++i]!);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && classEnd(segment, i) > 0) {
      const end = classEnd(segment, i);
      let body = segment.slice(i + 1, end);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      // Ranges (a-z) stay ranges; every other character stands for itself.
      const chars = body.replace(/[\\^\]]/g, '\\$&');
      re += negate ? `[^/${chars}]` : `[${chars}]`;
      i = end;
    } else re += escapeRe(c);
  }
  const noDot = segment[0] !== '.' && !(segment[0] === '\\' && segment[1] === '.') ? '(?!\\.)' : '';
  return new RegExp(`^${noDot}${re}$`, 's');
}

/** A segment without wildcards as the name it stands for (backslashes removed). */
const unescape = (segment: string) => segment.replace(/\\(.)/g, '$1');

/** Why `path` cannot be an `expect:` path (relative, empty, a directory), or null. */
export function globProblem(path: string): string | null {
  if (path.trim() === '') return 'expected an absolute file path or glob such as /var/backups/db-*.sql.gz, found an empty path';
  if (!path.startsWith('/')) return `"${path}" is relative; expected an absolute file path or glob such as /var/backups/db-*.sql.gz`;
  if (path.endsWith('/')) return `"${path}" ends with /; expected a file, not a directory`;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) return `"${path}" holds . or ..; write the path without them`;
  return null;
}

/** Compiles an absolute path or glob (globProblem(path) must be null). */
export function compileGlob(path: string): CompiledGlob {
  const parts = path.split('/').filter((p) => p !== '');
  const first = parts.findIndex(hasWildcard);
  const fixed = first < 0 ? parts.length - 1 : first;
  const root = `/${parts.slice(0, fixed).map(unescape).join('/')}`;
  const segments: GlobSegment[] = parts.slice(fixed).map((p) => (hasWildcard(p) ? { pattern: segmentPattern(p), text: p } : { literal: unescape(p) }));
  return { root, segments, wild: first >= 0 };
}

/** Whether one name matches one segment. */
export function segmentMatches(segment: GlobSegment, name: string): boolean {
  return 'literal' in segment ? segment.literal === name : segment.pattern.test(name);
}

/** Whether an absolute path matches the compiled glob (what the walk finds, said without a disk). */
export function globMatches(glob: CompiledGlob, path: string): boolean {
  const prefix = glob.root === '/' ? '/' : `${glob.root}/`;
  if (!path.startsWith(prefix)) return false;
  const names = path.slice(prefix.length).split('/');
  return names.length === glob.segments.length && names.every((n, i) => segmentMatches(glob.segments[i]!, n));
}
