// The state directory's file rules: no link followed on read or append, a torn event line costs
// only itself, a planted lock link is taken over without touching its target, root's dir rule.

import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../../lib/adapters/fs/atomic.ts';
import { openAppendNoFollow, readBoundedNoFollow, readFileNoFollow, readStateFileNoFollow, STATE_READ_MAX_BYTES } from '../../lib/adapters/fs/no-follow.ts';
import { readEvents } from '../fakes.ts';
import { appendEvents, eventsPath } from '../../lib/adapters/events/log.ts';
import type { KnownEvent } from '../../lib/rules/events/schema.ts';
import { acquireLock } from '../../lib/adapters/run/lock.ts';
import { unsafeForRoot } from '../../lib/adapters/state/dir.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-no-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('readFileNoFollow and openAppendNoFollow refuse a symlink (ELOOP) and anything but a regular file (ENOTREG)', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'victim'), 'keep');
  symlinkSync(join(dir, 'victim'), join(dir, 'link'));
  mkdirSync(join(dir, 'sub'));
  assert.throws(
    () => readFileNoFollow(join(dir, 'link')),
    (e: NodeJS.ErrnoException) => e.code === 'ELOOP' && /is a symbolic link/.test(e.message),
  );
  assert.throws(() => openAppendNoFollow(join(dir, 'link'), 0o644), { code: 'ELOOP' });
  assert.throws(() => readFileNoFollow(join(dir, 'sub')), { code: 'ENOTREG' });
  assert.equal(readFileNoFollow(join(dir, 'victim')), 'keep');
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'keep');
});

test('readBoundedNoFollow reads at most the bound, says whether that was all, and never blocks on a FIFO', (t) => {
  const dir = tempDir(t);
  for (const size of [0, 10, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024]) {
    const text = 'a'.repeat(size);
    writeFileSync(join(dir, 'f'), text);
    assert.deepEqual(readBoundedNoFollow(join(dir, 'f'), size), { text, complete: true }, `${size} bytes, bound ${size}`);
    assert.deepEqual(readBoundedNoFollow(join(dir, 'f'), size + 1), { text, complete: true }, `${size} bytes, bound ${size + 1}`);
    if (size > 0) assert.deepEqual(readBoundedNoFollow(join(dir, 'f'), size - 1), { text: text.slice(1), complete: false }, `${size} bytes, bound ${size - 1}`);
  }
  assert.equal(readFileNoFollow(join(dir, 'f')).length, 3 * 1024 * 1024, 'unbounded: the whole file');
  writeFileSync(join(dir, 'big'), 'x'.repeat(STATE_READ_MAX_BYTES + 1));
  assert.throws(
    () => readStateFileNoFollow(join(dir, 'big')),
    (e: NodeJS.ErrnoException) => e.code === 'EFBIG' && /larger than 16 MiB/.test(e.message),
  );
  if (spawnSync('mkfifo', [join(dir, 'fifo')]).status === 0) {
    assert.throws(
      () => readBoundedNoFollow(join(dir, 'fifo'), 100),
      (e: NodeJS.ErrnoException & { kind?: string }) => e.code === 'ENOTREG' && e.kind === 'a FIFO' && /is a FIFO, not a regular file/.test(e.message),
    );
  }
  mkdirSync(join(dir, 'sub'));
  assert.throws(
    () => readBoundedNoFollow(join(dir, 'sub'), 100),
    (e: NodeJS.ErrnoException & { kind?: string }) => e.code === 'ENOTREG' && e.kind === 'a directory',
  );
});

test('writeAtomic replaces a symlink at the target and never writes through it', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'victim'), 'keep');
  symlinkSync(join(dir, 'victim'), join(dir, 'j.last'));
  writeAtomic(join(dir, 'j.last'), 'new', { fsync: false, mtime: new Date('2026-01-01T00:00:00Z') });
  assert.equal(lstatSync(join(dir, 'j.last')).isSymbolicLink(), false);
  assert.equal(readFileSync(join(dir, 'j.last'), 'utf8'), 'new');
  assert.equal(lstatSync(join(dir, 'j.last')).mtime.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'keep');
});

test('a line torn by a full disk costs only itself: the next append starts on a new line', (t) => {
  const dir = tempDir(t);
  const ev = (seq: number) => ({ ts: '2026-03-10T10:00:00.000Z', job: 'j', type: 'run_finished', seq }) as unknown as KnownEvent; // a seq to tell them apart
  appendEvents(dir, [ev(1)]);
  writeFileSync(eventsPath(dir), '{"ts":"2026-03-10T10:00:00.000Z","job":"j","ty', { flag: 'a' });
  appendEvents(dir, [ev(2)]);
  assert.deepEqual(readEvents(dir), { events: [ev(1), ev(2)], skipped: 1 });
});

test('a symlink at a lock path is taken over: the link is removed, its target untouched', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'victim'), 'keep');
  symlinkSync(join(dir, 'victim'), join(dir, 'j.lock'));
  const got = acquireLock(join(dir, 'j.lock'), { pid: process.pid, started_at: new Date().toISOString(), boot_id: null, pid_started_ms: null });
  assert.equal(got.acquired, true);
  assert.equal(lstatSync(join(dir, 'j.lock')).isFile(), true);
  assert.ok(got.acquired && got.release());
  assert.equal(existsSync(join(dir, 'j.lock')), false);
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'keep');
});

test('unsafeForRoot: only a directory nobody but root can write is safe', { skip: process.getuid?.() !== 0 && 'needs root to own the directory' }, (t) => {
  const dir = tempDir(t);
  const d = join(dir, 'state');
  assert.equal(unsafeForRoot(d), null, 'not there yet: root creates it');
  mkdirSync(d);
  for (const [mode, expected] of [
    [0o755, null],
    [0o700, null],
    [0o1755, null],
    [0o775, /writable by group \(mode 0775\)/],
    [0o757, /writable by others/],
    [0o1777, /writable by group and others \(mode 1777\)/],
  ] as const) {
    chmodSync(d, mode);
    const got = unsafeForRoot(d);
    if (expected === null) assert.equal(got, null, mode.toString(8));
    else assert.match(got ?? '', expected, mode.toString(8));
  }
});
