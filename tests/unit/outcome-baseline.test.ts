// The learned duration band: nearest-rank p5/p95 of the last successes, the band with its slack,
// a window that adapts to a lasting change, the reasons, the `baseline:` key, and the stage.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineBand, baselineVerdict, DEFAULT_BASELINE, shortDuration, successDurations } from '../../lib/rules/outcome/baseline.ts';
import type { BaselineRule } from '../../lib/rules/outcome/rules.ts';
import type { RunLine } from '../../lib/rules/history/runs.ts';
import { parseBaseline } from '../../lib/rules/config/baseline.ts';
import { appendRun } from '../../lib/adapters/history/runs.ts';
import { settleOutcome } from '../../lib/run/outcome.ts';

const rule = (over: Partial<BaselineRule> = {}): BaselineRule => ({ ...DEFAULT_BASELINE, ...over });
const run = (duration_ms: number, status: 'ok' | 'error' = 'ok', cycle = 1): RunLine => ({
  started_at: '2026-01-01T00:00:00.000Z',
  duration_ms,
  status,
  outcome: status === 'ok' ? 'ok' : 'failed',
  exit_code: status === 'ok' ? 0 : 1,
  cycle,
});

// 20 runs from 1.9 s to 2.2 s, as a job that usually takes about 2 s: p5 is the fastest (rank 1),
// p95 the 19th (rank ⌈0.95·20⌉ = 19), never the slowest.
const usual = [1900, 2200, 1950, 2000, 2050, 2100, 2150, 1960, 2010, 2020, 2030, 2040, 2060, 2070, 2080, 2090, 2110, 2120, 2130, 2300];

test('baselineBand: p5 and p95 by nearest rank, the band p5/fast to p95×slow, nothing under min_runs', () => {
  const found = baselineBand(usual, rule());
  assert.deepEqual(found, { p5: 1900, p95: 2200, band: { runs: 20, low_ms: 1900 / 3, high_ms: 6600 } });
  assert.equal(baselineBand(usual.slice(0, 19), rule()), null, '19 runs are fewer than min_runs 20');
  assert.equal(baselineBand([], rule({ minRuns: 1 })), null);
  assert.deepEqual(baselineBand([100], rule({ minRuns: 1, fast: 2, slow: 4 }))?.band, { runs: 1, low_ms: 50, high_ms: 400 });
  // 100 values 1..100: p5 is 5, p95 is 95.
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(baselineBand(hundred, rule({ fast: 1, slow: 1 }))?.band, { runs: 100, low_ms: 5, high_ms: 95 });
});

test('baselineVerdict: under p5/fast or over p95×slow by more than the slack is suspicious or slow, with the reason', () => {
  assert.deepEqual(baselineVerdict(10, usual, rule()), {
    outcome: 'suspicious',
    reason: 'took 10ms; its last 20 successful runs took 1.9s to 2.2s (suspicious under 633ms)',
    band: { runs: 20, low_ms: 1900 / 3, high_ms: 6600 },
  });
  assert.deepEqual(baselineVerdict(9100, usual, rule()), {
    outcome: 'slow',
    reason: 'took 9.1s; its last 20 successful runs took 1.9s to 2.2s (slow over 6.6s)',
    band: { runs: 20, low_ms: 1900 / 3, high_ms: 6600 },
  });
  // Inside the band, and outside it by no more than the slack: ok, with the band.
  for (const d of [634, 2000, 6600, 133.4, 7100]) {
    const v = baselineVerdict(d, usual, rule());
    assert.equal(v.outcome, 'ok', `${d} ms`);
    assert.equal(v.reason, null);
    assert.equal(v.band?.runs, 20);
  }
  // Just past the slack on either side.
  assert.equal(baselineVerdict(133, usual, rule()).outcome, 'suspicious');
  assert.equal(baselineVerdict(7101, usual, rule()).outcome, 'slow');
  // No slack: any run outside the band.
  assert.equal(baselineVerdict(600, usual, rule({ slackMs: 0 })).outcome, 'suspicious');
  assert.equal(baselineVerdict(6601, usual, rule({ slackMs: 0 })).outcome, 'slow');
  // Too few runs yet: nothing judged, no band.
  assert.deepEqual(baselineVerdict(10, usual.slice(0, 5), rule()), { outcome: 'ok', reason: null, band: null });
});

test('successDurations: the last `runs` successes, oldest first; failures are not durations; suspicious or slow successes count', () => {
  const history: RunLine[] = [run(1), run(2), run(3, 'error'), { ...run(4), outcome: 'suspicious' }, { ...run(5), outcome: 'slow' }, run(6)];
  assert.deepEqual(successDurations(history, 10), [1, 2, 4, 5, 6]);
  assert.deepEqual(successDurations(history, 3), [4, 5, 6]);
  assert.deepEqual(successDurations([], 3), []);
});

