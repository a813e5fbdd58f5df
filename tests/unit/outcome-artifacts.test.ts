// The artifact checks' I/O in temp dirs: the glob walk to the newest file, symlinks, the walk's
// bound, verifiers with their exit, stderr and timeout, and the expect stage of settleOutcome.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkArtifacts, findNewest, runVerifier } from '../../lib/adapters/outcome/artifacts.ts';
import { WALK_LIMIT } from '../../lib/rules/outcome/expect.ts';
import { settleOutcome } from '../../lib/run/outcome.ts';
import { waitFor } from '../helpers.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import type { ArtifactResult } from '../../lib/rules/outcome/types.ts';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-artifacts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `bytes` bytes to `path`, stamped `ageS` seconds ago. */
function file(path: string, bytes: number, ageS = 0): string {
  writeFileSync(path, Buffer.alloc(bytes, 'x'));
  const at = (Date.now() - ageS * 1000) / 1000;
  utimesSync(path, at, at);
  return path;
}

const ENV = { PATH: process.env.PATH };

test('a glob finds the newest matching regular file; hidden names, directories and dangling links do not count', (t) => {
  const d = tmp(t);
  file(join(d, 'db-1.sql.gz'), 10, 300);
  file(join(d, 'db-2.sql.gz'), 20, 100);
  file(join(d, 'db-0.sql.gz'), 30, 200);
  file(join(d, '.db-9.sql.gz'), 40, 0);
  mkdirSync(join(d, 'db-dir.sql.gz'));
  symlinkSync(join(d, 'nowhere'), join(d, 'db-dangling.sql.gz'));
  const r = findNewest(join(d, 'db-*.sql.gz'));
  assert.deepEqual(r.kind === 'found' && { file: r.found.file, size: r.found.size }, { file: join(d, 'db-2.sql.gz'), size: 20 });
  file(join(d, 'db-3.sql.gz'), 50, 0);
  const again = findNewest(join(d, 'db-*.sql.gz'));
  assert.equal(again.kind === 'found' && again.found.file, join(d, 'db-3.sql.gz'));
});

test('a symlink counts when it leads to a regular file; its target gives the size', (t) => {
  const d = tmp(t);
  file(join(d, 'real.gz'), 77);
  symlinkSync(join(d, 'real.gz'), join(d, 'latest.gz'));
  const r = findNewest(join(d, 'latest.gz'));
  assert.equal(r.kind === 'found' && r.found.size, 77);
  mkdirSync(join(d, 'adir'));
  symlinkSync(join(d, 'adir'), join(d, 'dirlink.gz'));
  assert.deepEqual(findNewest(join(d, 'dirlink.gz')), { kind: 'unreadable', reason: `${join(d, 'dirlink.gz')} is not a regular file` });
});

test('wildcard directories are walked, but never through a symlink', (t) => {
  const d = tmp(t);
  mkdirSync(join(d, 'host1'));
  mkdirSync(join(d, 'host2'));
  file(join(d, 'host1', 'db.gz'), 1, 100);
  file(join(d, 'host2', 'db.gz'), 2, 50);
  const elsewhere = tmp(t);
  file(join(elsewhere, 'db.gz'), 3, 0);
  symlinkSync(elsewhere, join(d, 'host3'));
  const r = findNewest(join(d, '*', 'db.gz'));
  assert.equal(r.kind === 'found' && r.found.file, join(d, 'host2', 'db.gz'));
});

test('nothing there: none for a missing file, a missing directory or no match', (t) => {
  const d = tmp(t);
  assert.deepEqual(findNewest(join(d, 'absent.gz')), { kind: 'none' });
  assert.deepEqual(findNewest(join(d, 'no-dir', '*.gz')), { kind: 'none' });
  assert.deepEqual(findNewest(join(d, 'absent-dir', 'x.gz')), { kind: 'none' });
  file(join(d, 'x.txt'), 1);
  assert.deepEqual(findNewest(join(d, '*.gz')), { kind: 'none' });
});

