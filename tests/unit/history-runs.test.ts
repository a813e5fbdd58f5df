// A job's run history on disk: one line per run, cut back to the last 200 when it grows to about
// twice that, never torn by concurrent runs, read back tolerant of a bad line, never through a link.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendRun, readRuns } from '../../lib/adapters/history/runs.ts';
import { historyPath } from '../../lib/adapters/history/dir.ts';
import { formatRunLine, parseRunLine, parseRunLines, RUNS_KEPT, RUNS_TRIM_BYTES, runLineOf, type RunLine } from '../../lib/rules/history/runs.ts';
import { forgetKnownJob } from '../../lib/adapters/state/maintenance.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';

function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-history-runs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const line = (cycle: number, duration_ms = 1000): RunLine => ({
  started_at: '2026-12-03T02:30:00.000Z',
  duration_ms,
  status: 'ok',
  outcome: 'ok',
  exit_code: 0,
  cycle,
});

const fileLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

test('appendRun writes one JSON line per run in a 0600 file of a 0700 folder, and readRuns gives them back oldest first', (t) => {
  const dir = stateDir(t);
  appendRun(dir, 'backup', line(1, 2000));
  appendRun(dir, 'backup', { ...line(2, 10), status: 'error', outcome: 'failed', exit_code: 3 });
  const path = historyPath(dir, 'backup', 'runs');
  assert.equal(lstatSync(join(dir, 'history')).mode & 0o777, 0o700);
  assert.equal(lstatSync(path).mode & 0o777, 0o600);
  assert.deepEqual(fileLines(path), [
    '{"started_at":"2026-12-03T02:30:00.000Z","duration_ms":2000,"status":"ok","outcome":"ok","exit_code":0,"cycle":1}',
    '{"started_at":"2026-12-03T02:30:00.000Z","duration_ms":10,"status":"error","outcome":"failed","exit_code":3,"cycle":2}',
  ]);
  assert.deepEqual(
    readRuns(dir, 'backup').map((r) => [r.cycle, r.status]),
    [
      [1, 'ok'],
      [2, 'error'],
    ],
  );
  assert.deepEqual(readRuns(dir, 'never-ran'), []);
  assert.deepEqual(existsSync(`${path}.lock`), false, 'no lock left behind');
});

test('a new history folder and file are 0700 and 0600 whatever the umask', (t) => {
  const dir = stateDir(t);
  const before = process.umask(0o377);
  try {
    appendRun(dir, 'backup', line(1));
  } finally {
    process.umask(before);
  }
  assert.equal(lstatSync(join(dir, 'history')).mode & 0o777, 0o700);
  assert.equal(lstatSync(historyPath(dir, 'backup', 'runs')).mode & 0o777, 0o600);
});

test('the file is cut back to its last 200 runs once it passes about twice that, and no run is lost on the way', (t) => {
  const dir = stateDir(t);
  const path = historyPath(dir, 'backup', 'runs');
  let most = 0;
  for (let cycle = 1; cycle <= 1000; cycle++) {
    appendRun(dir, 'backup', line(cycle));
    const cycles = fileLines(path).map((l) => JSON.parse(l).cycle as number);
    most = Math.max(most, cycles.length);
    // Always the newest runs, contiguous: the newest is this one.
    assert.equal(cycles.at(-1), cycle);
    assert.deepEqual(
      cycles,
      Array.from({ length: cycles.length }, (_, i) => cycle - cycles.length + 1 + i),
    );
    assert.ok(cycles.length >= Math.min(cycle, RUNS_KEPT), `${cycles.length} lines after run ${cycle}`);
  }
  assert.ok(readFileSync(path).length <= RUNS_TRIM_BYTES + 200, 'never much past the trim size');
  assert.ok(most > RUNS_KEPT && most <= 2.5 * RUNS_KEPT, `at most ${most} lines`);
  const runs = readRuns(dir, 'backup');
  assert.equal(runs.length, RUNS_KEPT);
  assert.equal(runs[0]!.cycle, 801);
  assert.equal(runs.at(-1)!.cycle, 1000);
  assert.deepEqual(
    readdirSync(join(dir, 'history')).filter((n) => !n.startsWith('backup.runs.jsonl')),
    [],
    'no temp file left',
  );
});

