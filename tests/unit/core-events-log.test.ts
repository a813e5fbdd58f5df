// The event log: append/read round trip, size-capped rotation, tolerant reading.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendEvents, eventsPath, readEvents } from '../../lib/adapters/events/log.ts';
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

test('rotation at 200 bytes keeping 2: events.jsonl, .1, .2 and never more', (t) => {
  const dir = tempDir(t);
  const limits = { maxBytes: 200, keep: 2 };
  const lineBytes = JSON.stringify(event(10)).length + 1;
  for (let seq = 1; seq <= 40; seq++) {
    appendEvents(dir, [event(seq)], limits);
    const files = logFiles(dir);
    assert.ok(
      files.every((f) => ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2'].includes(f)),
      `after ${seq}: ${files.join(' ')}`,
    );
    // The live file is rotated once it reaches the cap, so it never holds more than cap + one write.
    assert.ok(statSync(eventsPath(dir)).size < limits.maxBytes + lineBytes);
  }
  assert.deepEqual(logFiles(dir), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
  for (const rotated of ['events.jsonl.1', 'events.jsonl.2']) {
    assert.ok(statSync(join(dir, rotated)).size >= limits.maxBytes, `${rotated} was rotated only once full`);
  }

  const { events, skipped } = readEvents(dir);
  assert.equal(skipped, 0);
  const seqs = events.map((e) => e.seq as number);
  assert.equal(seqs.at(-1), 40, 'the newest event is last');
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'oldest first, nothing missing in between',
  );
  assert.ok(seqs[0]! > 1, 'the oldest events were rotated away');
  // Each file holds a consecutive run: .2 is older than .1, which is older than the live file.
  const firstSeq = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8').split('\n')[0]!).seq as number;
  assert.ok(firstSeq('events.jsonl.2') < firstSeq('events.jsonl.1'));
  assert.ok(firstSeq('events.jsonl.1') < firstSeq('events.jsonl'));
  assert.equal(firstSeq('events.jsonl.2'), seqs[0]);
});

test('keep 1 keeps a single rotated file', (t) => {
  const dir = tempDir(t);
  for (let seq = 1; seq <= 20; seq++) appendEvents(dir, [event(seq)], { maxBytes: 100, keep: 1 });
  assert.deepEqual(logFiles(dir), ['events.jsonl', 'events.jsonl.1']);
  const seqs = readEvents(dir).events.map((e) => e.seq);
  assert.equal(seqs.at(-1), 20);
});

test('readEvents skips and counts lines that are not events, across rotated files', (t) => {
  const dir = tempDir(t);
  appendEvents(dir, [event(1), event(2)], { maxBytes: 10, keep: 2 });
  appendFileSync(eventsPath(dir), 'garbage{\n');
  appendEvents(dir, [event(3)], { maxBytes: 10, keep: 2 }); // rotates: 1, 2 and the garbage move to .1
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