test('the walk stops after its entry limit (10,000 unless given) and says so', (t) => {
  const d = tmp(t);
  assert.equal(WALK_LIMIT, 10_000);
  for (let i = 0; i < 6; i++) file(join(d, `f${i}.gz`), 1);
  const r = findNewest(join(d, '*.gz'), 5);
  assert.equal(r.kind, 'unreadable');
  assert.match(
    r.kind === 'unreadable' ? r.reason : '',
    /looked at 5 directory entries for .*\*\.gz without finishing, so the newest match is unknown \(narrow the glob\)/,
  );
  assert.equal(findNewest(join(d, '*.gz'), 6).kind, 'found', 'within the limit the walk finishes');
});

test('a verifier passes on exit 0, fails with its exit code and first stderr line, runs with the job env', async (t) => {
  const d = tmp(t);
  const f = file(join(d, "it's.txt"), 5);
  assert.deepEqual(await runVerifier('test -s {}', f, { env: ENV, timeoutMs: 10_000 }), {
    code: 0,
    signal: null,
    timedOut: false,
    timeoutMs: 10_000,
    notStarted: null,
    stderrLine: '',
  });
  const bad = await runVerifier('echo out; echo "first problem" >&2; echo second >&2; exit 3', f, { env: ENV, timeoutMs: 10_000 });
  assert.deepEqual([bad.code, bad.stderrLine], [3, 'first problem']);
  const env = await runVerifier('[ "$BACKUP_KIND" = full ]', f, { env: { ...ENV, BACKUP_KIND: 'full' }, timeoutMs: 10_000 });
  assert.equal(env.code, 0);
  const list = await runVerifier(['/bin/sh', '-c', 'test "$1" = "$2"', 'sh', '{}', f], f, { env: ENV, timeoutMs: 10_000 });
  assert.equal(list.code, 0, 'a list verifier gets the path itself in place of {}');
  const missing = await runVerifier(['/nonexistent/verifier', '{}'], f, { env: ENV, timeoutMs: 10_000 });
  assert.match(missing.notStarted ?? '', /command not found: \/nonexistent\/verifier/);
});

test('a verifier that outlives its timeout is stopped, TERM then KILL', async (t) => {
  const d = tmp(t);
  const f = file(join(d, 'x'), 1);
  const end = await runVerifier("trap '' TERM; while :; do sleep 0.05; done", f, { env: ENV, timeoutMs: 200, killAfterMs: 200 });
  assert.equal(end.timedOut, true);
  assert.equal(end.signal, 'SIGKILL');
});

test('checkArtifacts: one entry per rule, the verifier only after the rest passed', async (t) => {
  const d = tmp(t);
  const started = Date.now() - 10_000;
  file(join(d, 'a.gz'), 100, 5);
  file(join(d, 'b.gz'), 1, 5);
  const marker = join(d, 'verified');
  const results = await checkArtifacts(
    [
      { path: join(d, 'a.gz'), fresh: true, minBytes: 10, verify: `touch ${marker}; exit 0`, verifyTimeoutMs: 10_000 },
      { path: join(d, 'b.gz'), fresh: true, minBytes: 10, verify: `touch ${marker}-b`, verifyTimeoutMs: 10_000 },
    ],
    started,
    null,
    { env: ENV },
  );
  assert.deepEqual(
    results.map((r) => [r.ok, r.size, r.reason]),
    [
      [true, 100, null],
      [false, 1, 'b.gz is 1 B, under its min_size 10 B'],
    ],
  );
  assert.ok(findNewest(marker).kind === 'found', 'the passing artifact was verified');
  assert.equal(findNewest(`${marker}-b`).kind, 'none', 'the failing one was not');
});

