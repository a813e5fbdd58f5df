// scanJobs against a state directory that changes under it: files that finish, vanish or turn
// odd between the listing and the read. `visit` runs in name order after the listing, so a visit
// of job "a" can change job "b" before "b" is read — the race, made deterministic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyConfig } from '../../lib/rules/config/types.ts';
import type { JobFacts } from '../../lib/rules/health/evaluate.ts';
import { scanJobs } from '../../lib/adapters/health/scan.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { runPath, writeHeartbeat, writeRunMarker } from '../../lib/adapters/heartbeat/store.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-core-scan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(job: string, startedMs: number): HeartbeatRecord {
  return {
    v: 1,
    job,
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: iso(startedMs),
    finished_at: iso(startedMs),
    duration_ms: 0,
    cycle: 1,
    action: null,
    message: null,
    schedule: { every: '1h' },
    grace_s: null,
    output_tail: null,
    pid: 1,
    hb_version: 't',
  };
}

const marker = (job: string, startedMs: number) => ({
  job,
  pid: 999_999_999,
  started_at: iso(startedMs),
  host: 'h',
  cycle: 1,
  boot_id: null,
  pid_started_ms: null,
});

async function scan(dirs: string[], only: string[] | null, onVisit: (f: JobFacts) => void = () => {}): Promise<{ seen: JobFacts[]; missing: string[] }> {
  const seen: JobFacts[] = [];
  const missing = await scanJobs(dirs, emptyConfig(), only, NOW, (f) => {
    seen.push({ ...f });
    onVisit(f);
  });
  return { seen, missing };
}

test('a first run that finishes between the listing and the read: its heartbeat is read, never "unknown"', async (t) => {
  const dir = tempDir(t);
  writeHeartbeat(dir, record('a', NOW - 60_000), { fsync: false });
  writeRunMarker(dir, marker('b', NOW - 1000));
  const { seen, missing } = await scan([dir], null, (f) => {
    // While "a" is visited, b's first run ends: heartbeat written, then marker removed.
    if (f.job === 'a') {
      writeHeartbeat(dir, record('b', NOW - 1000), { fsync: false });
      unlinkSync(runPath(dir, 'b'));
    }
  });
  assert.deepEqual(missing, []);
  const b = seen.find((f) => f.job === 'b');
  assert.equal(b?.run, null);
  assert.equal(b?.heartbeat?.kind, 'record');
  assert.equal(b?.runError ?? null, null);
});

test('a job whose files vanish after the listing (hb forget) is skipped; named on the command line, it is missing', async (t) => {
  const dir = tempDir(t);
  writeHeartbeat(dir, record('a', NOW - 60_000), { fsync: false });
  writeRunMarker(dir, marker('b', NOW - 1000));
  writeHeartbeat(dir, record('c', NOW - 60_000), { fsync: false });
  const forget = (f: JobFacts) => {
    if (f.job === 'a') {
      unlinkSync(runPath(dir, 'b'));
      unlinkSync(join(dir, 'c.last'));
    }
  };
  const all = await scan([dir], null, forget);
  assert.deepEqual(
    all.seen.map((f) => f.job),
    ['a'],
  );
  assert.deepEqual(all.missing, []);
  writeRunMarker(dir, marker('b', NOW - 1000));
  writeHeartbeat(dir, record('c', NOW - 60_000), { fsync: false });
  const named = await scan([dir], ['a', 'b', 'c', 'ghost'], forget);
  assert.deepEqual(
    named.seen.map((f) => f.job),
    ['a'],
  );
  assert.deepEqual(named.missing, ['b', 'c', 'ghost']);
});

test("a .run that turns odd after the listing is that job's runError, and the other jobs are still visited", async (t) => {
  const dir = tempDir(t);
  writeHeartbeat(dir, record('a', NOW - 60_000), { fsync: false });
  writeRunMarker(dir, marker('b', NOW - 1000));
  writeHeartbeat(dir, record('c', NOW - 60_000), { fsync: false });
  const { seen } = await scan([dir], null, (f) => {
    if (f.job === 'a') {
      unlinkSync(runPath(dir, 'b'));
      mkdirSync(runPath(dir, 'b'));
    }
  });
  assert.deepEqual(
    seen.map((f) => f.job),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(seen[1]!.runError, { file: runPath(dir, 'b'), reason: 'is a directory, not a regular file' });
});

test('a valid marker in a fallback directory wins over a garbled one in the primary', async (t) => {
  const primary = tempDir(t);
  const fallback = tempDir(t);
  writeFileSync(runPath(primary, 'j'), '{');
  writeRunMarker(fallback, marker('j', NOW - 1000));
  const { seen } = await scan([primary, fallback], null);
  assert.equal(seen[0]?.run?.pid, 999_999_999);
  assert.equal(seen[0]?.runError ?? null, null);
});
