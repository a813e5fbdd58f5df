// Reading the event log as a stream: lines cut across reads, torn and CRLF lines, oversized
// files, every rotated file in order, and a reader that stops early.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventsIn, eventsPath, linesOf, logFiles } from '../../lib/adapters/events/read.ts';
import { tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-events-read-');

const line = (seq: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ts: '2026-03-10T10:00:00.000Z', job: 'backup', type: 'run_finished', seq, ...extra });
const seqs = (dir: string, options = {}) => [...eventsIn(dir, { skipped: 0 }, options)].map((e) => e.seq);

test('lines cut anywhere by the reads (multi-byte characters included) read back the same as in one read', () => {
  const dir = newDir();
  // ü is 2 bytes, 🙂 4: with chunks of 1 to 13 bytes every cut falls inside some character.
  const lines = Array.from({ length: 40 }, (_, i) => line(i, { reason: `dürfte 🙂 ${'x'.repeat(i)}` }));
  writeFileSync(eventsPath(dir), lines.join('\n') + '\n');
  const whole = [...eventsIn(dir)];
  assert.equal(whole.length, 40);
  assert.equal(whole[7]!.reason, 'dürfte 🙂 xxxxxxx');
  for (let chunkBytes = 1; chunkBytes <= 13; chunkBytes++) {
    assert.deepEqual([...eventsIn(dir, { skipped: 0 }, { chunkBytes })], whole, `chunks of ${chunkBytes} bytes`);
  }
});

test('a line longer than a read is joined from several reads', () => {
  const dir = newDir();
  const long = line(2, { output_tail: 'y'.repeat(5000) });
  writeFileSync(eventsPath(dir), [line(1), long, line(3)].join('\n') + '\n');
  const read = [...eventsIn(dir, { skipped: 0 }, { chunkBytes: 64 })];
  assert.deepEqual(
    read.map((e) => e.seq),
    [1, 2, 3],
  );
  assert.equal((read[1]!.output_tail as string).length, 5000);
});

test('a torn last line (no newline, cut JSON) is skipped and counted; a whole last line without its newline is read', () => {
  const dir = newDir();
  writeFileSync(`${eventsPath(dir)}.1`, `${line(1)}\n${line(2).slice(0, 30)}`);
  writeFileSync(eventsPath(dir), `${line(3)}\n${line(4)}`);
  const counts = { skipped: 0 };
  assert.deepEqual(
    [...eventsIn(dir, counts, { chunkBytes: 16 })].map((e) => e.seq),
    [1, 3, 4],
  );
  assert.equal(counts.skipped, 1);
});

test('CRLF line ends and blank lines: every event reads, nothing is counted as skipped', () => {
  const dir = newDir();
  writeFileSync(eventsPath(dir), `${line(1)}\r\n\r\n${line(2)}\r\n\n${line(3)}\r\n`);
  const counts = { skipped: 0 };
  assert.deepEqual(
    [...eventsIn(dir, counts, { chunkBytes: 10 })].map((e) => e.seq),
    [1, 2, 3],
  );
  assert.equal(counts.skipped, 0);
});

test('a file over the read cap is passed over unread and counted as one; the other files still read', () => {
  const dir = newDir();
  writeFileSync(`${eventsPath(dir)}.2`, `${line(1)}\n`);
  writeFileSync(`${eventsPath(dir)}.1`, `${line(2)}\n`.repeat(10));
  writeFileSync(eventsPath(dir), `${line(3)}\n`);
  const counts = { skipped: 0 };
  const cap = line(1).length * 3;
  assert.deepEqual(
    [...eventsIn(dir, counts, { maxFileBytes: cap })].map((e) => e.seq),
    [1, 3],
  );
  assert.equal(counts.skipped, 1);
  assert.deepEqual(seqs(dir), [1, ...Array<number>(10).fill(2), 3], 'under the default cap all of it reads');
});

test('every rotated file is read, oldest (highest number) first, then the live log; numbering stops at the first gap', () => {
  const dir = newDir();
  for (let n = 12; n >= 1; n--) writeFileSync(`${eventsPath(dir)}.${n}`, `${line(100 - n)}\n`);
  writeFileSync(eventsPath(dir), `${line(100)}\n`);
  writeFileSync(`${eventsPath(dir)}.14`, `${line(0)}\n`); // after a gap: not part of the log
  assert.deepEqual(
    logFiles(dir).map((f) => f.slice(dir.length + 1)),
    ['events.jsonl.12', 'events.jsonl.11', 'events.jsonl.10', 'events.jsonl.9', 'events.jsonl.8', 'events.jsonl.7'].concat([
      'events.jsonl.6',
      'events.jsonl.5',
      'events.jsonl.4',
      'events.jsonl.3',
      'events.jsonl.2',
      'events.jsonl.1',
      'events.jsonl',
    ]),
  );
  assert.deepEqual(
    seqs(dir),
    Array.from({ length: 13 }, (_, i) => 88 + i),
  );
});

test('a symbolic link under a log name is never read through; the live log alone reads', () => {
  const dir = newDir();
  const outside = join(newDir(), 'elsewhere.jsonl');
  writeFileSync(outside, `${line(1)}\n`);
  symlinkSync(outside, `${eventsPath(dir)}.1`);
  writeFileSync(eventsPath(dir), `${line(2)}\n`);
  assert.deepEqual(seqs(dir), [2]);
});

test('a reader that stops early closes the file: nothing stays open', () => {
  const dir = newDir();
  writeFileSync(eventsPath(dir), Array.from({ length: 100 }, (_, i) => line(i)).join('\n') + '\n');
  const open = () => readdirSync('/proc/self/fd').length;
  const before = open();
  for (let round = 0; round < 20; round++) {
    for (const l of linesOf(eventsPath(dir), { skipped: 0 }, { chunkBytes: 32 })) {
      assert.ok(l.length > 0);
      break;
    }
  }
  assert.equal(open(), before);
});
