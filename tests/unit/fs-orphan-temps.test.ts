import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTempName, removeOrphanTemps, tempPathFor } from '../../lib/adapters/fs/atomic.ts';

test('temp names: what writeAtomic makes is recognised; heartbeats and look-alikes are not', () => {
  const made = tempPathFor('/state/backup.last');
  assert.ok(isTempName(made.slice('/state/'.length)), made);
  assert.ok(isTempName('.backup.last.hb-123-4.tmp'), 'the older form without a random part');
  for (const name of ['backup.last', 'x.tmp', '.backup.last.tmp', '.hb-1-2.tmp', 'backup.last.hb-1-2.tmp']) assert.equal(isTempName(name), false, name);
});

test('orphan temps: removed when their writer is gone and they are a minute old, or when an hour old', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-temps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = Date.now();
  const make = (name: string, ageMs: number) => {
    writeFileSync(join(dir, name), '{"v":1');
    utimesSync(join(dir, name), new Date(now - ageMs), new Date(now - ageMs));
    return name;
  };
  const deadOld = make('.a.last.hb-101-1-x1.tmp', 120_000);
  const deadFresh = make('.b.last.hb-101-2-x2.tmp', 5_000);
  const aliveOld = make('.c.last.hb-202-1-x3.tmp', 120_000);
  const aliveAncient = make('.d.last.hb-202-2-x4.tmp', 2 * 3_600_000);
  const alive = (pid: number) => pid === 202;
  const removed = removeOrphanTemps(dir, [deadOld, deadFresh, aliveOld, aliveAncient, 'missing.hb-1-1.tmp'], now, alive);
  assert.equal(removed, 2);
  assert.equal(existsSync(join(dir, deadOld)), false);
  assert.equal(existsSync(join(dir, deadFresh)), true, 'a writer may still be about to rename it');
  assert.equal(existsSync(join(dir, aliveOld)), true, 'its writer still runs');
  assert.equal(existsSync(join(dir, aliveAncient)), false, 'no write takes an hour: the pid was reused');
});
