// restoreFile (atomic, mode kept without setuid/setgid/sticky, no temp files, no symlink followed,
// acting as the user who controls the directory) and source: git against a real repository made
// in a temp directory.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecoverError } from '../../lib/rules/recover/error.ts';
import { gitEntry } from '../../lib/adapters/recover/git-source.ts';
import { hashFile } from '../../lib/adapters/recover/hash-file.ts';
import { sha256 } from '../../lib/rules/sha256.ts';
import { gitKnownGood, gitRepoOf, gitShow, restoreFile } from '../../lib/adapters/recover/restore.ts';
import { throwAwayUser } from '../helpers.ts';

/** hb as these tests run it: as root, it acts as the user who controls a directory. */
const ACTING = { root: process.getuid?.() === 0, node: process.execPath };
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'hb-recover-restore-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(tmp, `r${++n}`);
  mkdirSync(dir);
  return dir;
};
const modeOf = (p: string): number => statSync(p).mode & 0o7777;

describe('restoreFile', () => {
  test('replaces a file with the given bytes and mode, leaving no temp file', () => {
    const dir = fresh();
    const path = join(dir, 'app.conf');
    writeFileSync(path, 'broken');
    chmodSync(path, 0o644);
    const before = statSync(path).ino;
    assert.deepEqual(restoreFile(path, Buffer.from('good\n'), 0o640, ACTING), { target: path });
    assert.equal(readFileSync(path, 'utf8'), 'good\n');
    assert.equal(modeOf(path), 0o640);
    // Renamed into place, not written in place: a reader holding the old file saw no torn write.
    assert.notEqual(statSync(path).ino, before);
    assert.deepEqual(readdirSync(dir), ['app.conf']);
  });

  test('recreates a missing file with its mode, whatever the umask', () => {
    const dir = fresh();
    const path = join(dir, 'gone.conf');
    const old = process.umask(0o077);
    try {
      restoreFile(path, Buffer.from([0, 1, 2, 255]), 0o755, ACTING);
    } finally {
      process.umask(old);
    }
    assert.deepEqual(readFileSync(path), Buffer.from([0, 1, 2, 255]));
    assert.equal(modeOf(path), 0o755);
    assert.deepEqual(readdirSync(dir), ['gone.conf']);
  });

  test('keeps the owner of the file it replaces', () => {
    const dir = fresh();
    const path = join(dir, 'owned.conf');
    writeFileSync(path, 'x');
    const { uid, gid } = statSync(path);
    restoreFile(path, Buffer.from('y'), 0o600, ACTING);
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [uid, gid]);
  });

  test('never overwrites a directory, never creates a directory', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'conf.d'));
    assert.throws(
      () => restoreFile(join(dir, 'conf.d'), Buffer.from('x'), 0o644, ACTING),
      (e: unknown) => e instanceof RecoverError && /is a directory: not overwritten/.test(e.message),
    );
    assert.ok(statSync(join(dir, 'conf.d')).isDirectory());
    assert.throws(() => restoreFile(join(dir, 'nodir', 'a.conf'), Buffer.from('x'), 0o644, ACTING), /its directory .*nodir does not exist/);
    assert.deepEqual(readdirSync(dir), ['conf.d']);
  });
});

