// The event log: append/read round trip, size-capped rotation, tolerant reading.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../fakes.ts';
import { appendEvents, eventsPath, pruneEvents } from '../../lib/adapters/events/log.ts';
import type { HbEvent } from '../../lib/rules/events/parse.ts';
import type { KnownEvent } from '../../lib/rules/events/schema.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-core-events-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// The log's mechanics take a line of any shape: a `seq` field follows each one through rotation.
const odd = (line: HbEvent) => line as unknown as KnownEvent;
const event = (seq: number, type = 'run_finished') => odd({ ts: '2026-03-10T10:00:00.000Z', job: 'backup', type, seq });
const logFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.startsWith('events.jsonl'))
    .sort();

test('appendEvents + readEvents: a round trip, one JSON line per event, oldest first', (t) => {
  const dir = tempDir(t);
  appendEvents(dir, []);
  assert.equal(existsSync(eventsPath(dir)), false, 'nothing to append writes nothing');
  assert.deepEqual(readEvents(dir), { events: [], skipped: 0 });

  const crash = odd({ ts: '2026-03-10T10:00:00.000Z', job: 'backup', type: 'crash_detected', pid: 42, cycle: 7, nested: { a: [1, 'two'] } });
  appendEvents(dir, [event(1, 'run_started'), event(2)]);
  appendEvents(dir, [crash]);
  assert.equal(eventsPath(dir), join(dir, 'events.jsonl'));
  const lines = readFileSync(eventsPath(dir), 'utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[3], '', 'ends with a newline');
  assert.deepEqual(readEvents(dir), { events: [event(1, 'run_started'), event(2), crash], skipped: 0 });
});

test('rotation at 200 bytes, 600 in all: no file ever past 200 bytes, the oldest files removed past 600', (t) => {
  const dir = tempDir(t);
  const limits = { fileBytes: 200, totalBytes: 600, keepMs: Infinity };
  for (let seq = 1; seq <= 60; seq++) {
    appendEvents(dir, [event(seq)], limits);
    const files = logFiles(dir);
    const sizes = files.map((f) => statSync(join(dir, f)).size);
    assert.ok(
      sizes.every((n) => n <= limits.fileBytes),
      `after ${seq}: ${files.map((f, i) => `${f}=${sizes[i]}`).join(' ')}`,
    );
    assert.ok(sizes.reduce((a, b) => a + b, 0) <= limits.totalBytes, `after ${seq}: ${sizes.join('+')} in all`);
  }
  const lineBytes = JSON.stringify(event(10)).length + 1;
  const files = logFiles(dir);
  assert.ok(files.length >= 3, files.join(' '));
  for (const rotated of files.filter((f) => f !== 'events.jsonl')) {
    assert.ok(statSync(join(dir, rotated)).size > limits.fileBytes - lineBytes, `${rotated} was rotated only once the next line would not fit`);
  }

  const { events, skipped } = readEvents(dir);
  assert.equal(skipped, 0);
  const seqs = events.map((e) => e.seq as number);
  assert.equal(seqs.at(-1), 60, 'the newest event is last');
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'oldest first, nothing missing in between',
  );
  assert.ok(seqs[0]! > 1, 'the oldest events were removed');
  // Each file holds a consecutive run: .2 is older than .1, which is older than the live file.
  const firstSeq = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8').split('\n')[0]!).seq as number;
  assert.ok(firstSeq('events.jsonl.2') < firstSeq('events.jsonl.1'));
  assert.ok(firstSeq('events.jsonl.1') < firstSeq('events.jsonl'));
});

