// Keeping the event log: when to rotate, which rotated files go (by age and total size, with a
// fake clock), and several processes appending through constant rotation without losing a line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendEvents, eventsPath } from '../../lib/adapters/events/log.ts';
import { LOG_LOCK, STALE_LOCK_MS, withLogLock } from '../../lib/adapters/events/lock.ts';
import { DEFAULT_KEEP_MS, FILE_BYTES, limitsFor, rotateBefore, rotatedToKeep, TOTAL_BYTES, WRITER_LIMITS } from '../../lib/rules/events/retention.ts';
import { STATE_READ_MAX_BYTES } from '../../lib/adapters/fs/no-follow.ts';
import type { KnownEvent } from '../../lib/rules/events/schema.ts';
import { readEvents, tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-events-retention-');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-10T12:00:00Z');

test('rotate before an append that would cross the cap, never for an empty file', () => {
  assert.equal(rotateBefore(0, 10, 100), false);
  assert.equal(rotateBefore(0, 500, 100), false, 'an empty file takes a batch bigger than the cap');
  assert.equal(rotateBefore(90, 10, 100), false, 'exactly at the cap fits');
  assert.equal(rotateBefore(90, 11, 100), true);
  assert.equal(rotateBefore(100, 1, 100), true);
});

test('rotated files are kept newest first while young enough and within the total, the live file counted full', () => {
  const limits = { fileBytes: 100, totalBytes: 400, keepMs: 3 * DAY };
  const file = (bytes: number, ageMs: number) => ({ bytes, mtimeMs: NOW - ageMs });
  assert.equal(rotatedToKeep([], limits, NOW), 0);
  assert.equal(rotatedToKeep([file(100, HOUR), file(100, DAY), file(100, 2 * DAY)], limits, NOW), 3, '100 live + 300 = 400: all fit');
  assert.equal(rotatedToKeep([file(100, HOUR), file(100, DAY), file(100, 2 * DAY), file(1, 2 * DAY)], limits, NOW), 3, 'one byte over');
  assert.equal(rotatedToKeep([file(100, HOUR), file(100, 3 * DAY), file(100, 3 * DAY + 1)], limits, NOW), 2, 'exactly 3 days old stays');
  assert.equal(rotatedToKeep([file(10, 4 * DAY), file(10, HOUR)], limits, NOW), 0, 'an old file ends the count: older ones go too');
  assert.equal(rotatedToKeep([file(10, 10 * 365 * DAY)], { ...limits, keepMs: Infinity }, NOW), 1, 'Infinity: never by age');
  assert.equal(rotatedToKeep([file(10, -DAY)], limits, NOW), 1, 'a file from the future (a clock set back) is kept');
});

test('the defaults: a week kept, 16 MiB a file (what a reader reads of one), 512 MiB in all; writers without the config never remove by age', () => {
  assert.equal(DEFAULT_KEEP_MS, 7 * DAY);
  assert.ok(DEFAULT_KEEP_MS >= DAY, "hb report's default day is always covered");
  assert.equal(FILE_BYTES, STATE_READ_MAX_BYTES);
  assert.equal(TOTAL_BYTES, 512 * 1024 * 1024);
  assert.deepEqual(limitsFor(undefined), { fileBytes: FILE_BYTES, totalBytes: TOTAL_BYTES, keepMs: DEFAULT_KEEP_MS });
  assert.deepEqual(limitsFor(30 * DAY), { fileBytes: FILE_BYTES, totalBytes: TOTAL_BYTES, keepMs: 30 * DAY });
  assert.equal(WRITER_LIMITS.keepMs, Infinity);
});

test('a lock left by a dead writer is broken once it is stale: at once when old, after a wait while fresh', () => {
  const dir = newDir();
  const lock = join(dir, LOG_LOCK);
  writeFileSync(lock, '');
  // The lock's file time is now: with the clock STALE_LOCK_MS + 1 ahead, it is stale at once.
  const ahead = () => Date.now() + STALE_LOCK_MS + 1;
  const event = { ts: new Date(NOW).toISOString(), job: 'j', type: 'resumed' } as KnownEvent;
  appendEvents(dir, [event], WRITER_LIMITS, ahead);
  assert.equal(readEvents(dir).events.length, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['events.jsonl'], 'the stale lock and the one taken are both gone');
  // A fresh lock is waited on: here its holder never lets go, so it is broken once the clock
  // says it is stale (50 ms on), and not before.
  writeFileSync(lock, '');
  const started = Date.now();
  let waited = 0;
  withLogLock(
    dir,
    () => (waited = Date.now() - started),
    () => (Date.now() - started > 50 ? ahead() : Date.now()),
  );
  assert.ok(waited >= 50, `ran after ${waited} ms`);
  assert.deepEqual(readdirSync(dir).sort(), ['events.jsonl']);
});

test('six processes appending through constant rotation: every line once, whole, in each writer’s order, no file past its cap', async () => {
  const dir = newDir();
  const writer = fileURLToPath(new URL('../fixtures/event-writer.ts', import.meta.url));
  const WRITERS = 6;
  const COUNT = 300;
  const CAP = 2_000;
  const start = Date.now() + 1_500;
  const exits = Array.from({ length: WRITERS }, (_, w) => {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(COUNT), String(w), String(CAP), String(start)], { stdio: 'inherit' });
    return new Promise<number | null>((resolve) => p.on('exit', resolve));
  });
  assert.deepEqual(await Promise.all(exits), Array<number>(WRITERS).fill(0));

  const files = readdirSync(dir).filter((f) => f.startsWith('events.jsonl'));
  assert.ok(files.length > 10, `rotated often: ${files.length} files`);
  for (const f of files) assert.ok(statSync(join(dir, f)).size <= CAP, `${f}: ${statSync(join(dir, f)).size} bytes`);
  assert.equal(files.includes(LOG_LOCK), false, 'no lock left behind');

  const { events, skipped } = readEvents(dir);
  assert.equal(skipped, 0, 'no torn line');
  assert.equal(events.length, WRITERS * COUNT);
  for (let w = 0; w < WRITERS; w++) {
    const seqs = events.filter((e) => e.job === `w${w}`).map((e) => e.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: COUNT }, (_, i) => i),
      `writer ${w}: every line once, in order`,
    );
  }
  // Every file ends with a newline: no line was cut by a rotation.
  for (const f of files) assert.ok(readFileSync(join(dir, f), 'utf8').endsWith('\n'), f);
  assert.ok(eventsPath(dir).endsWith('events.jsonl'));
});
