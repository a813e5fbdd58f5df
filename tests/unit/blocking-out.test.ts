// The stdout writer waits while a pipe is full instead of queueing, and stops at a reader gone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockingWriter } from '../../lib/adapters/fs/blocking-out.ts';

const errno = (code: string) => Object.assign(new Error(code), { code });

/** A descriptor that takes at most `take` bytes a call and answers with the scripted errors first. */
function fakeFd(script: Array<string | number>) {
  const got: number[] = [];
  let calls = 0;
  const write = ((_fd: number, bytes: Uint8Array, off: number, len: number) => {
    calls++;
    const next = script.shift();
    if (typeof next === 'string') throw errno(next);
    const n = Math.min(len, next ?? len);
    got.push(...bytes.subarray(off, off + n));
    return n;
  }) as unknown as typeof import('node:fs').writeSync;
  return { write, text: () => Buffer.from(got).toString('utf8'), calls: () => calls };
}

test('a full pipe (EAGAIN) and short writes are waited out: every byte goes, in order', () => {
  const fd = fakeFd(['EAGAIN', 3, 'EAGAIN', 'EAGAIN', 1, 2]);
  const out = blockingWriter(1, fd.write);
  assert.equal(out('héllo, wörld'), true);
  assert.equal(fd.text(), 'héllo, wörld');
  assert.ok(fd.calls() >= 7, `${fd.calls()} calls`);
});

test('a reader that has gone (EPIPE) ends the output quietly: false, and nothing more is written', () => {
  const fd = fakeFd([2, 'EPIPE']);
  const out = blockingWriter(1, fd.write);
  assert.equal(out('abcdef'), false);
  const calls = fd.calls();
  assert.equal(out('more'), false);
  assert.equal(fd.calls(), calls, 'no write after the reader went');
  assert.equal(fd.text(), 'ab');
});

test('any other error is thrown', () => {
  const out = blockingWriter(1, fakeFd(['EBADF']).write);
  assert.throws(() => out('x'), /EBADF/);
});
