// The compiled config on disk (`<state>/meta/config/*.hbc`, format in lib/rules/config/compiled.ts):
// a run whose config has not changed reads the globals and its own jobs from it instead of
// parsing the whole YAML. It is a cache, never trusted over the file: read only when it is a
// regular file of ours that nobody else can write, and only when its key matches the config as
// it is now; anything else is a miss, and the next build replaces it.

import { closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bucketOf,
  compiledFileName,
  configFrom,
  decodeHeader,
  decodeJobs,
  encodeCompiled,
  isRacy,
  sameKey,
  type CompiledKey,
} from '../../rules/config/compiled.ts';
import type { HbConfig } from '../../rules/config/types.ts';
import { STATE_DIR_MODE } from '../../rules/fs/modes.ts';
import { HB_VERSION } from '../../rules/version.ts';
import { writeAtomic } from '../fs/atomic.ts';
import { makeDirs } from '../fs/make-dirs.ts';
import { openReadNoFollow, readRange, type ReadHandle } from '../fs/no-follow.ts';
import { fragmentsIdentity } from './fragments.ts';

/** The folder of compiled configs in a state directory. */
export const compiledDir = (stateDir: string): string => join(stateDir, 'meta', 'config');

/** The most hb reads of a compiled config: far more than the largest config compiles to. */
const MAX_COMPILED_BYTES = 256 * 1024 * 1024;

/** What a run asks of the compiled config: the named jobs (and the globals), or the whole tree. */
export type ConfigWant = { jobs: string[] } | 'all';

/** Where a compiled config is kept and what it must have been built from. */
export interface CompiledPlace {
  file: string;
  key: CompiledKey;
  /** The newest ctime in ms of the source and its jobs.d, for the racy rule. */
  ctimeMs: number;
}

let stamp: string | null = null;

/** hb's build: its version, and the size and mtime of the module file this code runs from (any rebuild or upgrade changes it). */
function buildStamp(): string {
  if (stamp === null) {
    let file = 'unknown';
    try {
      const st = statSync(fileURLToPath(import.meta.url), { bigint: true });
      file = `${st.size}:${st.mtimeNs}`;
    } catch {
      // Not a file (an unusual loader): the version and node's still tell builds apart.
    }
    stamp = `${HB_VERSION}:${file}:node${process.versions.node}`;
  }
  return stamp;
}

/**
 * The compiled file and key for the config at `given` (`absolute` resolved) read from `source`,
 * or null when `source` cannot be looked at (the ordinary read then says why) or is not a regular file.
 */
export function compiledPlace(stateDir: string, given: string, absolute: string, source: string, tz: string): CompiledPlace | null {
  let st;
  try {
    st = statSync(source, { bigint: true });
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  const fragments = fragmentsIdentity(absolute);
  if (!fragments) return null;
  const key: CompiledKey = {
    build: buildStamp(),
    tz,
    given,
    absolute,
    source,
    parts: fragments.parts,
    dev: String(st.dev),
    ino: String(st.ino),
    size: String(st.size),
    mtimeNs: String(st.mtimeNs),
    ctimeNs: String(st.ctimeNs),
  };
  const ctimeMs = Math.max(Number(st.ctimeNs / 1_000_000n), fragments.newestCtimeMs);
  return { file: join(compiledDir(stateDir), compiledFileName(key)), key, ctimeMs };
}

/** Reads `length` bytes at `position`; null when the file is shorter. */
function readAt(fd: number, position: number, length: number): Buffer | null {
  const buf = readRange(fd, position, length);
  return buf.length === length ? buf : null;
}

/** Opens the compiled file only if it is a regular file owned by this user, with one link and no write bits for others. */
function openOwn(file: string): { fd: number; size: number } | null {
  let handle: ReadHandle;
  try {
    handle = openReadNoFollow(file);
  } catch {
    return null;
  }
  const st = handle.stats;
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
  if (st.uid !== uid || st.nlink !== 1 || (st.mode & 0o022) !== 0 || st.size > MAX_COMPILED_BYTES) {
    handle.close();
    return null;
  }
  return { fd: handle.fd, size: st.size };
}

/** The first line's bytes: read in growing chunks until its newline; null when there is none. */
function headerLine(fd: number, size: number): { text: string; end: number } | null {
  let chunk = 16 * 1024;
  for (;;) {
    const len = Math.min(chunk, size);
    const buf = readAt(fd, 0, len);
    if (!buf) return null;
    const nl = buf.indexOf(10);
    if (nl !== -1) return { text: buf.toString('utf8', 0, nl), end: nl + 1 };
    if (len === size) return null;
    chunk *= 4;
  }
}

/**
 * The config as compiled at `place`, or null (a miss) when there is none, it is not ours, its
 * key is not `place.key`, or it does not read back. `want` names the jobs to read (the globals
 * always come): the returned config then holds only those of them that exist.
 */
export function readCompiled(place: CompiledPlace, want: ConfigWant): HbConfig | null {
  const opened = openOwn(place.file);
  if (!opened) return null;
  const { fd, size } = opened;
  try {
    const line = headerLine(fd, size);
    if (!line) return null;
    const header = decodeHeader(line.text);
    if (typeof header === 'string' || !sameKey(header.key, place.key)) return null;
    const { index, buckets } = header;
    if (line.end + index[buckets]! !== size) return null;
    if (want === 'all') {
      const body = readAt(fd, line.end, size - line.end);
      const jobs = body && decodeJobs(body.toString('utf8'), header.count);
      return jobs ? configFrom(header.globals, jobs) : null;
    }
    const found = [];
    for (const name of new Set(want.jobs)) {
      const b = bucketOf(name, buckets);
      const bytes = readAt(fd, line.end + index[b]!, index[b + 1]! - index[b]!);
      const jobs = bytes && decodeJobs(bytes.toString('utf8'));
      if (!jobs) return null;
      const job = jobs.find((j) => j.name === name);
      if (job) found.push(job);
    }
    return configFrom(header.globals, found);
  } catch {
    // A file that cannot be read through is a miss like any other.
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps `config`, validated from the source as `place.key` describes it, compiled at
 * `place.file` (0600, atomically), unless the source changed too recently to be told apart from
 * a later edit (isRacy) or some value would not read back. Returns whether it was written; a
 * state directory that cannot be written (read-only, full) only leaves the next run uncached.
 */
export function writeCompiled(place: CompiledPlace, config: HbConfig, nowMs: number): boolean {
  if (isRacy(place.ctimeMs, nowMs)) return false;
  const text = encodeCompiled(place.key, config);
  if (text === null) return false;
  try {
    const dir = dirname(place.file);
    makeDirs(dirname(dir), STATE_DIR_MODE);
    makeDirs(dir, 0o700);
    writeAtomic(place.file, text, { fsync: false, mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
