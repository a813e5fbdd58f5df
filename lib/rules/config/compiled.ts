// The compiled config: the validated tree as JSON lines, keyed by what it was built from, laid
// out so a run reads only the globals and its own jobs. Pure: the adapter
// (lib/adapters/config/cache.ts) reads and writes it.
//
//   line 1   header: {"hbc":FORMAT,"key":{…},"globals":{…},"count":N,"buckets":B,"index":[…B+1 offsets]}
//   then     one JSON line per job, [ordinal in the config, job], grouped by bucket (bucketOf(name, B)); bucket i is the bytes
//            index[i] .. index[i+1] after the header's newline.

import type { JobConfig, HbConfig } from './types.ts';
import { isMap } from './tree.ts';

/** The layout's number; a different one is never read. */
export const COMPILED_FORMAT = 2;

/** Jobs per bucket on average: a run parses about this many lines besides its own. */
const JOBS_PER_BUCKET = 8;

/**
 * A file changed this recently may change again with the same size and timestamps (the kernel
 * stamps files from a clock that advances every few ms, some file systems to the second): its
 * compiled form is not kept until it has been still this long.
 */
export const RACY_WINDOW_MS = 3_000;

/** What a compiled config was built from; all of it must match for the compiled form to be used. */
export interface CompiledKey {
  /** hb's version and build (its module file's size and mtime), and node's version (time-zone data). */
  build: string;
  /** The zone given to cron schedules without one. */
  tz: string;
  /** The config path as given (`config.file`), resolved, and the file the text is read from (the daemon's copy, or the same). */
  given: string;
  absolute: string;
  source: string;
  /** jobs.d beside the config and each of its files: identities as text ('' when there is no jobs.d). */
  parts: string;
  /** The source file's identity: device, inode, size, mtime and ctime in ns (as decimal text). */
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

const KEY_FIELDS = ['build', 'tz', 'given', 'absolute', 'source', 'parts', 'dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const;

/** The globals of a config: everything but its jobs. */
export type CompiledGlobals = Omit<HbConfig, 'jobs'>;

/** A compiled file's first line, read back. */
export interface CompiledHeader {
  key: CompiledKey;
  globals: CompiledGlobals;
  count: number;
  buckets: number;
  /** Byte offsets of each bucket after the header line, B+1 of them, ascending. */
  index: number[];
}

/** FNV-1a over the UTF-16 code units: which bucket a job's line is in. */
export function bucketOf(name: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % buckets;
}

/** The compiled file's name for one config as read from one place: stable across edits, so a new build replaces the old. */
export function compiledFileName(key: Pick<CompiledKey, 'given' | 'absolute' | 'source' | 'tz'>): string {
  const id = [key.given, key.absolute, key.source, key.tz].join('\0');
  const a = bucketOf(id, 0x100000000).toString(16).padStart(8, '0');
  const b = bucketOf(`${id}\0`, 0x100000000).toString(16).padStart(8, '0');
  return `${a}${b}.hbc`;
}

/** Whether a file whose ctime is `ctimeMs` is too fresh to key a compiled form by (see RACY_WINDOW_MS); a ctime ahead of the clock is too. */
export function isRacy(ctimeMs: number, nowMs: number): boolean {
  return nowMs - ctimeMs < RACY_WINDOW_MS;
}

/** Whether two keys are the same in every field. */
export function sameKey(a: CompiledKey, b: CompiledKey): boolean {
  return KEY_FIELDS.every((f) => a[f] === b[f]);
}

/** Whether `value` comes back from JSON exactly: plain maps and lists of text, finite numbers, booleans and null. */
export function jsonExact(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every((v) => v !== undefined && jsonExact(v));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  // An undefined field is left out by JSON and reads back as absent: the same to every reader.
  return Object.values(value).every((v) => v === undefined || jsonExact(v));
}

/**
 * The compiled text of a valid config, or null when some value would not come back from JSON
 * exactly (then nothing is kept and every run reads the YAML).
 */
export function encodeCompiled(key: CompiledKey, config: HbConfig): string | null {
  const { jobs, ...globals } = config;
  if (!jsonExact(globals)) return null;
  const buckets = Math.max(1, Math.ceil(jobs.size / JOBS_PER_BUCKET));
  const lines: string[][] = Array.from({ length: buckets }, () => []);
  let ordinal = 0;
  for (const job of jobs.values()) {
    if (!jsonExact(job)) return null;
    lines[bucketOf(job.name, buckets)]!.push(`${JSON.stringify([ordinal++, job])}\n`);
  }
  const bodies = lines.map((b) => b.join(''));
  const index = [0];
  let at = 0;
  for (const body of bodies) index.push((at += utf8Length(body)));
  const header = JSON.stringify({ hbc: COMPILED_FORMAT, key, globals, count: jobs.size, buckets, index });
  return `${header}\n${bodies.join('')}`;
}

/** The length of `text` in UTF-8 bytes (a lone surrogate, as JSON.stringify never leaves one, counts 3). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Reads a header line back: the header, or the reason it is not one hb can use. */
export function decodeHeader(line: string): CompiledHeader | string {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch (e) {
    return `header is not JSON (${(e as Error).message})`;
  }
  if (!isMap(h) || h.hbc !== COMPILED_FORMAT) return `expected a header of format ${COMPILED_FORMAT}`;
  const { key, globals, count, buckets, index } = h;
  if (!isMap(key) || !KEY_FIELDS.every((f) => typeof key[f] === 'string')) return 'header key is incomplete';
  if (!isMap(globals) || !isMap(globals.defaults) || !Array.isArray(globals.notify)) return 'header globals are incomplete';
  if (globals.file !== null && typeof globals.file !== 'string') return 'header globals are incomplete';
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return 'header count is not a whole number';
  if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < 1) return 'header buckets is not a whole number above 0';
  if (!Array.isArray(index) || index.length !== buckets + 1 || index[0] !== 0) return 'header index does not match its buckets';
  for (let i = 1; i < index.length; i++) {
    const v = index[i] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (index[i - 1] as number)) return 'header index is not ascending';
  }
  return { key: key as unknown as CompiledKey, globals: globals as unknown as CompiledGlobals, count, buckets, index: index as number[] };
}

/**
 * The jobs in a run of job lines (a bucket, or the whole body), each line `[ordinal, job]`: in
 * the config's order when `count` is given (the whole body: every ordinal below it exactly
 * once), else as found. Null when a line is not a job.
 */
export function decodeJobs(text: string, count?: number): JobConfig[] | null {
  const out: JobConfig[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let line: unknown;
    try {
      line = JSON.parse(text.slice(start, end));
    } catch {
      return null;
    }
    if (!Array.isArray(line) || line.length !== 2) return null;
    const [ordinal, job] = line as [unknown, unknown];
    if (!isMap(job) || typeof job.name !== 'string' || typeof ordinal !== 'number') return null;
    if (count === undefined) out.push(job as unknown as JobConfig);
    else {
      if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= count || out[ordinal] !== undefined) return null;
      out[ordinal] = job as unknown as JobConfig;
    }
    start = end + 1;
  }
  if (count !== undefined && out.length !== count) return null;
  return out;
}

/** The config from its globals and the jobs read (all of them, or only those a run asked for). */
export function configFrom(globals: CompiledGlobals, jobs: JobConfig[]): HbConfig {
  return { ...globals, jobs: new Map(jobs.map((j) => [j.name, j])) };
}
