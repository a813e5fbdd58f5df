// Maintenance windows end to end through the built CLI and a real webhook server on 127.0.0.1:
// a job that fails inside its window is shown as paused and sends nothing; once the window
// closes its failure is judged as usual, and alerted once. Time moves with faketime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, requireTool, sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
/** faketime's prefix for an instant (the sandbox's TZ is UTC). */
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

test('a job failing inside a maintenance window sends nothing; once the window closes, one alert', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  t.after(() => rec.close());
  const s = sandbox();
  t.after(s.cleanup);
  const config = join(s.root, 'hb.yaml');
  writeFileSync(
    config,
    [
      'notify:',
      `  - webhook: {url: ${rec.url}/hook, timeout: 1s, retries: 0}`,
      'maintenance:',
      '  - {cron: "0 10 * * *", duration: 1h, tz: UTC, jobs: [db]}',
      'jobs:',
      '  db:',
      '    every: 1h',
      '  web:',
      '    every: 1h',
      '',
    ].join('\n'),
  );
  const env = { ...s.env, HB_CONFIG: config };
  const check = async (ms: number) => {
    const r = await hbRun(['check', '--json'], { env, prefix: at(ms) });
    const jobs = (JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string; reason: string }> }).jobs;
    return { code: r.code, stderr: r.stderr, of: (job: string) => jobs.find((j) => j.job === job) };
  };
  for (const job of ['db', 'web']) {
    const r = hb(['tick', job], { env, prefix: at(T) });
    assert.equal(r.code, 0, r.stderr);
  }

  // Inside the window db fails (the upgrade broke it); web, outside any window, fails too.
  for (const job of ['db', 'web']) {
    const r = hb(['tick', job, '--status', 'error', '--message', 'upgrade in progress'], { env, prefix: at(T + 65 * MIN) });
    assert.equal(r.code, 0, r.stderr);
  }
  const inside = await check(T + 70 * MIN);
  assert.equal(inside.of('db')?.status, 'paused');
  assert.equal(inside.of('db')?.reason, 'in maintenance window 0 10 * * * for 1h (UTC) until 2026-11-20T11:00:00Z');
  assert.equal(inside.of('web')?.status, 'failed', 'a job the window does not name is judged as usual');
  assert.deepEqual(
    rec.requests.map((r) => [(r.body as { type: string }).type, (r.body as { job: string }).job]),
    [['alert', 'web']],
    'nothing sent for db inside its window',
  );
  // The report shows db paused, with the window as its reason, and no blocker; web is one.
  const report = hb(['report', '--format', 'json'], { env, prefix: at(T + 75 * MIN) });
  const parsed = JSON.parse(report.stdout) as { blockers: Array<{ job: string }>; jobs: Array<{ job: string; status: string; reason: string }> };
  const dbRow = parsed.jobs.find((j) => j.job === 'db');
  assert.deepEqual([dbRow?.status, dbRow?.reason], ['paused', 'in maintenance window 0 10 * * * for 1h (UTC) until 2026-11-20T11:00:00Z']);
  assert.deepEqual(
    parsed.blockers.map((b) => b.job),
    ['web'],
  );
  assert.ok(existsSync(join(s.state, 'meta', 'windows.json')), 'the window answer is kept for the next checks');
  await check(T + 119 * MIN);
  assert.equal(rec.requests.length, 1, 'still inside the window: still nothing for db');

  // The window closes at 11:00: db's failure from inside it is a failure, alerted once.
  const after = await check(T + 120 * MIN);
  assert.equal(after.code, 1);
  assert.equal(after.of('db')?.status, 'failed');
  assert.match(after.of('db')!.reason, /upgrade in progress/);
  await check(T + 121 * MIN);
  const sent = rec.requests.map((r) => r.body as { type: string; job: string; status: string });
  assert.deepEqual(
    sent.map((b) => [b.type, b.job, b.status]),
    [
      ['alert', 'web', 'failed'],
      ['alert', 'db', 'failed'],
    ],
  );
});
