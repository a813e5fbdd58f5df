// `source: git`: the known-good content of a guarded file is what a git ref holds, read with
// `git show <ref>:<path>` in the repository that contains the file. A guarded path that is a
// symbolic link is refused, as everywhere in recovery.

import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { RecoverError } from '../../rules/recover/error.ts';
import { sha256 } from '../../rules/sha256.ts';
import { MAX_GUARDED_BYTES } from './hash-file.ts';
import { safeMode } from '../../rules/recover/safe-mode.ts';
import type { Manifest, ManifestFile } from '../../rules/recover/types.ts';

/** How git is run: its whole environment (nothing inherited behind the caller's back) and a limit per call. */
export interface GitOptions {
  env: NodeJS.ProcessEnv;
  /** Default 10 s. */
  timeoutMs?: number;
}

/** The repository containing `file` (its directory's links resolved, not its own) and the file's path inside it. */
export async function gitRepoOf(file: string, opts: GitOptions): Promise<{ root: string; relPath: string }> {
  let dir: string;
  try {
    // git reports its top level with symlinks resolved: resolve the directory the same way.
    dir = realpathSync(dirname(file));
  } catch {
    throw new RecoverError(`${file}: directory ${dirname(file)} does not exist`, file, 'ENOENT');
  }
  const root = (await git(['-C', dir, 'rev-parse', '--show-toplevel'], opts, file)).toString('utf8').trim();
  const relPath = posix.relative(root, join(dir, basename(file)));
  if (relPath === '' || relPath.startsWith('../')) throw new RecoverError(`${file} is not inside the repository ${root}`, file);
  return { root, relPath };
}

/** Git's entry for `relPath` at `ref`: refuses anything but a regular file (a tree, a symlink, a submodule). */
export async function gitEntry(repoDir: string, ref: string, relPath: string, opts: GitOptions): Promise<{ mode: number }> {
  const where = `${relPath} at ${ref} in ${repoDir}`;
  const out = (await git(['-C', repoDir, 'ls-tree', '-z', ref, '--', relPath], opts, relPath)).toString('utf8');
  const m = /^(\d{6}) (\w+) [0-9a-f]+\t/.exec(out);
  if (!m) throw new RecoverError(`${where}: no such file in that ref`, relPath);
  if (m[2] !== 'blob' || m[1] === '120000') {
    throw new RecoverError(`${where} is ${m[1] === '120000' ? 'a symlink' : m[2] === 'tree' ? 'a directory' : `a ${m[2]}`}, not a file`, relPath);
  }
  return { mode: m[1] === '100755' ? 0o755 : 0o644 };
}

/** The bytes `relPath` has at `ref` in the repository at `repoDir`; a clear RecoverError otherwise. */
export async function gitShow(repoDir: string, ref: string, relPath: string, opts: GitOptions): Promise<Buffer> {
  if (ref.startsWith('-')) throw new RecoverError(`git ref "${ref}" cannot start with -`);
  await gitEntry(repoDir, ref, relPath, opts);
  return git(['-C', repoDir, 'show', '--no-textconv', `${ref}:${relPath}`], opts, relPath);
}

/**
 * The known-good set for the planner from git: a manifest of every path that could be read, their
 * bytes by hash, and why the others could not. A file's mode is its current one (a 0600 secret
 * stays 0600) without setuid, setgid or sticky bits, or git's (0755/0644) when it is missing.
 */
export async function gitKnownGood(
  paths: string[],
  ref: string,
  job: string,
  nowMs: number,
  opts: GitOptions,
): Promise<{
  manifest: Manifest | null;
  contents: Map<string, Buffer>;
  problems: Array<{ path: string; message: string }>;
}> {
  const files: ManifestFile[] = [];
  const contents = new Map<string, Buffer>();
  const problems: Array<{ path: string; message: string }> = [];
  for (const path of paths) {
    try {
      if (isLink(path)) throw new RecoverError(`${path} is a symbolic link: hb never follows a link at a guarded path`, path, 'ELOOP');
      const { root, relPath } = await gitRepoOf(path, opts);
      const { mode: gitMode } = await gitEntry(root, ref, relPath, opts);
      const content = await gitShow(root, ref, relPath, opts);
      const sha = sha256(content);
      contents.set(sha, content);
      files.push({ path, sha256: sha, size: content.length, mode: currentMode(path) ?? gitMode });
    } catch (e) {
      problems.push({ path, message: (e as Error).message });
    }
  }
  const manifest: Manifest | null = files.length > 0 ? { v: 1, id: `git ${ref}`, job, taken_at: new Date(nowMs).toISOString(), files } : null;
  return { manifest, contents, problems };
}

function currentMode(path: string): number | null {
  try {
    const st = lstatSync(path);
    return st.isFile() ? safeMode(st.mode) : null;
  } catch {
    return null;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs git; its failures become RecoverErrors that say what git said. */
async function git(args: string[], opts: GitOptions, subject: string): Promise<Buffer> {
  // Loaded here: only a failed check with source: git runs git.
  const { execFile } = await import('node:child_process');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      args,
      {
        encoding: 'buffer',
        env: { ...opts.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_GUARDED_BYTES + 1,
      },
      (err, stdout, stderr) => {
        if (!err) return resolvePromise(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT') return reject(new RecoverError('git is not installed (or not on PATH): source: git needs it', subject, 'ENOENT'));
        if (e.killed) return reject(new RecoverError(`git ${args[2]} did not finish within ${timeoutMs} ms`, subject, 'ETIMEDOUT'));
        const said = stderr.toString('utf8').trim().split('\n')[0] || `exit ${String(e.code)}`;
        const meaning = /not a git repository/.test(said) ? `${subject} is not inside a git repository` : `git ${args[2]} failed for ${subject}`;
        reject(new RecoverError(`${meaning}: ${said}`, subject));
      },
    );
  });
}