test('settleOutcome: a failed artifact fails a run that exited 0; a failed exit skips the artifacts', async (t) => {
  const d = tmp(t);
  file(join(d, 'backup.gz'), 20, 0);
  const run = (code: number) =>
    settleOutcome({
      job: 'backup',
      dir: d,
      exit: { code, signal: null, timedOut: false, spawnFailed: false },
      startedMs: Date.now() - 60_000,
      durationMs: 60_000,
      tail: '',
      rules: { expect: [{ path: join(d, 'backup.gz'), fresh: true, minBytes: 1000 }] },
      minDurationMs: 120_000,
      previous: null,
      env: ENV,
    });
  const failed = await run(0);
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.reason, 'backup.gz is 20 B, under its min_size 1 KB');
  assert.equal(failed.expect?.length, 1);
  const unchecked = { path: join(d, 'backup.gz'), file: null, size: null, ok: false, reason: 'not checked: the run had already failed', ref_size: null };
  assert.deepEqual(await run(2), { outcome: 'failed', reason: null, expect: [unchecked], baseline: null });
  file(join(d, 'backup.gz'), 5000, 0);
  const fast = await run(0);
  assert.equal(fast.outcome, 'suspicious', 'passing artifacts let min_duration judge');
  assert.equal(fast.expect?.[0]?.ok, true);
});

test('settleOutcome: a run that failed before its artifacts carries the last good size on, so min_ratio holds the run after it', async (t) => {
  const d = tmp(t);
  const path = join(d, 'backup.gz');
  const rules = { expect: [{ path, fresh: false, minRatio: 0.5 }] };
  const run = (code: number, previous: ArtifactResult[] | null) =>
    settleOutcome({
      job: 'backup',
      dir: d,
      exit: { code, signal: null, timedOut: false, spawnFailed: false },
      startedMs: Date.now() - 60_000,
      durationMs: 60_000,
      tail: '',
      rules,
      minDurationMs: undefined,
      previous: previous && ({ expect: previous } as HeartbeatRecord),
      env: ENV,
    });
  file(path, 5000, 0);
  const good = await run(0, null);
  assert.equal(good.outcome, 'ok');
  const dead = await run(1, good.expect);
  assert.equal(dead.expect?.[0]?.ref_size, 5000);
  file(path, 20, 0);
  const empty = await run(0, dead.expect);
  assert.equal(empty.outcome, 'failed');
  assert.equal(empty.reason, 'backup.gz is 20 B; the last good one was 5 KB (min_ratio 50%)');
});

test('with forward, a SIGTERM sent to hb while a verifier runs reaches the verifier, and hb carries on', async (t) => {
  const d = tmp(t);
  const f = file(join(d, 'x'), 1);
  const ready = join(d, 'ready');
  const running = runVerifier(`touch ${ready}; exec sleep 30`, f, { env: ENV, timeoutMs: 60_000, forward: true });
  await waitFor(() => existsSync(ready), 'the verifier started');
  process.kill(process.pid, 'SIGTERM');
  const end = await running;
  assert.deepEqual([end.signal, end.timedOut], ['SIGTERM', false]);
});

test('settleOutcome tells onChild the verifier’s pid, the leader of its own group, so hb daemon’s stop reaches it as it reaches a job', async (t) => {
  const d = tmp(t);
  const path = join(d, 'backup.gz');
  file(path, 100, 0);
  const told: number[] = [];
  const settled = await settleOutcome({
    job: 'backup',
    dir: d,
    exit: { code: 0, signal: null, timedOut: false, spawnFailed: false },
    startedMs: Date.now() - 60_000,
    durationMs: 60_000,
    tail: '',
    rules: { expect: [{ path, fresh: false, verify: 'exec sleep 30', verifyTimeoutMs: 60_000 }] },
    minDurationMs: undefined,
    previous: null,
    env: ENV,
    onChild: (pid) => {
      told.push(pid);
      process.kill(-pid, 'SIGTERM');
    },
  });
  assert.equal(told.length, 1);
  assert.equal(settled.outcome, 'failed');
  assert.match(settled.reason ?? '', /was killed by SIGTERM/);
});
