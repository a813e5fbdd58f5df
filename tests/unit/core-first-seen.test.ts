// First-seen notes: the anchor of the `never` rule survives checks and is dropped once a job beats.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFirstSeen, updateFirstSeen } from '../../lib/adapters/health/first-seen.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-core-seen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const T1 = Date.parse('2026-03-10T10:00:00Z');
const T2 = Date.parse('2026-03-10T11:00:00Z');

test('the first sighting is kept across checks; jobs that got a heartbeat are dropped', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'meta', 'first-seen.json');
  assert.deepEqual(readFirstSeen(dir), new Map());

  const first = updateFirstSeen(dir, readFirstSeen(dir), ['a', 'b'], T1);
  assert.deepEqual(
    first,
    new Map([
      ['a', T1],
      ['b', T1],
    ]),
  );
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: '2026-03-10T10:00:00.000Z', b: '2026-03-10T10:00:00.000Z' });

  // A later check keeps the original instant and adds the new job at its own.
  const second = updateFirstSeen(dir, readFirstSeen(dir), ['a', 'b', 'c'], T2);
  assert.deepEqual(
    second,
    new Map([
      ['a', T1],
      ['b', T1],
      ['c', T2],
    ]),
  );

  // Unchanged: the file is not rewritten (its back-dated mtime stays).
  utimesSync(file, new Date(T1), new Date(T1));
  updateFirstSeen(dir, readFirstSeen(dir), ['a', 'b', 'c'], T2 + 1);
  assert.equal(statSync(file).mtimeMs, T1);

  // `b` now has a heartbeat: it leaves the map.
  assert.deepEqual(
    updateFirstSeen(dir, readFirstSeen(dir), ['a', 'c'], T2),
    new Map([
      ['a', T1],
      ['c', T2],
    ]),
  );
  assert.deepEqual(
    readFirstSeen(dir),
    new Map([
      ['a', T1],
      ['c', T2],
    ]),
  );
});

test('an unreadable note is an empty map, and an unwritable dir never fails the check', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'meta'));
  for (const text of ['garbage', 'null', '[]']) {
    writeFileSync(join(dir, 'meta', 'first-seen.json'), text);
    assert.deepEqual(readFirstSeen(dir), new Map(), text);
  }
  writeFileSync(join(dir, 'meta', 'first-seen.json'), '{"a":"not a date","b":"2026-03-10T10:00:00Z"}');
  assert.deepEqual(readFirstSeen(dir), new Map([['b', T1]]));

  writeFileSync(join(dir, 'file'), '');
  const blocked = join(dir, 'file');
  assert.deepEqual(updateFirstSeen(blocked, new Map(), ['a'], T1), new Map([['a', T1]]));
  assert.equal(existsSync(join(blocked, 'meta')), false);
});