test('concurrent runs of one job, in separate processes, never tear or lose a line while the file is trimmed under them', async (t) => {
  const dir = stateDir(t);
  const fixture = fileURLToPath(new URL('../fixtures/run-appender.ts', import.meta.url));
  const writers = 4;
  const each = 400;
  const start = Date.now() + 1500;
  await Promise.all(
    Array.from(
      { length: writers },
      (_, w) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, 'sync', String(each), String(w + 1), String(start)], { stdio: 'inherit' });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${w + 1} exited ${code}`))));
        }),
    ),
  );
  const lines = fileLines(historyPath(dir, 'sync', 'runs'));
  assert.ok(lines.length >= RUNS_KEPT && lines.length <= 2.5 * RUNS_KEPT, `${lines.length} lines`);
  const seen = new Map<number, number[]>();
  for (const l of lines) {
    const run = parseRunLine(l);
    assert.ok(run, `a whole line: ${l}`);
    const writer = Math.floor(run.cycle / 1e6);
    seen.set(writer, [...(seen.get(writer) ?? []), run.cycle % 1e6]);
  }
  // Each writer's lines are its own in order with none missing between them: nothing lost to a
  // trim that raced an append; the newest line overall is some writer's last.
  for (const [writer, cycles] of seen) {
    assert.deepEqual(
      cycles,
      Array.from({ length: cycles.length }, (_, i) => cycles[0]! + i),
      `writer ${writer}`,
    );
  }
  assert.equal(parseRunLine(lines.at(-1)!)!.cycle % 1e6, each);
  assert.equal(existsSync(`${historyPath(dir, 'sync', 'runs')}.lock`), false);
});

test('readRuns skips a torn or foreign line and refuses a link; appendRun refuses a link where the file or folder should be', (t) => {
  const dir = stateDir(t);
  appendRun(dir, 'backup', line(1));
  const path = historyPath(dir, 'backup', 'runs');
  appendFileSync(path, '{"started_at":"2026-12-03T02:30:00.000Z","duration_\nnot json\n{"cycle":"x"}\n');
  appendRun(dir, 'backup', line(2));
  assert.deepEqual(
    readRuns(dir, 'backup').map((r) => r.cycle),
    [1, 2],
  );
  const victim = join(dir, 'victim');
  writeFileSync(victim, '');
  symlinkSync(victim, historyPath(dir, 'linked', 'runs'));
  assert.throws(() => readRuns(dir, 'linked'), { code: 'ELOOP' });
  assert.throws(() => appendRun(dir, 'linked', line(1)), { code: 'ELOOP' });
  assert.equal(readFileSync(victim, 'utf8'), '');
  const other = stateDir(t);
  mkdirSync(join(other, 'elsewhere'), { mode: 0o700 });
  symlinkSync(join(other, 'elsewhere'), join(other, 'history'));
  assert.throws(() => appendRun(other, 'backup', line(1)), { code: 'ELOOP' });
  assert.deepEqual(readdirSync(join(other, 'elsewhere')), []);
});

test('parseRunLines keeps the last `keep` runs; runLineOf takes a record’s fields; formatRunLine reads back', () => {
  const text = [1, 2, 3, 4].map((c) => formatRunLine(line(c))).join('');
  assert.deepEqual(
    parseRunLines(text, 2).map((r) => r.cycle),
    [3, 4],
  );
  for (const bad of [
    '',
    '[]',
    'null',
    '{"started_at":1}',
    formatRunLine({ ...line(1), outcome: 'weird' as never }).trim(),
    formatRunLine({ ...line(1), duration_ms: -1 }).trim(),
  ]) {
    assert.equal(parseRunLine(bad), null, bad);
  }
  const record = {
    v: 1,
    job: 'j',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: '2026-12-03T02:30:00.000Z',
    finished_at: '2026-12-03T02:30:02.000Z',
    duration_ms: 2000,
    cycle: 7,
    outcome: 'slow',
  } as HeartbeatRecord;
  assert.deepEqual(runLineOf(record), { started_at: '2026-12-03T02:30:00.000Z', duration_ms: 2000, status: 'ok', outcome: 'slow', exit_code: 0, cycle: 7 });
  assert.equal(runLineOf({ ...record, status: 'error', outcome: undefined }).outcome, 'failed');
});

test('hb forget removes every history file of the job, and only its own', (t) => {
  const dir = stateDir(t);
  appendRun(dir, 'backup', line(1));
  appendRun(dir, 'backup.daily', line(1));
  writeFileSync(historyPath(dir, 'backup', 'failed'), '{}\n');
  const removed = forgetKnownJob(dir, 'backup', { now: () => Date.parse('2026-12-03T03:00:00Z'), warn: () => {} });
  assert.deepEqual(removed, [historyPath(dir, 'backup', 'runs'), historyPath(dir, 'backup', 'failed')]);
  assert.deepEqual(readdirSync(join(dir, 'history')), ['backup.daily.runs.jsonl']);
});
