// `hb wrap --baseline`, `baseline:` and `--min-duration` through the built CLI: the run history
// each run adds to, the verdict against it on stderr and in the heartbeat, hb check's status, the
// flags' errors and help, and hb forget removing the history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, readJson, sandbox, type Sandbox } from '../helpers.ts';

/** Writes a history of `durations` (ms, all successes) for `job`, as 20 earlier runs would have. */
function seedHistory(s: Sandbox, job: string, durations: number[]): string {
  mkdirSync(join(s.state, 'history'), { recursive: true, mode: 0o700 });
  const path = join(s.state, 'history', `${job}.runs.jsonl`);
  const lines = durations.map((d, i) => ({
    started_at: `2026-12-0${1 + (i % 2)}T02:30:00.000Z`,
    duration_ms: d,
    status: 'ok',
    outcome: 'ok',
    exit_code: 0,
    cycle: i + 1,
  }));
  writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
  return path;
}

const slowJob = Array.from({ length: 20 }, (_, i) => 19_000 + i * 150); // 19 s to 21.85 s

test('every wrapped run adds a line to its history; --baseline judges a success far faster than usual suspicious, on stderr and in the heartbeat', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const path = seedHistory(s, 'dump', slowJob);
  const r = hb(['wrap', '--job', 'dump', '--every', '1d', '--baseline', '--', 'true'], { env: s.env });
  assert.equal(r.code, 0, 'the exit code stays the command’s');
  assert.match(r.stderr, /^hb: dump: suspicious: took \d+ms; its last 20 successful runs took 19s to 21.7s \(suspicious under 6.3s\)\n$/);
  const rec = readJson(join(s.state, 'dump.last'));
  assert.equal(rec.status, 'ok');
  assert.equal(rec.outcome, 'suspicious');
  assert.match(rec.reason, /^took \d+ms; its last 20 successful runs/);
  assert.deepEqual(rec.baseline, { runs: 20, low_ms: 19_000 / 3, high_ms: 21_700 * 3 });
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines.length, 21);
  const added = JSON.parse(lines.at(-1)!);
  assert.deepEqual(Object.keys(added), ['started_at', 'duration_ms', 'status', 'outcome', 'exit_code', 'cycle']);
  assert.equal(added.outcome, 'suspicious');
  assert.equal(added.duration_ms, rec.duration_ms);
  const check = hb(['check', '--json', 'dump'], { env: s.env });
  assert.equal(check.code, 1, check.stderr);
  const job = JSON.parse(check.stdout).jobs.find((j: { job: string }) => j.job === 'dump');
  assert.equal(job.status, 'suspicious');
  assert.match(job.reason, /was suspicious: took \d+ms; its last 20 successful runs took 19s to 21.7s \(suspicious under 6.3s\)/);
});

test('without --baseline or baseline: the same history judges nothing; the run is still added to it', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const path = seedHistory(s, 'dump', slowJob);
  const r = hb(['wrap', '--job', 'dump', '--every', '1d', '--', 'true'], { env: s.env });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  const rec = readJson(join(s.state, 'dump.last'));
  assert.equal(rec.outcome, 'ok');
  assert.equal(rec.baseline, undefined);
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 21);
});

test('baseline: in the config sets the band (here slow), a failure is never judged by duration, and too few runs judge nothing', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, 'jobs:\n  quick:\n    every: 1h\n    baseline: {runs: 30, min_runs: 10, slow: 2, slack: 0}\n');
  const wrap = (...cmd: string[]) => hb(['--config', config, 'wrap', '--job', 'quick', '--', ...cmd], { env: s.env });
  // Nine runs: under min_runs, nothing judged and no band.
  seedHistory(s, 'quick', Array(9).fill(1));
  let r = wrap('sleep', '0.2');
  assert.equal(r.stderr, '');
  assert.equal(readJson(join(s.state, 'quick.last')).baseline, undefined);
  // Now ten (the run above joined them), the usual 1 ms: 200 ms is slow.
  seedHistory(s, 'quick', Array(10).fill(1));
  r = wrap('sleep', '0.2');
  assert.match(r.stderr, /^hb: quick: slow: took \d+ms; its last 10 successful runs took 1ms to 1ms \(slow over 2ms\)\n$/);
  assert.equal(readJson(join(s.state, 'quick.last')).outcome, 'slow');
  seedHistory(s, 'quick', Array(10).fill(1));
  r = wrap('sh', '-c', 'sleep 0.2; exit 3');
  assert.equal(r.code, 3);
  assert.equal(r.stderr, '');
  const rec = readJson(join(s.state, 'quick.last'));
  assert.equal(rec.outcome, 'failed');
  assert.equal(rec.baseline, undefined);
});

test('--min-duration is a hard floor from the command line; --baseline and --min-duration are in --help, a bad value exits 2 naming the flag', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const r = hb(['wrap', '--job', 'dump', '--every', '1d', '--min-duration', '30s', '--', 'true'], { env: s.env });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^hb: dump: suspicious: finished in \d+ms, faster than its min_duration 30s\n$/);
  for (const [value, message] of [
    ['0', 'hb: --min-duration: "0" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)\n'],
    ['soon', 'hb: --min-duration: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)\n'],
  ]) {
    const bad = hb(['wrap', '--job', 'x', '--min-duration', value!, '--', 'true'], { env: s.env });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, message);
  }
  assert.equal(existsSync(join(s.state, 'x.last')), false, 'nothing ran');
  const help = hb(['wrap', '--help'], { env: s.env });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--min-duration <duration>\s+a run that exits 0 faster than this is suspicious/);
  assert.match(help.stdout, /--baseline\s+judge each success against the job's usual/);
  assert.match(help.stdout, /hb wrap --job backup --cron "30 2 \* \* \*" --baseline --min-duration 30s -- \/usr\/local\/bin\/backup.sh/);
});

test('baseline: with a wrong value is a config error at its line and column', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, 'jobs:\n  quick:\n    every: 1h\n    baseline:\n      runs: 500\n      slack: soon\n');
  const r = hb(['--config', config, 'wrap', '--job', 'quick', '--', 'true'], { env: s.env });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `hb: ${config}:5:13: jobs.quick.baseline.runs: expected a whole number from 1 to 200, found number 500\n` +
      `hb: ${config}:6:14: jobs.quick.baseline.slack: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)\n`,
  );
});

test('hb forget removes the job’s history with its heartbeat', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['wrap', '--job', 'dump', '--every', '1d', '--', 'true'], { env: s.env }).code, 0);
  const path = join(s.state, 'history', 'dump.runs.jsonl');
  assert.ok(existsSync(path));
  const r = hb(['forget', 'dump'], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `dump forgotten: removed ${join(s.state, 'dump.last')}, ${path}\n`);
  assert.equal(existsSync(path), false);
});
