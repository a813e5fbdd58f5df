// Reading cron's log from its end: only as far back as the earliest due time, never more than the
// bound, whole lines only, no link followed where hb chose the path, no FIFO waited on; and what
// a read file says about how far back it reaches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogTail } from '../../lib/adapters/evidence/log-tail.ts';
import { readLogFile } from '../../lib/adapters/evidence/cron-log.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-log-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// 20,000 numbered lines of 50 bytes: about 1 MiB.
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(8, '0')} ${'x'.repeat(35)}`).join('\n') + '\n';
const lineNo = (line: string) => Number(/^line (\d+)/.exec(line)?.[1] ?? NaN);

test('reads back from the end only until a line is old enough, in whole lines', (t) => {
  const path = join(tempDir(t), 'syslog');
  writeFileSync(path, numbered(20_000));
  const tail = readLogTail(path, (line) => lineNo(line) <= 19_000, { follow: false });
  assert.equal(tail.fromStart, false);
  // It stops within one chunk (64 KiB) of line 19,000, not at the file's start.
  assert.ok(tail.bytes <= 1_000 * 50 + 64 * 1024, `read ${tail.bytes} bytes`);
  assert.ok(lineNo(tail.lines[0]!) <= 19_000);
  assert.equal(lineNo(tail.lines.at(-1)!), 19_999);
  // Every line is whole: none starts mid-line.
  for (const line of tail.lines) assert.match(line, /^line \d{8} x{35}$/);
  // Consecutive to the end.
  assert.equal(lineNo(tail.lines.at(-1)!) - lineNo(tail.lines[0]!) + 1, tail.lines.length);
});

test('never reads more than its bound, and says when it reached the start of the file', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'syslog');
  writeFileSync(path, numbered(20_000));
  const bounded = readLogTail(path, () => false, { follow: false, maxBytes: 100_000 });
  assert.equal(bounded.bytes, 100_000);
  assert.equal(bounded.fromStart, false);
  assert.ok(bounded.lines.length <= 2_000 && bounded.lines.length >= 1_990, `${bounded.lines.length} lines`);
  const small = join(dir, 'small');
  writeFileSync(small, 'first\nsecond\nno newline at the end');
  const whole = readLogTail(small, () => false, { follow: false });
  assert.equal(whole.fromStart, true);
  assert.deepEqual(whole.lines, ['first', 'second', 'no newline at the end']);
});

test('a link is followed only for a path a person named; a FIFO is refused without waiting for a writer', (t) => {
  const dir = tempDir(t);
  const real = join(dir, 'real');
  writeFileSync(real, 'one\n');
  const link = join(dir, 'link');
  symlinkSync(real, link);
  assert.throws(() => readLogTail(link, () => false, { follow: false }), { code: 'ELOOP' });
  assert.deepEqual(readLogTail(link, () => false, { follow: true }).lines, ['one']);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => readLogTail(fifo, () => false, { follow: true }), { code: 'ENOTREG' });
  assert.deepEqual(readLogFile(link, 0, Date.now(), 'UTC', false), { unreadable: { path: link, why: 'a symbolic link, which hb does not follow there' } });
  assert.deepEqual(readLogFile(join(dir, 'absent'), 0, Date.now(), 'UTC', false), { unreadable: { path: join(dir, 'absent'), why: 'no such file' } });
});

test("a log file's view: its cron entries, and how far back it reaches, whether it was cut at the due time or starts after it", (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'syslog');
  const now = Date.parse('2026-12-03T19:30:00Z');
  const filler = Array.from(
    { length: 3_000 },
    (_, i) => `Dec  3 17:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} vm kernel: filler ${'y'.repeat(60)}`,
  );
  writeFileSync(
    path,
    [
      ...filler,
      'Dec  3 19:00:01 vm CRON[900]: (root) CMD ([4242] hb tick dump)',
      'Dec  3 19:00:01 vm cron[1]: (CRON) INFO (not a run)',
      'Dec  3 19:00:02 vm CRON[900]: (root) END ([4242] hb tick dump)',
    ].join('\n') + '\n',
  );
  // Wanted back to 17:45: filler more than a chunk (64 KiB, about 650 lines) before it is not read.
  const got = readLogFile(path, Date.parse('2026-12-03T17:45:00Z'), now, 'UTC', false);
  assert.ok('view' in got);
  const v = got.view;
  assert.equal(v.source, path);
  assert.deepEqual(
    v.entries.map((e) => [e.what, e.jobPid]),
    [
      ['CMD', 4242],
      ['END', 4242],
    ],
  );
  assert.ok(
    v.coversFromMs! <= Date.parse('2026-12-03T17:45:00Z') && v.coversFromMs! > Date.parse('2026-12-03T17:30:00Z'),
    new Date(v.coversFromMs!).toISOString(),
  );
  // Wanted back to 16:00: the whole file is read, and it starts at 17:00.
  const all = readLogFile(path, Date.parse('2026-12-03T16:00:00Z'), now, 'UTC', false);
  assert.ok('view' in all);
  assert.equal(all.view.coversFromMs, Date.parse('2026-12-03T17:00:00Z'));
});