describe('no symlink is followed, no setuid bit is restored', () => {
  test('a guarded path that is a symlink is refused, and neither it nor its target changes', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'real.conf'), 'target');
    symlinkSync('real.conf', join(dir, 'link.conf'));
    assert.throws(
      () => restoreFile(join(dir, 'link.conf'), Buffer.from('x'), 0o644, ACTING),
      (e: unknown) => e instanceof RecoverError && /cannot restore .*link\.conf: is a symbolic link: hb never follows a link at a guarded path/.test(e.message),
    );
    assert.equal(readlinkSync(join(dir, 'link.conf')), 'real.conf');
    assert.equal(readFileSync(join(dir, 'real.conf'), 'utf8'), 'target');
  });

  test('a dangling symlink is refused: nothing is created where it points', () => {
    const dir = fresh();
    symlinkSync(join(dir, 'elsewhere', 'made.conf'), join(dir, 'link.conf'));
    mkdirSync(join(dir, 'elsewhere'));
    assert.throws(() => restoreFile(join(dir, 'link.conf'), Buffer.from('x'), 0o644, ACTING), /is a symbolic link/);
    assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
    assert.deepEqual(hashFile(join(dir, 'link.conf'), ACTING), { error: 'is a symbolic link: hb never follows a link at a guarded path', unsafe: true });
  });

  test('a symlinked directory on the way, in directories only root controls, is followed', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'a.conf'), 'old');
    symlinkSync('real', join(dir, 'alias'));
    assert.deepEqual(restoreFile(join(dir, 'alias', 'a.conf'), Buffer.from('new'), 0o644, ACTING), { target: join(dir, 'real', 'a.conf') });
    assert.equal(readFileSync(join(dir, 'real', 'a.conf'), 'utf8'), 'new');
    assert.ok(lstatSync(join(dir, 'alias')).isSymbolicLink());
  });

  test('an old snapshot holding 4755 restores as 0755', () => {
    const dir = fresh();
    const path = join(dir, 'tool');
    restoreFile(path, Buffer.from('#!/bin/sh\n'), 0o4755, ACTING);
    assert.equal(modeOf(path), 0o755);
    writeFileSync(path, 'x');
    restoreFile(path, Buffer.from('#!/bin/sh\n'), 0o6775, ACTING);
    assert.equal(modeOf(path), 0o775);
  });

  test('a file that is setuid now is read with its setuid bit dropped', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'tool'), 'x');
    chmodSync(join(dir, 'tool'), 0o4755);
    const h = hashFile(join(dir, 'tool'), ACTING);
    assert.ok('mode' in h && h.mode === 0o755, JSON.stringify(h));
  });

  test('a directory anyone can write is refused for reading and for restoring', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'open'));
    chmodSync(join(dir, 'open'), 0o777);
    writeFileSync(join(dir, 'open', 'a.conf'), 'x');
    const h = hashFile(join(dir, 'open', 'a.conf'), ACTING);
    assert.ok('error' in h && h.unsafe === true && /open is writable by every user \(mode 0777\) without the sticky bit/.test(h.error), JSON.stringify(h));
    assert.throws(() => restoreFile(join(dir, 'open', 'a.conf'), Buffer.from('y'), 0o644, ACTING), /writable by every user/);
    assert.equal(readFileSync(join(dir, 'open', 'a.conf'), 'utf8'), 'x');
  });

  test(
    'a directory owned by a uid nobody has is refused: hb acts only as a known user',
    { skip: process.getuid?.() === 0 ? false : 'needs root to chown' },
    () => {
      const dir = fresh();
      mkdirSync(join(dir, 'orphan'));
      chownSync(join(dir, 'orphan'), 4_000_000, 4_000_000);
      assert.throws(() => restoreFile(join(dir, 'orphan', 'a.conf'), Buffer.from('y'), 0o644, ACTING), /uid 4000000, which has no entry in the user database/);
      assert.deepEqual(readdirSync(join(dir, 'orphan')), []);
    },
  );
});

describe('a directory another user controls: hb acts as that user', () => {
  test("the restore is that user's: owned by them, and nothing they could not write", (t) => {
    const user = throwAwayUser(t, 'hbsec-rc-unit', { home: true });
    if (!user) return;
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    const home = `/home/${user}`;
    const dir = join(home, 'agent');
    mkdirSync(dir);
    chownSync(dir, uid, gid);
    // A root-owned file in the agent's directory: the agent could rename it away, so it is the agent's to replace.
    writeFileSync(join(dir, 'a.conf'), 'root wrote this');
    restoreFile(join(dir, 'a.conf'), Buffer.from('good'), 0o4750, ACTING);
    const st = statSync(join(dir, 'a.conf'));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [uid, gid, 0o750]);
    assert.equal(readFileSync(join(dir, 'a.conf'), 'utf8'), 'good');
    const h = hashFile(join(dir, 'a.conf'), ACTING);
    assert.ok('sha256' in h && h.sha256 === sha256(Buffer.from('good')), JSON.stringify(h));
    // A root-only directory below the agent's: the agent cannot write it, so neither does the restore.
    mkdirSync(join(dir, 'sealed'), { mode: 0o700 });
    assert.throws(
      () => restoreFile(join(dir, 'sealed', 'b.conf'), Buffer.from('x'), 0o644, ACTING),
      (e: unknown) => e instanceof RecoverError && /permission denied/.test(e.message),
    );
    assert.deepEqual(readdirSync(join(dir, 'sealed')), []);
    // Nor does reading one: the agent cannot read a 0600 root file, so hb does not read it for the agent.
    writeFileSync(join(dir, 'secret'), 'root only', { mode: 0o600 });
    assert.deepEqual(hashFile(join(dir, 'secret'), ACTING), { error: 'permission denied' });
  });
});

