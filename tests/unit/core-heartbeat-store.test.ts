// The state-directory store: atomic .last writes, tolerant reads, listing, and run markers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import type { RunMarker } from '../../lib/rules/heartbeat/run-marker.ts';
import {
  fileNamePrefix,
  lastPath,
  listStateFiles,
  readHeartbeat,
  readHeartbeatFile,
  readRunFile,
  readRunMarker,
  removeRunMarker,
  runPath,
  writeHeartbeat,
  writeRunMarker,
} from '../../lib/adapters/heartbeat/store.ts';
import { STATE_READ_MAX_BYTES } from '../../lib/adapters/fs/no-follow.ts';
import { writeAtomic } from '../../lib/adapters/fs/atomic.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-core-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(cycle: number, over: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  const started = new Date(Date.parse('2026-03-10T10:00:00Z') + cycle * 60_000).toISOString();
  return {
    v: 1,
    job: 'backup',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: started,
    finished_at: started,
    duration_ms: 0,
    cycle,
    action: null,
    message: null,
    schedule: { every: '1m' },
    grace_s: null,
    output_tail: null,
    pid: process.pid,
    hb_version: '0.1.0',
    ...over,
  };
}

const isValid = (name: string) => validateJobName(name) === null;

test('writeHeartbeat: one complete file, mtime = started_at, no temp files left', (t) => {
  const dir = tempDir(t);
  const rec = record(3, { output_tail: 'line\n'.repeat(100) });
  const path = writeHeartbeat(dir, rec);
  assert.equal(path, join(dir, 'backup.last'));
  assert.deepEqual(readdirSync(dir), ['backup.last']);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), rec);
  assert.equal(statSync(path).mtimeMs, Date.parse(rec.started_at));
  assert.deepEqual(readHeartbeat(dir, 'backup'), { kind: 'record', record: rec, mtimeMs: 0 });
});

test('writeHeartbeat replaces the file: every read between many writes parses to the latest record', (t) => {
  const dir = tempDir(t);
  for (let cycle = 1; cycle <= 200; cycle++) {
    writeHeartbeat(dir, record(cycle, { output_tail: 'x'.repeat(cycle * 50) }));
    const hb = readHeartbeat(dir, 'backup');
    assert.equal(hb?.kind, 'record', `cycle ${cycle}`);
    assert.equal(hb.kind === 'record' && hb.record.cycle, cycle);
  }
  assert.deepEqual(readdirSync(dir), ['backup.last']);
});