test('the window adapts: a lasting change is suspicious at first and becomes the new normal as the window turns over', () => {
  const r = rule({ runs: 20, minRuns: 10, slackMs: 100 });
  const history: RunLine[] = usual.map((d) => run(d));
  const verdicts: string[] = [];
  // From now on the job takes 300 ms (a smaller data set): each run is judged, then joins the history.
  for (let i = 0; i < 20; i++) {
    verdicts.push(baselineVerdict(300, successDurations(history, r.runs), r).outcome);
    history.push(run(300));
  }
  // Suspicious while at least one of the 20 is an old run (p5 = the fastest old run / 3 ≥ 633 ms),
  // until the 300 ms runs are 1 in 20 (p5 = 300 ms): then ok.
  assert.equal(verdicts[0], 'suspicious');
  const firstOk = verdicts.indexOf('ok');
  assert.ok(firstOk > 0 && firstOk < 20, `ok from run ${firstOk}: ${verdicts.join(',')}`);
  assert.ok(
    verdicts.slice(firstOk).every((v) => v === 'ok'),
    verdicts.join(','),
  );
  assert.ok(
    verdicts.slice(0, firstOk).every((v) => v === 'suspicious'),
    verdicts.join(','),
  );
});

test('shortDuration: milliseconds under a second, tenths under a minute, then formatDuration', () => {
  assert.deepEqual([10, 633.33, 999.4, 999.6, 1900, 6600, 42_549, 59_960, 125_000].map(shortDuration), [
    '10ms',
    '633ms',
    '999ms',
    '1s',
    '1.9s',
    '6.6s',
    '42.5s',
    '1m',
    '2m5s',
  ]);
});

test('parseBaseline: true is the defaults, false is off, a map sets each key; every problem with its key', () => {
  assert.deepEqual(parseBaseline(true), { rule: DEFAULT_BASELINE, problems: [] });
  assert.deepEqual(parseBaseline(false), { rule: undefined, problems: [] });
  assert.deepEqual(parseBaseline({ runs: 100, min_runs: 10, fast: 4, slow: 2.5, slack: '2s' }).rule, {
    runs: 100,
    minRuns: 10,
    fast: 4,
    slow: 2.5,
    slackMs: 2000,
  });
  assert.deepEqual(parseBaseline({ slack: 0 }).rule, { ...DEFAULT_BASELINE, slackMs: 0 });
  assert.deepEqual(parseBaseline({ runs: 10 }).rule, { ...DEFAULT_BASELINE, runs: 10, minRuns: 10 }, 'min_runs defaults to at most runs');
  assert.deepEqual(parseBaseline('yes').problems, [
    { path: [], message: 'expected true, false or a map (runs, min_runs, fast, slow, slack), found string "yes"' },
  ]);
  const bad = parseBaseline({ runs: 201, min_runs: 0, fast: 0.5, slow: 'x', slack: 'soon', typo: 1 });
  assert.equal(bad.rule, undefined);
  assert.deepEqual(
    bad.problems.map((p) => [p.path.join('.'), p.message]),
    [
      ['typo', 'unknown key "typo" in baseline (expected one of runs, min_runs, fast, slow, slack)'],
      ['runs', 'expected a whole number from 1 to 200, found number 201'],
      ['min_runs', 'expected a whole number from 1 to 200, found number 0'],
      ['fast', 'expected a factor from 1 to 1000 (3: three times off the usual band), found number 0.5'],
      ['slow', 'expected a factor from 1 to 1000 (3: three times off the usual band), found string "x"'],
      ['slack', '"soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    ],
  );
  assert.deepEqual(parseBaseline({ runs: 10, min_runs: 20 }).problems, [
    { path: ['min_runs'], message: 'expected at most runs (10): the band never holds more than runs successes, found 20' },
  ]);
});

test('settleOutcome: the baseline stage reads the history only for a job with a baseline, and never judges a failure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-baseline-stage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [i, d] of usual.entries()) appendRun(dir, 'backup', run(d, 'ok', i + 1));
  const settle = (code: number, durationMs: number, baseline: BaselineRule | undefined, minDurationMs?: number) =>
    settleOutcome({
      job: 'backup',
      dir,
      exit: { code, signal: null, timedOut: false, spawnFailed: false },
      startedMs: 0,
      durationMs,
      tail: '',
      rules: baseline ? { baseline } : undefined,
      minDurationMs,
      previous: null,
    });
  const band = { runs: 20, low_ms: 1900 / 3, high_ms: 6600 };
  assert.deepEqual(await settle(0, 10, rule()), {
    outcome: 'suspicious',
    reason: 'took 10ms; its last 20 successful runs took 1.9s to 2.2s (suspicious under 633ms)',
    expect: null,
    baseline: band,
  });
  assert.deepEqual(await settle(0, 2000, rule()), { outcome: 'ok', reason: null, expect: null, baseline: band });
  assert.deepEqual(await settle(0, 10, undefined), { outcome: 'ok', reason: null, expect: null, baseline: null }, 'no baseline: not judged');
  assert.deepEqual(await settle(1, 10, rule()), { outcome: 'failed', reason: null, expect: null, baseline: null }, 'a failure is not judged by duration');
  // min_duration comes first: among equally bad findings its reason is the one given.
  assert.equal((await settle(0, 10, rule(), 30_000)).reason, 'finished in 10ms, faster than its min_duration 30s');
  // Another job's history is not this one's.
  const other = await settleOutcome({
    job: 'other',
    dir,
    exit: { code: 0, signal: null, timedOut: false, spawnFailed: false },
    startedMs: 0,
    durationMs: 10,
    tail: '',
    rules: { baseline: rule() },
    minDurationMs: undefined,
    previous: null,
  });
  assert.deepEqual(other, { outcome: 'ok', reason: null, expect: null, baseline: null });
});