test('a batch bigger than the cap goes alone into a fresh file, whole, and the next append starts another', (t) => {
  const dir = tempDir(t);
  const limits = { fileBytes: 300, totalBytes: 10_000, keepMs: Infinity };
  appendEvents(dir, [event(1)], limits);
  const big = Array.from({ length: 5 }, (_, i) => event(10 + i));
  appendEvents(dir, big, limits);
  assert.deepEqual(logFiles(dir), ['events.jsonl', 'events.jsonl.1']);
  assert.equal(readFileSync(join(dir, 'events.jsonl.1'), 'utf8'), JSON.stringify(event(1)) + '\n');
  assert.equal(readFileSync(eventsPath(dir), 'utf8'), big.map((e) => JSON.stringify(e)).join('\n') + '\n');
  appendEvents(dir, [event(20)], limits);
  assert.deepEqual(logFiles(dir), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
  assert.deepEqual(
    readEvents(dir).events.map((e) => e.seq),
    [1, 10, 11, 12, 13, 14, 20],
  );
});

test('rotated files older than the keep time are removed, oldest first; the live log never is', (t) => {
  const dir = tempDir(t);
  const DAY = 86_400_000;
  let now = Date.parse('2026-03-10T00:00:00Z');
  const limits = { fileBytes: 150, totalBytes: 1 << 20, keepMs: 3 * DAY };
  // One line a day, on days 0 to 5; each append rotates (a line is about 100 bytes): one file a day.
  for (let seq = 1; seq <= 6; seq++, now += DAY) {
    appendEvents(dir, [event(seq)], limits, () => now);
    if (existsSync(`${eventsPath(dir)}.1`)) utimesSync(`${eventsPath(dir)}.1`, (now - DAY) / 1000, (now - DAY) / 1000);
  }
  // Each rotation removed the files whose newest line was more than 3 days old then: seq 1 at day
  // 4, seq 2 at day 5.
  assert.deepEqual(
    readEvents(dir).events.map((e) => e.seq),
    [3, 4, 5, 6],
  );
  // At day 6, seq 3 (day 2) is past the keep time: hb check's prune removes it without a rotation.
  pruneEvents(dir, limits, () => now);
  assert.deepEqual(
    readEvents(dir).events.map((e) => e.seq),
    [4, 5, 6],
  );
  pruneEvents(dir, limits, () => now + 30 * DAY);
  assert.deepEqual(logFiles(dir), ['events.jsonl']);
  assert.deepEqual(
    readEvents(dir).events.map((e) => e.seq),
    [6],
  );
});

test('readEvents skips and counts lines that are not events, across rotated files', (t) => {
  const dir = tempDir(t);
  appendEvents(dir, [event(1), event(2)], { fileBytes: 10, totalBytes: 1000, keepMs: Infinity });
  appendFileSync(eventsPath(dir), 'garbage{\n');
  appendEvents(dir, [event(3)], { fileBytes: 10, totalBytes: 1000, keepMs: Infinity }); // rotates: 1, 2 and the garbage move to .1
  appendFileSync(eventsPath(dir), 'null\n{"no":"type"}\n\n[1]\n');
  appendFileSync(eventsPath(dir), JSON.stringify(event(4)) + '\n{"ts":"x","job":"j","type":"tor');
  const { events, skipped } = readEvents(dir);
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4],
  );
  assert.equal(skipped, 5, 'garbage, null, no type, a list, a torn last line; blank lines are not counted');
});

test('readEvents passes over a log file far past what rotation allows (17 MiB, a 3 GiB hole), reading at most 16 MiB of it', (t) => {
  const dir = tempDir(t);
  const line = `${JSON.stringify(event(1))}\n`;
  writeFileSync(`${eventsPath(dir)}.2`, line.repeat(Math.ceil((17 * 2 ** 20) / line.length)));
  assert.equal(spawnSync('truncate', ['-s', '3G', `${eventsPath(dir)}.1`]).status, 0);
  appendEvents(dir, [event(2)]);
  const read = readEvents(dir);
  assert.equal(read.events.length, 1, "only the live log: neither oversized file is hb's");
  assert.equal(read.events[0]!.seq, 2);
  assert.equal(read.skipped, 2, 'each oversized file counts as one skipped');
});
