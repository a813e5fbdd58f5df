// Files a person names: read only when regular and under the cap, refused by stat before a byte is
// read, and never more than the cap + 1 bytes read from anything; output names hb may replace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GivenFileError, readGivenFile, sizeText } from '../../lib/adapters/fs/given-file.ts';
import { readUpTo } from '../../lib/adapters/fs/no-follow.ts';
import { outputRefusal } from '../../lib/adapters/fs/output-path.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-given-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const CAP = { what: 'a crontab', maxBytes: 1000 };

/** Asserts that reading `path` is refused with `code` and a reason matching `reason`, the path in the message. */
function refused(path: string, code: string, reason: RegExp): void {
  assert.throws(
    () => readGivenFile(path, CAP),
    (e: unknown) => e instanceof GivenFileError && e.code === code && e.path === path && reason.test(e.reason) && e.message === `${path}: ${e.reason}`,
  );
}

test('a regular file under the cap is read whole, through a link too; at the cap exactly, still read', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'crontab'), '0 2 * * * backup\n');
  symlinkSync(join(dir, 'crontab'), join(dir, 'link'));
  assert.equal(readGivenFile(join(dir, 'crontab'), CAP), '0 2 * * * backup\n');
  assert.equal(readGivenFile(join(dir, 'link'), CAP), '0 2 * * * backup\n', "a link is followed: the path is the person's own");
  writeFileSync(join(dir, 'full'), 'x'.repeat(1000));
  assert.equal(readGivenFile(join(dir, 'full'), CAP).length, 1000);
  writeFileSync(join(dir, 'empty'), '');
  assert.equal(readGivenFile(join(dir, 'empty'), CAP), '');
});

test('a file over the cap is refused by its size before a byte is read: the reason names the size stat gave and the cap', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'one-over'), 'x'.repeat(1001));
  refused(join(dir, 'one-over'), 'EFBIG', /^is 1001 bytes, more than 1000 bytes, the most hb reads of a crontab$/);
  // 3 GiB on disk as a hole: only the size from stat can say "3 GiB"; a read would stop at
  // the cap + 1 bytes and could only say "holds more than".
  const big = join(dir, 'sparse');
  assert.equal(spawnSync('truncate', ['-s', '3G', big]).status, 0);
  refused(big, 'EFBIG', /^is 3 GiB, more than 1000 bytes, the most hb reads of a crontab$/);
});

test('a device, a FIFO, a directory and a link to a device are refused by what they are, never opened', (t) => {
  const dir = tempDir(t);
  const rule = 'hb reads a crontab only from a regular file of at most 1000 bytes';
  refused('/dev/zero', 'ENOTREG', new RegExp(`^is a character device, not a regular file; ${rule}$`));
  refused('/dev/null', 'ENOTREG', /^is a character device, not a regular file/);
  symlinkSync('/dev/zero', join(dir, 'zero'));
  refused(join(dir, 'zero'), 'ENOTREG', /^is a character device/);
  // A FIFO with no writer: opening it to read would block until one came.
  assert.equal(spawnSync('mkfifo', [join(dir, 'fifo')]).status, 0);
  refused(join(dir, 'fifo'), 'ENOTREG', /^is a FIFO, not a regular file/);
  mkdirSync(join(dir, 'sub'));
  refused(join(dir, 'sub'), 'ENOTREG', /^is a directory, not a regular file/);
  refused(join(dir, 'nope'), 'ENOENT', /^no such file$/);
  writeFileSync(join(dir, 'file'), '');
  refused(join(dir, 'file', 'under'), 'ENOTDIR', /^a part of the path is not a directory$/);
});

test('readUpTo never reads past its limit: /dev/zero, which never ends, gives exactly the cap + 1 bytes', () => {
  const fd = openSync('/dev/zero', 'r');
  try {
    for (const cap of [0, 1, 1000, 64 * 1024, 1024 * 1024, 3 * 1024 * 1024 + 7]) {
      assert.equal(readUpTo(fd, cap + 1).length, cap + 1, `cap ${cap}`);
    }
    const head = Buffer.from('abc');
    const withHead = readUpTo(fd, 10, head);
    assert.equal(withHead.length, 10, 'the bytes already read count against the limit');
    assert.equal(withHead.subarray(0, 3).toString(), 'abc');
  } finally {
    closeSync(fd);
  }
});

test('sizeText says sizes the way a person reads them', () => {
  assert.deepEqual([1, 100, 1024, 512 * 1024, 1024 * 1024, 1.5 * 2 ** 30, 3 * 2 ** 30].map(sizeText), [
    '1 byte',
    '100 bytes',
    '1 KiB',
    '512 KiB',
    '1 MiB',
    '1.5 GiB',
    '3 GiB',
  ]);
});

test('outputRefusal: nothing there or a regular file may be written; a link, device, FIFO or directory may not', (t) => {
  const dir = tempDir(t);
  assert.equal(outputRefusal(join(dir, 'new')), null);
  assert.equal(outputRefusal(join(dir, 'missing', 'new')), null, 'a missing directory is for the write to report');
  writeFileSync(join(dir, 'old'), 'x');
  assert.equal(outputRefusal(join(dir, 'old')), null);
  const rule = 'hb writes only a new file or over a regular one';
  // Only looked at (lstat), never written: safe on the real /dev/null.
  assert.equal(outputRefusal('/dev/null'), `is a character device, not a regular file; ${rule}`);
  symlinkSync('/dev/null', join(dir, 'null'));
  assert.equal(outputRefusal(join(dir, 'null')), `is a symbolic link to /dev/null; ${rule}, never a link (name the file it points to, if that is the one)`);
  symlinkSync(join(dir, 'old'), join(dir, 'to-old'));
  assert.match(outputRefusal(join(dir, 'to-old'))!, /^is a symbolic link to .*old;/, 'even a link to a regular file: replacing it would cut the link');
  symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
  assert.match(outputRefusal(join(dir, 'dangling'))!, /^is a symbolic link to .*gone;/);
  assert.equal(spawnSync('mkfifo', [join(dir, 'fifo')]).status, 0);
  assert.equal(outputRefusal(join(dir, 'fifo')), `is a FIFO, not a regular file; ${rule}`);
  mkdirSync(join(dir, 'sub'));
  assert.equal(outputRefusal(join(dir, 'sub')), `is a directory, not a regular file; ${rule}`);
});
