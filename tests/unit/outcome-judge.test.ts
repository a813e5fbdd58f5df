// A run's outcome from the record to the verdict: what `hb check` makes of `outcome`, `reason` and
// `failed_streak`, and what a record must hold to be read at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJob, type EvalContext, type JobFacts } from '../../lib/rules/health/evaluate.ts';
import { parseHeartbeat, type HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import type { JobConfig } from '../../lib/rules/config/types.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import { worst } from '../../lib/rules/outcome/types.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ctx: EvalContext = { nowMs: NOW, defaults: {}, timing: (spec, anchor) => compileSchedule(spec, 'UTC').timing(anchor) };

function record(fields: Partial<HeartbeatRecord>): HeartbeatRecord {
  const started = NOW - 60_000;
  return {
    v: 1,
    job: 'backup',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: iso(started),
    finished_at: iso(started + 2000),
    duration_ms: 2000,
    cycle: 7,
    action: null,
    message: null,
    schedule: { every: '1h' },
    grace_s: null,
    output_tail: null,
    pid: 42,
    hb_version: 't',
    ...fields,
  };
}

function judge(rec: HeartbeatRecord, config: JobConfig | null = null) {
  const facts: JobFacts = {
    job: 'backup',
    heartbeat: { kind: 'record', record: rec, mtimeMs: 0 },
    file: null,
    run: null,
    runGone: null,
    config,
    firstSeenMs: null,
    pausedUntilMs: null,
  };
  return evaluateJob(facts, ctx);
}

test('a warning outcome is the status warning, not a problem, with its reason; stale still wins', () => {
  const v = judge(record({ outcome: 'warning', reason: 'exit 24 is one of warn_codes', exit_code: 24 }));
  assert.equal(v.status, 'warning');
  assert.equal(v.problem, false);
  assert.match(v.reason, /succeeded with a warning: exit 24 is one of warn_codes; next due in/);
  const old = record({ outcome: 'warning', reason: 'x', started_at: iso(NOW - 3 * 3600_000), finished_at: iso(NOW - 3 * 3600_000) });
  assert.equal(judge(old).status, 'stale');
});

test('suspicious and slow outcomes are problems named by their reason', () => {
  for (const outcome of ['suspicious', 'slow'] as const) {
    const v = judge(record({ outcome, reason: 'took 10ms; its usual band is 1.8s to 2.4s' }));
    assert.equal(v.status, outcome);
    assert.equal(v.problem, true);
    assert.match(v.reason, new RegExp(`was ${outcome}: took 10ms; its usual band`));
  }
});

test('a failed run says the recorded reason rather than the exit code', () => {
  const v = judge(record({ status: 'error', outcome: 'failed', reason: "backup.sql.gz is 20 B; last run's was 2.1 GB", failed_streak: 1 }));
  assert.equal(v.status, 'failed');
  assert.match(v.reason, /last run failed, 1m ago: backup.sql.gz is 20 B; last run's was 2.1 GB/);
});

test('tolerate failed_runs: fewer failures in a row than asked for are failed but no problem; as many are a problem', () => {
  const cfg: JobConfig = { name: 'backup', failedRuns: 2 };
  const first = judge(record({ status: 'error', exit_code: 3, outcome: 'failed', failed_streak: 1 }), cfg);
  assert.deepEqual([first.status, first.problem], ['failed', false]);
  assert.match(first.reason, /\(1 of 2 failed runs in a row tolerated\)/);
  const second = judge(record({ status: 'error', exit_code: 3, outcome: 'failed', failed_streak: 2 }), cfg);
  assert.deepEqual([second.status, second.problem], ['failed', true]);
  // A record from before the count is one failure.
  assert.equal(judge(record({ status: 'error', exit_code: 3 }), cfg).problem, false);
  assert.equal(judge(record({ status: 'error', exit_code: 3 }), { name: 'backup' }).problem, true);
});

test('a record whose outcome contradicts its status, or whose expect or baseline is malformed, is corrupt', () => {
  const base = record({});
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ outcome: 'failed' }, /"outcome" is "failed" but "status" is "ok"/],
    [{ status: 'error', outcome: 'warning' }, /"outcome" is "warning" but "status" is "error"/],
    [{ outcome: 'great' }, /"outcome" is "great", expected one of/],
    [{ failed_streak: -1 }, /"failed_streak" is -1/],
    [{ expect: {} }, /"expect" is not a list/],
    [{ expect: [{ path: '/x' }] }, /"expect" \[0\] lacks a path or ok/],
    [{ expect: [{ path: '/x', ok: true, size: -1 }] }, /\[0\]\.size is -1/],
    [{ expect: [{ path: '/x', ok: true, ref_size: 'big' }] }, /\[0\]\.ref_size is not a number/],
    [{ baseline: { runs: 3, low_ms: 'x', high_ms: 1 } }, /"baseline": "low_ms" is not a number/],
  ];
  for (const [fields, reason] of bad) {
    const read = parseHeartbeat(JSON.stringify({ ...base, ...fields }), 0);
    assert.equal(read.kind, 'corrupt', JSON.stringify(fields));
    assert.match((read as { reason: string }).reason, reason);
  }
  const good = {
    ...base,
    outcome: 'ok',
    reason: null,
    failed_streak: 0,
    expect: [{ path: '/x', file: '/x', size: 3, ok: true, reason: null, ref_size: null }],
  };
  assert.equal(parseHeartbeat(JSON.stringify(good), 0).kind, 'record');
});

test('worst: the most severe verdict, the first among equals', () => {
  const a = { outcome: 'warning' as const, reason: 'a' };
  const b = { outcome: 'warning' as const, reason: 'b' };
  const f = { outcome: 'failed' as const, reason: 'f' };
  assert.equal(worst([]).outcome, 'ok');
  assert.equal(worst([a, b]), a);
  assert.equal(worst([a, f, b]), f);
});

test('settleOutcome: exit 0 is ok, anything else failed; a success under min_duration is suspicious, a failure stays failed', async () => {
  const { settleOutcome } = await import('../../lib/run/outcome.ts');
  const run = (code: number, durationMs: number, minDurationMs?: number) =>
    settleOutcome({
      job: 'backup',
      dir: '/nonexistent',
      exit: { code, signal: null, timedOut: false, spawnFailed: false },
      startedMs: NOW,
      durationMs,
      tail: '',
      rules: undefined,
      minDurationMs,
      previous: null,
    });
  assert.deepEqual(await run(0, 10), { outcome: 'ok', reason: null, expect: null, baseline: null });
  assert.equal((await run(3, 10)).outcome, 'failed');
  assert.deepEqual(await run(0, 40, 30_000), {
    outcome: 'suspicious',
    reason: 'finished in 40ms, faster than its min_duration 30s',
    expect: null,
    baseline: null,
  });
  assert.equal((await run(0, 31_000, 30_000)).outcome, 'ok');
  assert.deepEqual(await run(1, 40, 30_000), { outcome: 'failed', reason: null, expect: null, baseline: null });
});
