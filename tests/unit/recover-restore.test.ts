// restoreFile (atomic, mode kept, no temp files, the symlink rule) and source: git against a
// real repository made in a temp directory.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecoverError } from '../../lib/recover/error.ts';
import { gitEntry } from '../../lib/recover/git-source.ts';
import { hashFile, sha256 } from '../../lib/recover/hash-file.ts';
import { gitKnownGood, gitRepoOf, gitShow, resolveWriteTarget, restoreFile } from '../../lib/recover/restore.ts';

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
    assert.deepEqual(restoreFile(path, Buffer.from('good\n'), 0o640), { target: path });
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
      restoreFile(path, Buffer.from([0, 1, 2, 255]), 0o755);
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
    restoreFile(path, Buffer.from('y'), 0o600);
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [uid, gid]);
  });

  test('never overwrites a directory, never creates a directory', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'conf.d'));
    assert.throws(() => restoreFile(join(dir, 'conf.d'), Buffer.from('x'), 0o644), (e: unknown) => e instanceof RecoverError && /is a directory: not overwritten/.test(e.message));
    assert.ok(statSync(join(dir, 'conf.d')).isDirectory());
    assert.throws(() => restoreFile(join(dir, 'nodir', 'a.conf'), Buffer.from('x'), 0o644), /its directory .*nodir does not exist/);
    assert.deepEqual(readdirSync(dir), ['conf.d']);
  });
});

describe('the symlink rule: follow, rewrite the target, keep the link', () => {
  test('a relative link, through a chain', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'available'));
    writeFileSync(join(dir, 'available', 'site'), 'broken');
    chmodSync(join(dir, 'available', 'site'), 0o644);
    symlinkSync('available/site', join(dir, 'enabled-site'));
    mkdirSync(join(dir, 'enabled'));
    symlinkSync('../enabled-site', join(dir, 'enabled', 'site'));
    const guarded = join(dir, 'enabled', 'site');
    assert.equal(resolveWriteTarget(guarded), join(dir, 'available', 'site'));
    assert.deepEqual(restoreFile(guarded, Buffer.from('good'), 0o600), { target: join(dir, 'available', 'site') });
    assert.ok(lstatSync(guarded).isSymbolicLink());
    assert.equal(readlinkSync(guarded), '../enabled-site');
    assert.equal(readFileSync(join(dir, 'available', 'site'), 'utf8'), 'good');
    assert.equal(modeOf(join(dir, 'available', 'site')), 0o600);
    // What hashFile saw through the link is what was restored.
    const h = hashFile(guarded);
    assert.ok('sha256' in h && h.sha256 === sha256(Buffer.from('good')));
    assert.deepEqual(readdirSync(join(dir, 'available')), ['site']);
  });

  test('.. in a link under a symlinked directory climbs from where the link really is', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'real', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'real', 'target.conf'), 'old');
    symlinkSync('../target.conf', join(dir, 'real', 'sub', 'link.conf'));
    symlinkSync(join(dir, 'real', 'sub'), join(dir, 'alias'));
    assert.equal(resolveWriteTarget(join(dir, 'alias', 'link.conf')), join(dir, 'real', 'target.conf'));
    restoreFile(join(dir, 'alias', 'link.conf'), Buffer.from('new'), 0o644);
    assert.equal(readFileSync(join(dir, 'real', 'target.conf'), 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir).sort(), ['alias', 'real']);
  });

  test('a dangling link gets its target back', () => {
    const dir = fresh();
    symlinkSync(join(dir, 'real.conf'), join(dir, 'link.conf'));
    restoreFile(join(dir, 'link.conf'), Buffer.from('back'), 0o644);
    assert.ok(lstatSync(join(dir, 'link.conf')).isSymbolicLink());
    assert.equal(readFileSync(join(dir, 'real.conf'), 'utf8'), 'back');
  });

  test('a loop is refused', () => {
    const dir = fresh();
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    assert.throws(() => restoreFile(join(dir, 'a'), Buffer.from('x'), 0o644), (e: unknown) => e instanceof RecoverError && e.code === 'ELOOP');
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
    await assert.rejects(gitShow(repo, 'no-such-branch', 'etc/app.conf', { env }), /git ls-tree failed for etc\/app\.conf: fatal: Not a valid object name no-such-branch/);
    await assert.rejects(gitShow(repo, '--output=/tmp/x', 'etc/app.conf', { env }), /cannot start with -/);
    const outside = fresh();
    writeFileSync(join(outside, 'x.conf'), 'x');
    await assert.rejects(gitRepoOf(join(outside, 'x.conf'), { env }), /x\.conf is not inside a git repository: fatal: not a git repository/);
    await assert.rejects(gitShow(repo, 'HEAD', 'etc/app.conf', { env: { PATH: join(tmp, 'empty-path') } }), (e: unknown) => e instanceof RecoverError && e.code === 'ENOENT' && /git is not installed/.test(e.message));
  });

  test('gitKnownGood builds the planner\'s manifest, keeping a file\'s current mode', async () => {
    chmodSync(join(repo, 'etc', 'app.conf'), 0o600);
    const outside = fresh();
    symlinkSync(join(repo, 'run.sh'), join(outside, 'run-link'));
    const paths = [join(repo, 'etc', 'app.conf'), join(outside, 'run-link'), join(repo, 'etc', 'untracked.conf')];
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
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, paths[2]);
    assert.match(problems[0]!.message, /no such file in that ref/);
  });
});
