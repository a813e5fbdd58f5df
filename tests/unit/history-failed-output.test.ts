// The output of failed runs kept in history/<job>.failed.jsonl: which runs, how many, how big,
// read back past odd lines, and shown with every control character written out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import {
  failedOutputHeading,
  failedOutputLine,
  failedOutputOf,
  indentedTail,
  keptFailedLines,
  parseFailedOutput,
  parseFailedOutputs,
  tailLines,
  type FailedOutput,
} from '../../lib/rules/history/failed-output.ts';
import { keepFailedOutput, readFailedOutputs } from '../../lib/adapters/history/failed-output.ts';
import { tempDirs } from '../fakes.ts';

const newDir = tempDirs('hb-failed-output-');

function record(over: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  return {
    v: 1,
    job: 'backup',
    host: 'h',
    status: 'error',
    exit_code: 3,
    signal: null,
    started_at: '2026-03-01T02:00:00.000Z',
    finished_at: '2026-03-01T02:00:01.500Z',
    duration_ms: 1500,
    cycle: 7,
    action: null,
    message: null,
    schedule: null,
    grace_s: null,
    output_tail: 'ERROR: db unreachable\n',
    pid: 10,
    hb_version: '1',
    outcome: 'failed',
    reason: null,
    ...over,
  };
}

const entry = (over: Partial<FailedOutput> = {}): FailedOutput => ({ ...failedOutputOf(record())!, ...over });

test('only a failed run makes an entry, carrying its times, cycle, exit, outcome, reason and tail', () => {
  assert.equal(failedOutputOf(record({ status: 'ok', outcome: 'suspicious', reason: 'too fast' })), null);
  assert.deepEqual(failedOutputOf(record({ reason: 'output matched fail_on /ERROR/' })), {
    started_at: '2026-03-01T02:00:00.000Z',
    finished_at: '2026-03-01T02:00:01.500Z',
    cycle: 7,
    exit_code: 3,
    signal: null,
    outcome: 'failed',
    reason: 'output matched fail_on /ERROR/',
    output_tail: 'ERROR: db unreachable\n',
  });
  const old = record();
  delete old.outcome;
  delete old.reason;
  assert.equal(failedOutputOf(old)!.outcome, 'failed', 'a record from before outcomes');
  assert.equal(failedOutputOf(old)!.reason, null);
});

test('a line reads back as the entry written; torn, edited or foreign lines are passed over', () => {
  const e = entry({ signal: 'SIGKILL', exit_code: null, output_tail: null });
  assert.deepEqual(parseFailedOutput(failedOutputLine(e).trimEnd()), e);
  const bad = [
    '',
    '{"started_at":"x"',
    '[]',
    'null',
    JSON.stringify({ ...e, cycle: -1 }),
    JSON.stringify({ ...e, exit_code: 256 }),
    JSON.stringify({ ...e, outcome: 'great' }),
    JSON.stringify({ ...e, outcome: 'toString' }),
    JSON.stringify({ ...e, output_tail: 5 }),
    JSON.stringify({ ...e, reason: {} }),
  ];
  for (const line of bad) assert.equal(parseFailedOutput(line), null, line);
  assert.deepEqual(parseFailedOutputs([failedOutputLine(e), ...bad.map((b) => b + '\n'), failedOutputLine(entry({ cycle: 9 }))].join('')), [
    e,
    entry({ cycle: 9 }),
  ]);
});

test('the newest ten lines are kept, and fewer when they would pass the byte bound; the newest always', () => {
  const lines = Array.from({ length: 11 }, (_, i) => `line ${i}\n`);
  assert.deepEqual(keptFailedLines(lines), lines.slice(1));
  assert.deepEqual(keptFailedLines(lines.slice(0, 3)), lines.slice(0, 3));
  assert.deepEqual(keptFailedLines(lines, 10, 22), lines.slice(8), 'the last three lines are 22 bytes');
  assert.deepEqual(keptFailedLines(lines, 10, 21), lines.slice(9), 'one byte less keeps two');
  assert.deepEqual(keptFailedLines(lines, 10, 3), lines.slice(10), 'the newest even when alone it is bigger');
});