describe('source: git', () => {
  let repo = '';
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { env, stdio: 'pipe' });

  before(() => {
    repo = fresh();
    git('init', '-q');
    git('config', 'user.name', 'hb test');
    git('config', 'user.email', 'hb@example.invalid');
    mkdirSync(join(repo, 'etc'));
    writeFileSync(join(repo, 'etc', 'app.conf'), 'committed\n');
    writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(repo, 'run.sh'), 0o755);
    git('add', '.');
    git('commit', '-q', '-m', 'known good');
    writeFileSync(join(repo, 'etc', 'app.conf'), 'edited and broken\n');
  });

  test('gitRepoOf finds the repository and the path inside it', async () => {
    assert.deepEqual(await gitRepoOf(join(repo, 'etc', 'app.conf'), { env }), { root: repo, relPath: 'etc/app.conf' });
  });

  test('gitShow returns the committed bytes, not the edited file', async () => {
    assert.deepEqual(await gitShow(repo, 'HEAD', 'etc/app.conf', { env }), Buffer.from('committed\n'));
    assert.equal(readFileSync(join(repo, 'etc', 'app.conf'), 'utf8'), 'edited and broken\n');
  });

  test('gitEntry gives the committed mode', async () => {
    assert.deepEqual(await gitEntry(repo, 'HEAD', 'run.sh', { env }), { mode: 0o755 });
    assert.deepEqual(await gitEntry(repo, 'HEAD', 'etc/app.conf', { env }), { mode: 0o644 });
  });

  test('clear errors: not in the ref, a directory, a bad ref, not a repository, no git', async () => {
    await assert.rejects(gitShow(repo, 'HEAD', 'etc/new.conf', { env }), /etc\/new\.conf at HEAD in .*: no such file in that ref/);
    await assert.rejects(gitShow(repo, 'HEAD', 'etc', { env }), /etc at HEAD .* is a directory, not a file/);
    await assert.rejects(
      gitShow(repo, 'no-such-branch', 'etc/app.conf', { env }),
      /git ls-tree failed for etc\/app\.conf: fatal: Not a valid object name no-such-branch/,
    );
    await assert.rejects(gitShow(repo, '--output=/tmp/x', 'etc/app.conf', { env }), /cannot start with -/);
    const outside = fresh();
    writeFileSync(join(outside, 'x.conf'), 'x');
    await assert.rejects(gitRepoOf(join(outside, 'x.conf'), { env }), /x\.conf is not inside a git repository: fatal: not a git repository/);
    await assert.rejects(
      gitShow(repo, 'HEAD', 'etc/app.conf', { env: { PATH: join(tmp, 'empty-path') } }),
      (e: unknown) => e instanceof RecoverError && e.code === 'ENOENT' && /git is not installed/.test(e.message),
    );
  });

  test("gitKnownGood builds the planner's manifest, keeping a file's current mode without setuid, refusing a symlink", async () => {
    chmodSync(join(repo, 'etc', 'app.conf'), 0o600);
    chmodSync(join(repo, 'run.sh'), 0o4755);
    const outside = fresh();
    symlinkSync(join(repo, 'run.sh'), join(outside, 'run-link'));
    const paths = [join(repo, 'etc', 'app.conf'), join(repo, 'run.sh'), join(outside, 'run-link'), join(repo, 'etc', 'untracked.conf')];
    const { manifest, contents, problems } = await gitKnownGood(paths, 'HEAD', 'app', Date.parse('2024-06-01T12:00:00Z'), { env });
    assert.deepEqual(manifest, {
      v: 1,
      id: 'git HEAD',
      job: 'app',
      taken_at: '2024-06-01T12:00:00.000Z',
      files: [
        { path: paths[0], sha256: sha256(Buffer.from('committed\n')), size: 10, mode: 0o600 },
        { path: paths[1], sha256: sha256(Buffer.from('#!/bin/sh\n')), size: 10, mode: 0o755 },
      ],
    });
    assert.deepEqual(contents.get(sha256(Buffer.from('committed\n'))), Buffer.from('committed\n'));
    assert.deepEqual(
      problems.map((p) => p.path),
      [paths[2], paths[3]],
    );
    assert.match(problems[0]!.message, /run-link is a symbolic link: hb never follows a link at a guarded path/);
    assert.match(problems[1]!.message, /no such file in that ref/);
  });
});
