// A check racing the writers it reads: hundreds of first-time `hb wrap` runs (new job names,
// spread through the name order) against a loop of `hb check` runs on the same state directory,
// which holds 3,000 heartbeats so each scan takes long enough for runs to end in the middle of
// it. A run that ends between the listing and the read used to abort the whole check with
// "no job named x". Every check must exit 0 or 1 (nagios 0-2) with output that parses.

import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hbRun, sandbox, seededRandom, type Run } from '../helpers.ts';

const EXISTING = 3_000;
const NEW_RUNS = 300;
const WRAPS_AT_ONCE = 6;
const SEED = 20_261_203;
// A bound on the whole test on a loaded machine: no new wrap starts after it (the figures say so).
const LAUNCH_DEADLINE_MS = 75_000;

/** Writes `n` healthy heartbeats the way hb writes them (record, mtime = started_at), fast. */
function writeHeartbeats(state: string, n: number, nowMs: number): void {
  mkdirSync(state, { recursive: true });
  for (let i = 0; i < n; i++) {
    const job = `job-${String(i).padStart(5, '0')}`;
    const started = new Date(nowMs - 60_000 - (i % 300) * 1000);
    const record = {
      v: 1,
      job,
      host: 'h',
      status: 'ok',
      exit_code: 0,
      signal: null,
      started_at: started.toISOString(),
      finished_at: started.toISOString(),
      duration_ms: 5,
      cycle: 1,
      action: null,
      message: null,
      schedule: { every: '1h' },
      grace_s: null,
      output_tail: '',
      pid: 1,
      hb_version: '0.1.0',
    };
    const path = join(state, `${job}.last`);
    writeFileSync(path, JSON.stringify(record) + '\n');
    utimesSync(path, started, started);
  }
}

const FORMATS = ['json', 'nagios', 'prometheus', 'text'] as const;

/** Why a check's result is not a whole verdict, or null when it is one. */
function aborted(format: (typeof FORMATS)[number], r: Run): string | null {
  if (format === 'nagios') {
    if (r.code === null || r.code > 2) return `nagios exit ${r.code}: ${r.stdout.split('\n')[0]}`;
    return /^HB (OK|WARNING|CRITICAL) - /.test(r.stdout) ? null : `nagios output: ${r.stdout.slice(0, 200)}`;
  }
  if (r.code !== 0 && r.code !== 1) return `${format} exit ${r.code} (${r.signal}): ${r.stderr.trim()}`;
  if (format === 'json') {
    try {
      const jobs = (JSON.parse(r.stdout) as { jobs: unknown[] }).jobs;
      return jobs.length >= EXISTING ? null : `json: only ${jobs.length} jobs`;
    } catch (e) {
      return `json does not parse: ${(e as Error).message}`;
    }
  }
  if (format === 'prometheus') return /^hb_problems \d+$/m.test(r.stdout) && r.stdout.endsWith('\n') ? null : `prometheus output: ${r.stdout.slice(0, 200)}`;
  return /^(all \d+ jobs healthy|\d+ of \d+ jobs unhealthy)$/m.test(r.stdout) ? null : `text output: ${r.stdout.slice(-200)}`;
}

test(`${NEW_RUNS} first-time wraps against a loop of checks over ${EXISTING} heartbeats: no check aborts`, async (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const started = Date.now();
  writeHeartbeats(s.state, EXISTING, started);
  const random = seededRandom(SEED);
  // New names land between the existing ones, so a scan reaches some early and some late; each
  // run lasts 0–150 ms, about as long as a scan takes to reach it.
  const runs = Array.from({ length: NEW_RUNS }, (_, i) => ({
    job: `job-${String(Math.floor(random() * EXISTING)).padStart(5, '0')}-new${i}`,
    sleep: (Math.floor(random() * 150) / 1000).toFixed(3),
  }));

  let wrapsDone = false;
  let launched = 0;
  const wrapResults: Run[] = [];
  const worker = async () => {
    while (launched < runs.length && Date.now() - started < LAUNCH_DEADLINE_MS) {
      const run = runs[launched++]!;
      wrapResults.push(await hbRun(['wrap', '--job', run.job, '--every', '1h', '--', 'sleep', run.sleep], { env: s.env }));
    }
  };
  const wraps = Promise.all(Array.from({ length: WRAPS_AT_ONCE }, worker)).finally(() => (wrapsDone = true));

  const failures: string[] = [];
  let checks = 0;
  while (!wrapsDone) {
    const format = FORMATS[checks % FORMATS.length]!;
    const r = await hbRun(['check', '--format', format, '--no-notify', '--no-recover'], { env: s.env });
    checks++;
    const why = aborted(format, r);
    if (why) failures.push(why);
  }
  await wraps;

  t.diagnostic(
    `checks run: ${checks}, aborted: ${failures.length}; first-time wraps: ${wrapResults.length} of ${NEW_RUNS} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  for (const r of wrapResults) assert.equal(r.code, 0, `a wrap failed: ${r.stderr}`);
  assert.ok(checks >= 10, `only ${checks} checks ran while the wraps did: the race was not exercised`);
  assert.ok(wrapResults.length >= 100, `only ${wrapResults.length} wraps ran before the deadline`);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${checks} checks aborted`);

  // Afterwards every job, old and new, has its heartbeat and is healthy.
  const final = await hbRun(['check', '--json', '--no-notify', '--no-recover'], { env: s.env });
  assert.equal(final.code, 0, final.stdout.slice(0, 500) + final.stderr);
  const jobs = (JSON.parse(final.stdout) as { jobs: Array<{ job: string; status: string }> }).jobs;
  assert.equal(jobs.filter((j) => j.job !== 'hb-check').length, EXISTING + wrapResults.length);
});