test('the heading says when, which cycle, how it ended and why; the reason and signal are made visible', () => {
  assert.equal(failedOutputHeading(entry()), '2026-03-01T02:00:01.500Z  cycle 7  exit 3  failed');
  assert.equal(
    failedOutputHeading(entry({ exit_code: null, signal: 'SIGKILL', reason: 'killed\u001b[2J' })),
    '2026-03-01T02:00:01.500Z  cycle 7  signal SIGKILL  failed: killed\\u001b[2J',
  );
  assert.equal(failedOutputHeading(entry({ exit_code: null })), '2026-03-01T02:00:01.500Z  cycle 7  no exit code  failed');
});

test('a tail is shown line by line with escapes, bells and carriage returns written out, never obeyed', () => {
  const tail = 'one\r\n\u001b[31mred\u001b[0m\tcol\nbell\u0007 over\rwrite\nlast';
  assert.deepEqual(tailLines(tail), ['one', '\\u001b[31mred\\u001b[0m\tcol', 'bell\\u0007 over\\rwrite', 'last']);
  assert.deepEqual(tailLines('a\nb\nc\n', 2), ['b', 'c'], 'the last lines; the final newline is no line');
  assert.deepEqual(indentedTail('a\nb\n', '  '), ['  a', '  b']);
  assert.deepEqual(indentedTail('', '  '), ['  (no output)']);
  assert.deepEqual(indentedTail(null, '  '), ["  (no output kept: the job's tail is 0)"]);
  for (const line of tailLines('\u009b2J\u202eabc\u2028x')) assert.doesNotMatch(line, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
});

test('keepFailedOutput keeps eleven failures as the last ten, oldest dropped; reading gives them oldest first', () => {
  const dir = newDir();
  assert.deepEqual(readFailedOutputs(dir, 'backup'), [], 'no history folder yet');
  assert.equal(keepFailedOutput(dir, record({ status: 'ok', outcome: 'ok' })), false);
  for (let cycle = 1; cycle <= 11; cycle++) assert.equal(keepFailedOutput(dir, record({ cycle, output_tail: `run ${cycle}\n` })), true);
  const kept = readFailedOutputs(dir, 'backup');
  assert.deepEqual(
    kept.map((e) => e.cycle),
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.equal(kept[9]!.output_tail, 'run 11\n');
  assert.deepEqual(readFailedOutputs(dir, 'other'), [], 'another job has none');
});

test('a torn line in the file is dropped at the next write; the entries around it stay', () => {
  const dir = newDir();
  keepFailedOutput(dir, record({ cycle: 1 }));
  const path = join(dir, 'history', 'backup.failed.jsonl');
  writeFileSync(path, readFileSync(path, 'utf8') + '{"started_at":"2026');
  assert.deepEqual(
    readFailedOutputs(dir, 'backup').map((e) => e.cycle),
    [1],
  );
  keepFailedOutput(dir, record({ cycle: 2 }));
  assert.equal(readFileSync(path, 'utf8').split('\n').length, 3, 'two lines and the final newline');
});

test('a link as the history folder or as the file is never followed', () => {
  const dir = newDir();
  const elsewhere = newDir();
  symlinkSync(elsewhere, join(dir, 'history'));
  assert.throws(() => readFailedOutputs(dir, 'backup'), { code: 'ELOOP' });
  assert.throws(() => keepFailedOutput(dir, record()), { code: 'ELOOP' });
  const dir2 = newDir();
  mkdirSync(join(dir2, 'history'), { mode: 0o700 });
  writeFileSync(join(elsewhere, 'target'), failedOutputLine(entry()));
  symlinkSync(join(elsewhere, 'target'), join(dir2, 'history', 'backup.failed.jsonl'));
  assert.throws(() => readFailedOutputs(dir2, 'backup'), { code: 'ELOOP' });
});
