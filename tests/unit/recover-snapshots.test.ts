// The snapshot store, hashFile and the restart history, on a real temp directory: owner-only
// modes, blobs before manifests, skipping damaged snapshots, keep-N pruning, hash-checked reads.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RecoverError } from '../../lib/rules/recover/error.ts';
import { currentOf, hashFile } from '../../lib/adapters/recover/hash-file.ts';
import { sha256 } from '../../lib/rules/sha256.ts';
import { appendRestart, pruneRestarts, readRestarts, restartsPath } from '../../lib/adapters/recover/restarts.ts';
import { latestSnapshot, manifestOf, pruneSnapshots, readBlob, takeSnapshot } from '../../lib/adapters/recover/snapshots.ts';
import { jobRecoverDir } from '../../lib/rules/recover/paths.ts';

/** hb as these tests run it: as root, it acts as the user who controls a directory. */
const ACTING = { root: process.getuid?.() === 0, node: process.execPath };
const tmp = mkdtempSync(join(tmpdir(), 'hb-recover-snap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(tmp, `s${++n}`);
  mkdirSync(dir);
  return dir;
};
const T0 = Date.parse('2024-06-01T12:00:00Z');
const file = (path: string, text: string, mode = 0o644) => ({ path, content: Buffer.from(text), mode });
const modeOf = (p: string): number => statSync(p).mode & 0o777;

describe('takeSnapshot', () => {
  test('writes blobs and a manifest, owner-only', () => {
    const state = fresh();
    const { manifest, pruned } = takeSnapshot(state, 'app', [file('/etc/a.conf', 'alpha', 0o640), file('/etc/b.conf', 'beta')], T0, 5);
    assert.deepEqual(pruned, []);
    assert.equal(manifest.id, '2024-06-01T120000.000Z');
    assert.deepEqual(manifest, manifestOf(manifest.id, 'app', T0, [file('/etc/a.conf', 'alpha', 0o640), file('/etc/b.conf', 'beta')]));
    assert.deepEqual(manifest.files[0], { path: '/etc/a.conf', sha256: sha256(Buffer.from('alpha')), size: 5, mode: 0o640 });
    const root = jobRecoverDir(state, 'app');
    for (const dir of [join(state, 'recover'), root, join(root, 'blobs'), join(root, 'snapshots'), join(root, 'snapshots', manifest.id)]) {
      assert.equal(modeOf(dir), 0o700, dir);
    }
    const manifestFile = join(root, 'snapshots', manifest.id, 'manifest.json');
    assert.equal(modeOf(manifestFile), 0o600);
    assert.deepEqual(JSON.parse(readFileSync(manifestFile, 'utf8')), manifest);
    for (const f of manifest.files) assert.equal(modeOf(join(root, 'blobs', f.sha256)), 0o600);
    assert.deepEqual(readBlob(state, 'app', manifest.files[0].sha256), Buffer.from('alpha'));
    // No temp files left anywhere.
    assert.deepEqual(readdirSync(join(root, 'blobs')).sort(), manifest.files.map((f) => f.sha256).sort());
    assert.deepEqual(readdirSync(join(root, 'snapshots', manifest.id)), ['manifest.json']);
  });

  test('tightens a directory that already exists with a looser mode', () => {
    const state = fresh();
    mkdirSync(join(state, 'recover', 'app'), { recursive: true, mode: 0o755 });
    chmodSync(join(state, 'recover'), 0o755);
    takeSnapshot(state, 'app', [file('/a', 'x')], T0, 5);
    assert.equal(modeOf(join(state, 'recover')), 0o700);
    assert.equal(modeOf(join(state, 'recover', 'app')), 0o700);
  });

  test('same content is one blob shared by snapshots', () => {
    const state = fresh();
    takeSnapshot(state, 'app', [file('/a', 'same'), file('/b', 'one')], T0, 5);
    takeSnapshot(state, 'app', [file('/a', 'same'), file('/b', 'two')], T0 + 1000, 5);
    assert.equal(readdirSync(join(jobRecoverDir(state, 'app'), 'blobs')).length, 3);
  });

  test('snapshots taken in the same millisecond get distinct ids, in order', () => {
    const state = fresh();
    const ids = Array.from({ length: 12 }, (_, i) => takeSnapshot(state, 'app', [file('/a', `v${i}`)], T0, 20).manifest.id);
    assert.equal(new Set(ids).size, 12);
    assert.equal(ids[11], '2024-06-01T120000.000Z-11');
    assert.equal(latestSnapshot(state, 'app').manifest?.id, ids[11]);
  });

  test('keeps the newest N and only the blobs they name', () => {
    const state = fresh();
    const taken = [];
    for (let i = 0; i < 7; i++) taken.push(takeSnapshot(state, 'app', [file('/a', `a${i}`), file('/b', 'b')], T0 + i * 60_000, 3));
    assert.deepEqual(taken[6]!.pruned, [taken[3]!.manifest.id]);
    const root = jobRecoverDir(state, 'app');
    assert.deepEqual(
      readdirSync(join(root, 'snapshots')).sort(),
      taken.slice(4).map((t) => t.manifest.id),
    );
    const wanted = new Set(taken.slice(4).flatMap((t) => t.manifest.files.map((f) => f.sha256)));
    assert.deepEqual(new Set(readdirSync(join(root, 'blobs'))), wanted);
  });

  test('keep below 1 still keeps the snapshot just taken', () => {
    const state = fresh();
    takeSnapshot(state, 'app', [file('/a', 'one')], T0, 1);
    const { manifest } = takeSnapshot(state, 'app', [file('/a', 'two')], T0 + 1, 0);
    assert.equal(latestSnapshot(state, 'app').manifest?.id, manifest.id);
    assert.equal(readdirSync(join(jobRecoverDir(state, 'app'), 'snapshots')).length, 1);
  });

  test('refuses a job name that is not one, and a path listed twice', () => {
    assert.throws(() => takeSnapshot(fresh(), '../evil', [file('/a', 'x')], T0, 5), /invalid job name/);
    assert.throws(() => takeSnapshot(fresh(), 'app', [file('/a', 'x'), file('/a', 'y')], T0, 5), RecoverError);
  });
});

describe('latestSnapshot', () => {
  test('none yet', () => {
    assert.deepEqual(latestSnapshot(fresh(), 'app'), { manifest: null, skipped: [] });
  });

  test('skips a manifest whose blob is missing, and says so', () => {
    const state = fresh();
    const first = takeSnapshot(state, 'app', [file('/a', 'good')], T0, 5).manifest;
    const second = takeSnapshot(state, 'app', [file('/a', 'newer')], T0 + 1000, 5).manifest;
    unlinkSync(join(jobRecoverDir(state, 'app'), 'blobs', second.files[0]!.sha256));
    const { manifest, skipped } = latestSnapshot(state, 'app');
    assert.equal(manifest?.id, first.id);
    assert.deepEqual(skipped, [{ id: second.id, reason: `blob ${second.files[0]!.sha256.slice(0, 12)} of /a is missing` }]);
  });

  test('skips a torn or foreign manifest, a crash before the manifest, and a truncated blob', () => {
    const state = fresh();
    const root = jobRecoverDir(state, 'app');
    const good = takeSnapshot(state, 'app', [file('/a', 'good')], T0, 10).manifest;
    const truncated = takeSnapshot(state, 'app', [file('/a', 'will be cut')], T0 + 1, 10).manifest;
    const foreign = takeSnapshot(state, 'app', [file('/a', 'x')], T0 + 2, 10).manifest;
    const torn = takeSnapshot(state, 'app', [file('/a', 'y')], T0 + 3, 10).manifest;
    // Damage after the fact (the next snapshot's pruning would clear them away).
    writeFileSync(join(root, 'blobs', truncated.files[0]!.sha256), 'will');
    writeFileSync(join(root, 'snapshots', foreign.id, 'manifest.json'), JSON.stringify({ ...foreign, id: 'other' }));
    writeFileSync(join(root, 'snapshots', torn.id, 'manifest.json'), '{"v":1,"id":');
    mkdirSync(join(root, 'snapshots', '2024-06-01T120001.000Z'));
    const { manifest, skipped } = latestSnapshot(state, 'app');
    assert.equal(manifest?.id, good.id);
    assert.deepEqual(
      skipped.map((s) => s.reason),
      [
        'no manifest',
        'manifest is not valid JSON',
        'manifest is not a v1 manifest for this snapshot',
        `blob ${truncated.files[0]!.sha256.slice(0, 12)} of /a has 4 bytes, expected 11`,
      ],
    );
  });

  test('pruning keeps valid snapshots even when newer ones are damaged', () => {
    const state = fresh();
    const root = jobRecoverDir(state, 'app');
    const good = takeSnapshot(state, 'app', [file('/a', 'good')], T0, 5).manifest;
    const bad = takeSnapshot(state, 'app', [file('/a', 'bad')], T0 + 1, 5).manifest;
    writeFileSync(join(root, 'snapshots', bad.id, 'manifest.json'), 'garbage');
    assert.deepEqual(pruneSnapshots(state, 'app', 1), [bad.id]);
    assert.equal(latestSnapshot(state, 'app').manifest?.id, good.id);
    assert.deepEqual(readdirSync(join(root, 'blobs')), [good.files[0]!.sha256]);
  });
});

describe('readBlob', () => {
  test('verifies the hash on read', () => {
    const state = fresh();
    const m = takeSnapshot(state, 'app', [file('/a', 'original')], T0, 5).manifest;
    const sha = m.files[0]!.sha256;
    writeFileSync(join(jobRecoverDir(state, 'app'), 'blobs', sha), 'tampered');
    assert.throws(
      () => readBlob(state, 'app', sha),
      (e: unknown) => e instanceof RecoverError && /is corrupt: its content hashes to/.test(e.message),
    );
  });

  test('a missing blob and a name that is no hash are errors', () => {
    const state = fresh();
    assert.throws(
      () => readBlob(state, 'app', 'f'.repeat(64)),
      (e: unknown) => e instanceof RecoverError && e.code === 'ENOENT',
    );
    assert.throws(() => readBlob(state, 'app', '../../etc/passwd'), /not a sha256/);
  });

  test('a damaged blob is rewritten by the next snapshot of the same content', () => {
    const state = fresh();
    const sha = takeSnapshot(state, 'app', [file('/a', 'content')], T0, 5).manifest.files[0]!.sha256;
    writeFileSync(join(jobRecoverDir(state, 'app'), 'blobs', sha), 'rotten!');
    takeSnapshot(state, 'app', [file('/a', 'content')], T0 + 1, 5);
    assert.deepEqual(readBlob(state, 'app', sha), Buffer.from('content'));
  });
});

describe('hashFile', () => {
  const dir = fresh();
  const p = (name: string) => join(dir, name);
  writeFileSync(p('f'), 'hello', { mode: 0o640 });
  chmodSync(p('f'), 0o640);
  mkdirSync(p('d'));
  symlinkSync('f', p('link'));
  symlinkSync('nowhere', p('dangling'));

  test('a regular file: hash, size, mode and the bytes hashed', () => {
    const r = hashFile(p('f'), ACTING);
    assert.ok('sha256' in r);
    assert.deepEqual([r.sha256, r.size, r.mode, r.content.toString()], [sha256(Buffer.from('hello')), 5, 0o640, 'hello']);
    assert.deepEqual(currentOf(p('f'), r), { path: p('f'), sha256: r.sha256 });
  });

  test('missing is missing', () => {
    assert.deepEqual(hashFile(p('absent'), ACTING), { missing: true });
    assert.deepEqual(currentOf('/x', { missing: true }), { path: '/x', sha256: null });
  });

  test('a symlink, dangling or not, is never followed: an error that says so', () => {
    for (const name of ['link', 'dangling']) {
      assert.deepEqual(hashFile(p(name), ACTING), { error: 'is a symbolic link: hb never follows a link at a guarded path', unsafe: true });
    }
  });

  test('a directory, a FIFO and a file under a file are errors, not missing', () => {
    assert.deepEqual(hashFile(p('d'), ACTING), { error: 'is a directory' });
    assert.deepEqual(currentOf('/x', { error: 'is a directory' }), { path: '/x', sha256: null, error: 'is a directory' });
    assert.equal(spawnSync('mkfifo', [p('fifo')]).status, 0);
    assert.deepEqual(hashFile(p('fifo'), ACTING), { error: 'not a regular file' });
    assert.deepEqual(hashFile(join(p('f'), 'below'), ACTING), { error: 'a parent of it is not a directory' });
  });

  test('an unreadable file is an error', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, () => {
    writeFileSync(p('secret'), 'x');
    chmodSync(p('secret'), 0o000);
    assert.deepEqual(hashFile(p('secret'), ACTING), { error: 'permission denied' });
  });
});

describe('restart history', () => {
  test('append, read back, owner-only', () => {
    const state = fresh();
    assert.deepEqual(readRestarts(state, 'app'), { restarts: [], problem: null });
    appendRestart(state, 'app', T0);
    assert.deepEqual(appendRestart(state, 'app', T0 + 1000), [T0, T0 + 1000]);
    assert.deepEqual(readRestarts(state, 'app'), { restarts: [T0, T0 + 1000], problem: null });
    assert.equal(modeOf(restartsPath(state, 'app')), 0o600);
    assert.equal(modeOf(jobRecoverDir(state, 'app')), 0o700);
    assert.deepEqual(readdirSync(jobRecoverDir(state, 'app')), ['restarts.json']);
  });

  test('keeps a day and at most 100, oldest first', () => {
    const day = 86_400_000;
    assert.deepEqual(pruneRestarts([T0 - day, T0 - day + 1, T0 + 5, T0, Number.NaN], T0), [T0 - day + 1, T0, T0 + 5]);
    const many = Array.from({ length: 150 }, (_, i) => T0 - i * 1000);
    const kept = pruneRestarts(many, T0);
    assert.equal(kept.length, 100);
    assert.equal(kept[99], T0);
    assert.equal(kept[0], T0 - 99_000);
  });

  test('a damaged history counts from zero and says so', () => {
    const state = fresh();
    appendRestart(state, 'app', T0);
    writeFileSync(restartsPath(state, 'app'), '[1,2');
    const r = readRestarts(state, 'app');
    assert.deepEqual(r.restarts, []);
    assert.match(r.problem ?? '', /restarts\.json: not a v1 restart history; counting from zero/);
    assert.deepEqual(appendRestart(state, 'app', T0 + 1), [T0 + 1]);
    assert.ok(existsSync(restartsPath(state, 'app')));
  });
});