test('a concurrent reader never sees a torn or missing .last while it is rewritten', async (t) => {
  const dir = tempDir(t);
  const path = lastPath(dir, 'backup');
  writeHeartbeat(dir, record(0));
  // A plain-JS reader on another thread, so reads really interleave with the writes.
  const reader = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { readFileSync } = require('node:fs');
     let stop = false, reads = 0, bad = [];
     parentPort.on('message', () => { stop = true; });
     (function loop() {
       for (let i = 0; i < 50; i++) {
         try { JSON.parse(readFileSync(workerData, 'utf8')); reads++; } catch (e) { bad.push(String(e.code || e.message)); }
       }
       if (stop) parentPort.postMessage({ reads, bad: bad.slice(0, 5), badCount: bad.length });
       else setImmediate(loop);
     })();`,
    { eval: true, workerData: path },
  );
  const result = new Promise<{ reads: number; bad: string[]; badCount: number }>((resolve, reject) => {
    reader.once('message', resolve);
    reader.once('error', reject);
  });
  for (let cycle = 1; cycle <= 300; cycle++) writeHeartbeat(dir, record(cycle, { output_tail: 'y'.repeat(20_000 + cycle) }));
  reader.postMessage('stop');
  const { reads, bad, badCount } = await result;
  await reader.terminate();
  assert.equal(badCount, 0, `torn reads: ${bad.join(', ')}`);
  assert.ok(reads > 0);
  assert.deepEqual(readdirSync(dir), ['backup.last']);
});

test('a failed write leaves no temp file and keeps the old heartbeat', (t) => {
  const dir = tempDir(t);
  assert.throws(() => writeAtomic(join(dir, 'missing', 'x.last'), 'x', { fsync: false }), { code: 'ENOENT' });
  // The target is a directory: the rename fails after the temp file was written.
  mkdirSync(join(dir, 'weird.last'));
  assert.throws(() => writeHeartbeat(dir, record(1, { job: 'weird' })));
  assert.deepEqual(readdirSync(dir).sort(), ['weird.last']);
  writeHeartbeat(dir, record(1));
  assert.throws(() => writeAtomic(lastPath(dir, 'backup'), 'new', { fsync: true, mtime: new Date('invalid') }));
  assert.equal(JSON.parse(readFileSync(lastPath(dir, 'backup'), 'utf8')).cycle, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['backup.last', 'weird.last']);
});

test('readHeartbeatFile: missing is null, a directory is corrupt, a touched file counts at its mtime', (t) => {
  const dir = tempDir(t);
  assert.equal(readHeartbeatFile(join(dir, 'nope.last')), null);
  assert.equal(readHeartbeat(dir, 'nope'), null);

  mkdirSync(join(dir, 'dir.last'));
  assert.deepEqual(readHeartbeatFile(join(dir, 'dir.last')), { kind: 'corrupt', reason: 'is a directory, not a regular file', mtimeMs: 0 });
  assert.deepEqual(
    readHeartbeatFile(join(dir, 'nope.last'), 'a FIFO'),
    { kind: 'corrupt', reason: 'is a FIFO, not a regular file', mtimeMs: 0 },
    'what the listing saw is never opened',
  );

  const when = new Date('2026-03-10T09:30:00Z');
  for (const [name, content] of [
    ['empty', ''],
    ['date', 'Tue Mar 10 09:30:00 UTC 2026\n'],
  ] as const) {
    writeFileSync(join(dir, `${name}.last`), content);
    utimesSync(join(dir, `${name}.last`), when, when);
    assert.deepEqual(readHeartbeat(dir, name), { kind: 'touch', mtimeMs: when.getTime() }, name);
  }

  writeFileSync(join(dir, 'torn.last'), '{"v":1,"job":"torn"');
  utimesSync(join(dir, 'torn.last'), when, when);
  const torn = readHeartbeat(dir, 'torn');
  assert.equal(torn?.kind, 'corrupt');
  assert.equal(torn.mtimeMs, when.getTime());
});

test('listStateFiles: .last and .run files with valid job names only', (t) => {
  const dir = tempDir(t);
  for (const name of [
    'a.last',
    'a.run',
    'b.run',
    'c.d-e_f.last',
    '.hidden.last',
    '.last',
    '-x.run',
    'events.jsonl',
    'a.last.123.1.tmp',
    'fallback.json',
    'notes.txt',
    'a.lastx',
    'with space.last',
  ]) {
    writeFileSync(join(dir, name), '');
  }
  mkdirSync(join(dir, 'meta'));
  mkdirSync(join(dir, 'd.last'));
  symlinkSync(join(dir, 'a.last'), join(dir, 'l.run'));
  const { last, run, odd } = listStateFiles(dir, isValid);
  assert.deepEqual([...last].sort(), ['a', 'c.d-e_f', 'd']);
  assert.deepEqual([...run].sort(), ['a', 'b', 'l']);
  assert.deepEqual(
    odd,
    new Map([
      ['d.last', 'a directory'],
      ['l.run', 'a symbolic link'],
    ]),
    'the entry types come with the listing',
  );
  assert.deepEqual(listStateFiles(join(dir, 'missing'), isValid), { last: new Set(), run: new Set(), odd: new Map(), temps: [] });
});

test('run markers: round trip; removeRunMarker only removes the marker of the same pid', (t) => {
  const dir = tempDir(t);
  const marker: RunMarker = { job: 'backup', pid: 1111, started_at: '2026-03-10T10:00:00.000Z', host: 'h', cycle: 7, boot_id: 'b', pid_started_ms: 5 };
  writeRunMarker(dir, marker);
  assert.deepEqual(readRunMarker(dir, 'backup'), marker);
  assert.deepEqual(readdirSync(dir), ['backup.run']);

  removeRunMarker(dir, 'backup', 2222);
  assert.deepEqual(readRunMarker(dir, 'backup'), marker, "another run's marker stays");
  removeRunMarker(dir, 'backup', 1111);
  assert.equal(readRunMarker(dir, 'backup'), null);
  assert.deepEqual(readdirSync(dir), []);
  removeRunMarker(dir, 'backup', 1111); // already gone: no throw

  writeFileSync(runPath(dir, 'junk'), '{"pid":"12"}');
  assert.equal(readRunMarker(dir, 'junk'), null, 'a pid that is not a number is no marker');
  writeFileSync(runPath(dir, 'junk'), 'garbage');
  assert.equal(readRunMarker(dir, 'junk'), null);
});

test('readRunFile: a marker, or why the file is not one; null only when there is no file', (t) => {
  const dir = tempDir(t);
  const marker: RunMarker = { job: 'backup', pid: 1111, started_at: '2026-03-10T10:00:00.000Z', host: 'h', cycle: 7, boot_id: null, pid_started_ms: null };
  writeRunMarker(dir, marker);
  assert.deepEqual(readRunFile(runPath(dir, 'backup')), { kind: 'marker', marker });
  assert.equal(readRunFile(runPath(dir, 'nope')), null);
  mkdirSync(runPath(dir, 'd'));
  assert.deepEqual(readRunFile(runPath(dir, 'd')), { kind: 'invalid', reason: 'is a directory, not a regular file' });
  symlinkSync(runPath(dir, 'backup'), runPath(dir, 'l'));
  assert.deepEqual(readRunFile(runPath(dir, 'l')), { kind: 'invalid', reason: 'is a symbolic link (hb does not follow links in its state directory)' });
  assert.deepEqual(readRunFile(runPath(dir, 'nope'), 'a FIFO'), { kind: 'invalid', reason: 'is a FIFO, not a regular file' });
  writeFileSync(runPath(dir, 'big'), `{"pad":"${'x'.repeat(STATE_READ_MAX_BYTES)}"}`);
  assert.deepEqual(readRunFile(runPath(dir, 'big')), { kind: 'invalid', reason: 'is larger than 16 MiB: not a run marker' });
});

test('fileNamePrefix + a job file name is the path join builds, for any form of the directory', () => {
  const dirs = [
    '/var/lib/hb',
    '/var/lib/hb/',
    '/var//lib/./hb/..',
    '/',
    '//',
    '.',
    './',
    '',
    'state',
    'state/',
    './state',
    '../state',
    '..',
    '../',
    'a/..',
    'a/../',
    '/tmp/x y/z',
  ];
  const names = ['backup.last', 'backup.run', 'a.last', 'x..y.run', 'job-00001.last', 'A_b-c.d.last'];
  for (const dir of dirs) {
    for (const name of names) assert.equal(fileNamePrefix(dir) + name, join(dir, name), `${JSON.stringify(dir)} + ${name}`);
  }
});
