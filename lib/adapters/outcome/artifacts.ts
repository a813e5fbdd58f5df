// The artifact checks' I/O: walking the directories an `expect:` path names to its newest file,
// and running a verifier on it. The decisions are lib/rules/outcome/expect.ts.

import { lstatSync, opendirSync, statSync, type Dir } from 'node:fs';
import { compileGlob, type CompiledGlob } from '../../rules/outcome/glob.ts';
import {
  DEFAULT_VERIFY_TIMEOUT_MS,
  WALK_LIMIT,
  artifactProblem,
  artifactResult,
  firstLine,
  sizeReference,
  verifyCommand,
  verifyLabel,
  verifyProblem,
  walkLimitReason,
  type FoundFile,
  type Lookup,
  type VerifyEnd,
} from '../../rules/outcome/expect.ts';
import type { ExpectRule } from '../../rules/outcome/rules.ts';
import type { ArtifactResult } from '../../rules/outcome/types.ts';
import { runChild } from '../run/child.ts';

/** Bytes of a verifier's stderr kept to find its first line. */
const STDERR_HEAD_BYTES = 4096;

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** A regular file's size and time, or null: a symlink counts only when it leads to a regular file. */
function regularFile(path: string): FoundFile | null {
  try {
    let st = lstatSync(path);
    if (st.isSymbolicLink()) st = statSync(path);
    return st.isFile() ? { file: path, size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch {
    return null;
  }
}

/**
 * The newest regular file the compiled path matches. Wildcard segments read their directory
 * (at most `limit` entries over the whole walk) and descend only into real directories, never
 * through a symlink; literal segments are joined without reading anything.
 */
export function findNewest(path: string, limit = WALK_LIMIT): Lookup {
  const glob: CompiledGlob = compileGlob(path);
  if (!glob.wild) {
    const one = join(glob.root, (glob.segments[0] as { literal: string }).literal);
    const found = regularFile(one);
    if (found) return { kind: 'found', found };
    try {
      lstatSync(one);
      return { kind: 'unreadable', reason: `${path} is not a regular file` };
    } catch (e) {
      return errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR' ? { kind: 'none' } : { kind: 'unreadable', reason: `cannot look at ${path}: ${errno(e)}` };
    }
  }
  let budget = limit;
  let refused: string | null = null;
  let paths = [glob.root];
  for (const [i, segment] of glob.segments.entries()) {
    const last = i === glob.segments.length - 1;
    const next: string[] = [];
    for (const dir of paths) {
      if ('literal' in segment) {
        next.push(join(dir, segment.literal));
        continue;
      }
      let handle: Dir;
      try {
        handle = opendirSync(dir);
      } catch (e) {
        const code = errno(e);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') refused ??= `cannot read ${dir}: ${code}`;
        continue;
      }
      try {
        for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
          if (--budget < 0) return { kind: 'unreadable', reason: walkLimitReason(path, limit) };
          if (!segment.pattern.test(entry.name)) continue;
          if (last || entry.isDirectory()) next.push(join(dir, entry.name));
        }
      } catch (e) {
        refused ??= `cannot read ${dir}: ${errno(e)}`;
      } finally {
        handle.closeSync();
      }
    }
    paths = next;
  }
  let newest: FoundFile | null = null;
  for (const candidate of paths) {
    const found = regularFile(candidate);
    if (found && (!newest || found.mtimeMs > newest.mtimeMs || (found.mtimeMs === newest.mtimeMs && found.file > newest.file))) newest = found;
  }
  if (newest) return { kind: 'found', found: newest };
  return refused ? { kind: 'unreadable', reason: `no file matches ${path} (${refused})` } : { kind: 'none' };
}

/** How a verifier runs: the job's environment, its time limit, whether hb's signals reach it. */
export interface VerifierOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Default 10 s after the TERM. */
  killAfterMs?: number;
  /** Relay SIGTERM, SIGINT and SIGHUP sent to hb (as they were relayed to the job). */
  forward?: boolean;
  /** Told the verifier's pid once it runs, in its own process group (hb daemon stops it as it stops a job). */
  onSpawn?: (pid: number) => void;
}

/** Runs a verifier on `file`, TERM then KILL after its time limit; its output is not passed on, only its stderr's first line kept. */
export async function runVerifier(verify: string | readonly string[], file: string, opts: VerifierOptions): Promise<VerifyEnd> {
  const { env, timeoutMs, killAfterMs } = opts;
  const { Writable } = await import('node:stream');
  let head = '';
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const stderr = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      if (head.length < STDERR_HEAD_BYTES) head += chunk.toString('utf8', 0, Math.min(chunk.length, STDERR_HEAD_BYTES - head.length));
      done();
    },
  });
  const child = await runChild({
    command: verifyCommand(verify, file),
    env,
    tailBytes: 0,
    timeoutMs,
    killAfterMs,
    stdout: discard,
    stderr,
    stdin: 'ignore',
    forward: opts.forward ?? false,
    onSpawn: opts.onSpawn,
  });
  return {
    code: child.exitCode,
    signal: child.signal,
    timedOut: child.timedOut,
    timeoutMs,
    notStarted: child.spawnError?.message ?? null,
    stderrLine: firstLine(head),
  };
}

/** What the run left, one entry per rule: found, judged, and verified when it passed the rest. */
export async function checkArtifacts(
  rules: readonly ExpectRule[],
  runStartedMs: number,
  previous: readonly ArtifactResult[] | null | undefined,
  verifier: Omit<VerifierOptions, 'timeoutMs' | 'killAfterMs'>,
): Promise<ArtifactResult[]> {
  const results: ArtifactResult[] = [];
  for (const rule of rules) {
    const lookup = findNewest(rule.path);
    const ref = sizeReference(rule.path, previous);
    let reason = artifactProblem(rule, lookup, runStartedMs, ref);
    if (reason === null && rule.verify !== undefined && lookup.kind === 'found') {
      const timeoutMs = rule.verifyTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
      const end = await runVerifier(rule.verify, lookup.found.file, { ...verifier, timeoutMs });
      reason = verifyProblem(verifyLabel(rule.verify, lookup.found.file), end);
    }
    results.push(artifactResult(rule, lookup, reason, ref));
  }
  return results;
}
