// Outputs written a piece at a time: over hundreds of jobs (many 64 KiB pieces) `hb check --json`,
// `hb status --json` and the Prometheus text stay whole, exact and in job order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox } from '../helpers.ts';
import { ALL_STATUSES } from '../../lib/rules/format/prometheus.ts';

const JOBS = 400;

// Every run is at this instant (faketime): 10 minutes after a */30 fire, so each job's last run
// (a minute earlier) is its latest and every job is ok, whatever the clock of the test host says.
const NOW = '2026-12-03T15:10:00Z';
const at = ['faketime', '-f', `@${NOW.replace('T', ' ').replace('Z', '')}`];

/** Writes `count` recent, healthy heartbeats as hb writes them; returns their names in order. */
function heartbeats(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const now = Date.parse(NOW);
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const job = `job-${String(i).padStart(4, '0')}`;
    const started = new Date(now - 60_000 - i * 10);
    const record = {
      v: 1,
      job,
      host: 'h',
      status: 'ok',
      exit_code: 0,
      signal: null,
      started_at: started.toISOString(),
      finished_at: new Date(started.getTime() + 5).toISOString(),
      duration_ms: 5,
      cycle: i,
      action: null,
      message: i % 7 === 0 ? 'a "message"\nover two lines' : null,
      schedule: i % 2 ? { every: '1h' } : { cron: '*/30 * * * *', tz: 'Europe/Berlin' },
      grace_s: null,
      output_tail: null,
      pid: 1000 + i,
      hb_version: '0.1.0',
    };
    writeFileSync(join(dir, `${job}.last`), JSON.stringify(record) + '\n');
    utimesSync(join(dir, `${job}.last`), started, started);
    names.push(job);
  }
  return names;
}

test('hb check --json and hb status --json over hundreds of jobs: the whole report, as JSON.stringify indents it', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    const names = heartbeats(s.state, JOBS);
    for (const args of [
      ['check', '--json'],
      ['status', '--json'],
    ]) {
      const r = hb(args, { env: s.env, prefix: at });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.length > 4 * 64 * 1024, `${args.join(' ')}: long enough to take several pieces (${r.stdout.length} characters)`);
      const report = JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string }>; healthy: boolean };
      assert.equal(r.stdout, JSON.stringify(report, null, 2) + '\n', `${args.join(' ')}: exactly the indented form`);
      const jobs = report.jobs.map((j) => j.job).filter((j) => j !== 'hb-check');
      assert.deepEqual(jobs, names, `${args.join(' ')}: every job once, in name order`);
      assert.ok(
        report.jobs.every((j) => j.status === 'ok' || j.job === 'hb-check'),
        args.join(' '),
      );
      assert.equal(report.healthy, true);
    }
  } finally {
    s.cleanup();
  }
});

test('hb check --format prometheus --textfile over hundreds of jobs: stdout and the file are the same whole text, a sample per job and family', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    const names = heartbeats(s.state, JOBS);
    hb(['check'], { env: s.env, prefix: at }); // the check's own heartbeat, so the output has one more job
    const file = join(s.root, 'hb.prom');
    const r = hb(['check', '--format', 'prometheus', '--textfile', file], { env: s.env, prefix: at });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 4 * 64 * 1024, `long enough to take several pieces (${r.stdout.length} characters)`);
    assert.equal(readFileSync(file, 'utf8'), r.stdout);
    assert.ok(r.stdout.endsWith('\n') && !r.stdout.includes('\n\n'));
    const lines = r.stdout.slice(0, -1).split('\n');
    const samples = (family: string) => lines.filter((l) => l.startsWith(`${family}{`));
    const all = ['hb-check', ...names].sort();
    const jobsOf = (family: string) => samples(family).map((l) => /hb_job="([^"]+)"/.exec(l)![1]);
    assert.deepEqual(jobsOf('hb_job_healthy'), all);
    assert.deepEqual(jobsOf('hb_job_info'), all);
    assert.deepEqual(jobsOf('hb_run_cycle'), all);
    assert.equal(samples('hb_job_status').length, all.length * ALL_STATUSES.length);
    assert.ok(lines.includes(`hb_jobs ${all.length}`));
  } finally {
    s.cleanup();
  }
});
