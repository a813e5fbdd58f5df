// The cycle counter: one number per run, continued from the heartbeat when the counter is new
// or lost, a dead holder's lock taken over, and a live holder waited for, then counted without.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cyclePath, nextCycle, readCounter, takeCycle } from '../../lib/adapters/run/cycle.ts';
import type { LockInfo } from '../../lib/adapters/run/lock.ts';
import { gatherFacts } from '../../lib/adapters/run/proc.ts';
import { tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-run-cycle-');

const me = gatherFacts(process.pid);
const self: LockInfo = { pid: process.pid, started_at: new Date().toISOString(), pid_started_ms: me.startMs, boot_id: me.bootId };
const lockFile = (dir: string, job: string) => join(dir, 'cycles', `${job}.lock`);
const holding = (dir: string, job: string, holder: object) => {
  mkdirSync(join(dir, 'cycles'), { recursive: true });
  writeFileSync(lockFile(dir, job), `${JSON.stringify({ token: 'abc123', ...holder })}\n`);
};

test('each call hands out the next number and remembers it', () => {
  const dir = newDir();
  assert.deepEqual(
    [1, 2, 3].map(() => nextCycle(dir, 'backup', 0, self)),
    [1, 2, 3],
  );
  assert.equal(readFileSync(cyclePath(dir, 'backup'), 'utf8'), '3\n');
  assert.equal(nextCycle(dir, 'other', 0, self), 1, 'every job counts on its own');
});

test('the floor (heartbeat, run marker) wins over a counter that is behind, new or lost', () => {
  const dir = newDir();
  assert.equal(nextCycle(dir, 'j', 41, self), 42, 'no counter yet: continues the heartbeat');
  assert.equal(nextCycle(dir, 'j', 10, self), 43, 'a counter ahead of the heartbeat wins');
  unlinkSync(cyclePath(dir, 'j'));
  assert.equal(nextCycle(dir, 'j', 43, self), 44, 'a deleted counter restarts from the heartbeat');
  writeFileSync(cyclePath(dir, 'j'), 'garbage');
  assert.equal(readCounter(cyclePath(dir, 'j')), 0);
  assert.equal(nextCycle(dir, 'j', 44, self), 45, 'an unreadable counter counts as none');
});

test('a lock left by a dead process is taken over at once', () => {
  const dir = newDir();
  holding(dir, 'j', { pid: 999_999, started_at: self.started_at, boot_id: 'another-boot', pid_started_ms: null });
  const sleeps: number[] = [];
  assert.equal(nextCycle(dir, 'j', 7, self, { sleep: (ms) => sleeps.push(ms) }), 8);
  assert.deepEqual(sleeps, [], 'no waiting for a dead holder');
  assert.equal(readCounter(cyclePath(dir, 'j')), 8);
  assert.throws(() => readFileSync(lockFile(dir, 'j')), /ENOENT/, 'the lock is released');
});

test('a live holder is waited for, then the run counts without the lock and leaves the counter alone', () => {
  const dir = newDir();
  mkdirSync(join(dir, 'cycles'));
  writeFileSync(cyclePath(dir, 'j'), '20\n');
  holding(dir, 'j', self);
  const sleeps: number[] = [];
  assert.equal(nextCycle(dir, 'j', 5, self, { attempts: 3, sleep: (ms) => sleeps.push(ms) }), 21);
  assert.equal(sleeps.length, 3, 'one wait per attempt');
  assert.equal(readCounter(cyclePath(dir, 'j')), 20, 'written only under the lock');
  assert.ok(readFileSync(lockFile(dir, 'j'), 'utf8').includes('abc123'), "the holder's lock is untouched");
});

test('the holder letting go in time is noticed on the next attempt', () => {
  const dir = newDir();
  holding(dir, 'j', self);
  const sleeps: number[] = [];
  const cycle = nextCycle(dir, 'j', 0, self, {
    attempts: 5,
    sleep: (ms) => {
      sleeps.push(ms);
      if (sleeps.length === 2) unlinkSync(lockFile(dir, 'j'));
    },
  });
  assert.equal(cycle, 1);
  assert.equal(sleeps.length, 2);
  assert.equal(readCounter(cyclePath(dir, 'j')), 1);
});

test('a state directory where the counter cannot live still gives the run a number', () => {
  const dir = newDir();
  writeFileSync(join(dir, 'cycles'), 'a file where the folder should be');
  assert.equal(nextCycle(dir, 'j', 3, self, { sleep: () => assert.fail('must not wait') }), 4);
});

test('a given cycle is taken as it is and moves the counter up to it, never down', () => {
  const dir = newDir();
  assert.equal(nextCycle(dir, 'agent', 0, self), 1);
  assert.equal(takeCycle(dir, 'agent', 1000, self), 1000);
  assert.equal(readCounter(cyclePath(dir, 'agent')), 1000, 'the counter is moved up to the given number');
  assert.equal(nextCycle(dir, 'agent', 0, self), 1001, 'a later counted run goes on from it');
  assert.equal(takeCycle(dir, 'agent', 5, self), 5, "a lower number is still the run's");
  assert.equal(readCounter(cyclePath(dir, 'agent')), 1001, 'but the counter does not go back');
  assert.equal(takeCycle(dir, 'fresh', 0, self), 0);
  assert.equal(nextCycle(dir, 'fresh', 0, self), 1);
});

test("a given cycle held up by a live counter lock is still the run's, and the counter is left alone", () => {
  const dir = newDir();
  mkdirSync(join(dir, 'cycles'));
  writeFileSync(cyclePath(dir, 'j'), '3\n');
  holding(dir, 'j', self);
  assert.equal(takeCycle(dir, 'j', 40, self, { attempts: 2, sleep: () => undefined }), 40);
  assert.equal(readCounter(cyclePath(dir, 'j')), 3);
});
