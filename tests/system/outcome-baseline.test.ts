// Learned duration baselines with real jobs end to end: a job run 20 times through the built
// `hb wrap` (sh sleeping 0.3–0.5 s) learns its band; a run that ends in a few milliseconds is
// suspicious and `hb check` sends one alert to a real webhook server on 127.0.0.1; a second fast
// run sends nothing more; a normal run resolves it. Then a run far slower than usual is slow, one
// alert, resolved by the next normal run.
//
// The example is a job of about 2 s; this one is 0.3–0.5 s to keep the suite fast, so its
// band is p5/2 to p95×2 and its slack 50ms (the default 500ms would swallow a band this narrow).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, readJson, sandbox } from '../helpers.ts';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';

const bodies = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>);

test('a job that usually takes 0.3–0.5 s: a 10 ms success is suspicious with one alert and one resolve; a 2.5 s run is slow, the same', async (t) => {
  const rec = await startRecorder();
  const s = sandbox();
  t.after(async () => {
    await rec.close();
    s.cleanup();
  });
  const config = join(s.root, 'hb.yaml');
  writeFileSync(
    config,
    `notify:\n  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}\n` +
      'jobs:\n  backup:\n    every: 1h\n    baseline: {runs: 50, min_runs: 20, fast: 2, slow: 2, slack: 50ms}\n',
  );
  s.env.HB_CONFIG = config;
  const wrap = (seconds: string) => {
    const r = hb(['wrap', '--job', 'backup', '--', 'sh', '-c', `sleep ${seconds}`], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    return { stderr: r.stderr, record: readJson(join(s.state, 'backup.last')) };
  };
  const check = async (expected: number) => {
    const r = await hbRun(['check', '--json', 'backup'], { env: s.env });
    assert.equal(r.code, expected, `${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout).jobs.find((j: { job: string }) => j.job === 'backup');
  };

  // 20 normal runs: the first 20 learn (nothing judged before min_runs), none is a problem.
  for (let i = 0; i < 20; i++) {
    const { stderr, record } = wrap(['0.3', '0.4', '0.5', '0.35', '0.45'][i % 5]!);
    assert.equal(stderr, '', `run ${i + 1}`);
    assert.equal(record.outcome, 'ok');
    assert.equal(record.baseline, undefined, `run ${i + 1}: fewer than 20 runs before it`);
  }
  assert.equal((await check(0)).status, 'ok');
  assert.equal(rec.requests.length, 0);
  const history = readFileSync(join(s.state, 'history', 'backup.runs.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(history.length, 20);

  // A run that "succeeds" at doing nothing.
  const fast = wrap('0');
  assert.match(fast.stderr, /^hb: backup: suspicious: took \d+ms; its last 20 successful runs took \d+ms to \d+ms \(suspicious under \d+ms\)\n$/);
  assert.equal(fast.record.outcome, 'suspicious');
  assert.equal(fast.record.baseline.runs, 20);
  let verdict = await check(1);
  assert.equal(verdict.status, 'suspicious');
  assert.equal(rec.requests.length, 1, 'one alert');
  const [alert] = bodies(rec.requests);
  assert.equal(alert!.type, 'alert');
  assert.equal(alert!.status, 'suspicious');
  assert.match(alert!.message, /suspicious: took \d+ms; its last 20 successful runs took/);

  // Still suspicious: the incident stays open, nothing more is sent.
  const again = wrap('0');
  assert.equal(again.record.outcome, 'suspicious', 'one fast run in 21 does not move p5');
  await check(1);
  assert.equal(rec.requests.length, 1, 'no second alert');

  // Back to normal: resolved.
  assert.equal(wrap('0.4').record.outcome, 'ok');
  verdict = await check(0);
  assert.equal(verdict.status, 'ok');
  assert.equal(rec.requests.length, 2);
  assert.equal(bodies(rec.requests)[1]!.type, 'resolve');

  // Far slower than usual: slow, one alert, then resolved.
  const slow = wrap('2.5');
  assert.match(slow.stderr, /^hb: backup: slow: took 2\.\ds; its last 23 successful runs took \d+ms to \d+ms \(slow over \d(\.\d)?s\)\n$/);
  assert.equal((await check(1)).status, 'slow');
  assert.equal(rec.requests.length, 3);
  assert.equal(bodies(rec.requests)[2]!.status, 'slow');
  assert.equal(wrap('0.4').record.outcome, 'ok');
  await check(0);
  assert.equal(rec.requests.length, 4);
  assert.equal(bodies(rec.requests)[3]!.type, 'resolve');
  assert.equal(
    readFileSync(join(s.state, 'history', 'backup.runs.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    25,
  );
});
