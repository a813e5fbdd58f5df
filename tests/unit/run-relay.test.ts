// relayOutput on streams that are not a child's pipe: read through 'data' events, paused while
// the target is full, every byte passed on and the last ones kept in the ring.

import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { relayOutput } from '../../lib/adapters/run/relay.ts';
import { TailRing } from '../../lib/rules/run/tail.ts';

/** A target that takes one chunk at a time and calls back only when `release()` is called. */
function heldTarget(): { target: Writable; received: Buffer[]; release: () => void } {
  const received: Buffer[] = [];
  let pending: (() => void) | null = null;
  const target = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _enc, cb) {
      received.push(chunk);
      pending = cb;
    },
  });
  return {
    target,
    received,
    release: () => {
      const cb = pending;
      pending = null;
      cb?.();
    },
  };
}

describe('relayOutput from a stream', () => {
  for (const socketClass of [undefined, Socket]) {
    test(`every byte reaches the target in order, reading pauses while it is full, the ring keeps the end (socket class ${socketClass ? 'given' : 'not given'})`, async () => {
      const src = new PassThrough();
      const { target, received, release } = heldTarget();
      const ring = new TailRing(5);
      const relay = relayOutput(src, target, ring, socketClass);
      src.write('hello ');
      await new Promise((r) => setImmediate(r));
      assert.equal(relay.isBlocked(), true, 'a full target blocks the relay');
      assert.equal(src.isPaused(), true, 'and pauses the source');
      src.end('world');
      let settled = false;
      void relay.done.then(() => (settled = true));
      while (!settled) {
        release();
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(Buffer.concat(received).toString(), 'hello world');
      assert.equal(ring.text(), 'world');
      assert.equal(relay.isOpen(), false);
      relay.detach();
    });
  }
});
