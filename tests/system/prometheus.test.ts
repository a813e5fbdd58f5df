// The Prometheus output against the real tools: promtool's linter and node_exporter's textfile
// collector, for the renderer directly and for the built CLI.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPrometheus } from '../../lib/rules/format/prometheus.ts';
import { writeTextfile } from '../../lib/adapters/format/textfile.ts';
import { startNodeExporter } from '../prom-stack.ts';
import { PROBLEM_STATUSES } from '../../lib/rules/health/types.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HB = join(ROOT, 'dist', 'hb.js');
const NOW = Date.parse('2026-11-20T09:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const installed = (bin: string): boolean => spawnSync(bin, ['--version'], { stdio: 'ignore' }).error === undefined;
const HAVE_PROMTOOL = installed('promtool');
const HAVE_EXPORTER = installed('prometheus-node-exporter');
// `npm test` installs both and sets HB_REQUIRE_SYSTEM: there a missing tool is a failure, not a skip.
if (process.env.HB_REQUIRE_SYSTEM && !(HAVE_PROMTOOL && HAVE_EXPORTER)) {
  throw new Error('promtool and prometheus-node-exporter are required (apt-get install prometheus prometheus-node-exporter)');
}

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

// promtool reads only stdin for `check metrics`; lint findings go to stdout or stderr by version.
function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return res.text();
}

// A JobHealth for an `every: 1h` job whose last run started 10 minutes ago, unless overridden.
function job(name: string, status: JobStatus, over: Partial<JobHealth> = {}): JobHealth {
  const lastMs = NOW - 600_000;
  return {
    job: name,
    status,
    problem: PROBLEM_STATUSES.has(status),
    reason: `"${name}" | is\n${status} \\`,
    age_s: 600,
    period_s: 3600,
    grace_s: 1800,
    ratio: 0.167,
    due: iso(lastMs + 3600_000),
    deadline: iso(lastMs + 5400_000),
    schedule: { every: '1h' },
    schedule_source: 'heartbeat',
    last_success_at: iso(lastMs),
    last: {
      v: 1,
      job: name,
      host: 'web1',
      status: status === 'failed' ? 'error' : 'ok',
      exit_code: status === 'failed' ? 1 : 0,
      signal: null,
      started_at: iso(lastMs),
      finished_at: iso(lastMs + 1234),
      duration_ms: 1234,
      cycle: 12,
      action: 'copy "db" \\ to s3',
      message: 'a\nb',
      schedule: { every: '1h' },
      grace_s: 1800,
      output_tail: 'x\u0000y',
      pid: 99,
      hb_version: '0.1.0',
    },
    running: null,
    file: null,
    evidence: [],
    root_cause: null,
    ...over,
  };
}

// Every status, a cron job with a time zone, a touched heartbeat and a never-seen job.
function richJobs(): JobHealth[] {
  const statuses: JobStatus[] = ['ok', 'late', 'stale', 'failed', 'crashed', 'running', 'overrunning', 'corrupt', 'clock_skew', 'paused'];
  return [
    ...statuses.map((s) => job(`j_${s}`, s)),
    job('backup', 'ok', { schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' }, schedule_source: 'config' }),
    job('touched', 'ok', { last: null, last_success_at: null }),
    job('ghost', 'never', { age_s: null, ratio: null, last: null, last_success_at: null, due: null, deadline: null }),
    job('loose', 'unscheduled', { period_s: null, grace_s: null, ratio: null, due: null, deadline: null, schedule: null, schedule_source: null }),
    ...(['warning', 'suspicious', 'slow'] as const).map((s) => {
      const j = job(`j_${s}`, s);
      return { ...j, last: { ...j.last!, outcome: s, reason: `a "${s}" | reason\nover lines` } };
    }),
    (() => {
      const j = job('j_tolerated', 'failed', { problem: false });
      return { ...j, last: { ...j.last!, outcome: 'failed' as const, reason: 'ERROR: db unreachable', failed_streak: 2 } };
    })(),
  ];
}

describe('renderPrometheus with the real tools', () => {
  it('passes promtool check metrics with no findings', (t) => {
    if (!HAVE_PROMTOOL) return t.skip('promtool not installed');
    const text = renderPrometheus(richJobs(), { nowMs: NOW, host: 'web1' });
    // promtool accepts empty input, so prove the content is there before trusting its verdict.
    assert.match(text, /^hb_last_success_timestamp_seconds\{hb_job="backup"\} 1795164600$/m);
    assert.match(text, /^hb_job_status\{hb_job="j_failed",status="failed"\} 1$/m);
    assert.match(text, /^hb_problems 9$/m);
    assert.match(text, /^hb_job_status\{hb_job="j_suspicious",status="suspicious"\} 1$/m);
    assert.match(text, /^hb_last_run_outcome\{hb_job="j_warning",outcome="warning"\} 1$/m);
    assert.match(text, /^hb_last_run_outcome\{hb_job="j_slow",outcome="slow"\} 1$/m);
    assert.match(text, /^hb_failed_runs_in_a_row\{hb_job="j_tolerated"\} 2$/m);
    assert.doesNotMatch(text, /over lines|unreachable/, 'no reason text in the metrics');
    const r = promtool(text);
    assert.equal(r.output, '', 'no lint findings');
    assert.equal(r.status, 0);
  });

  it('sees promtool findings, so an empty verdict means clean', (t) => {
    if (!HAVE_PROMTOOL) return t.skip('promtool not installed');
    const r = promtool('# TYPE hb_runs counter\nhb_runs 1\n');
    assert.equal(r.status, 3);
    assert.match(r.output, /hb_runs.*(no help text|_total)/);
  });

  it('is served by node_exporter from a file written with writeTextfile', async (t) => {
    if (!HAVE_EXPORTER) return t.skip('prometheus-node-exporter not installed');
    const dir = tmp('hb-textfile-');
    writeTextfile(join(dir, 'hb.prom'), renderPrometheus(richJobs(), { nowMs: NOW, host: 'web1' }));
    assert.deepEqual(readdirSync(dir), ['hb.prom']);
    const body = await scrape(`${(await startNodeExporter(t, dir)).url}/metrics`);
    assert.match(body, /^node_textfile_scrape_error 0$/m);
    assert.match(body, /^hb_last_success_timestamp_seconds\{hb_job="backup"\} \S+$/m);
    assert.match(body, /^hb_job_status\{hb_job="j_failed",status="failed"\} 1$/m);
  });
});

describe('hb check --format prometheus / --textfile (built CLI)', () => {
  // A clean environment, so no config or state of the machine running the tests leaks in.
  // Global flags go before the command: the CLI parses options positionally (for `wrap --`).
  function hb(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: cwd, XDG_CONFIG_HOME: join(cwd, 'config'), XDG_STATE_HOME: join(cwd, 'xdg-state') };
    const r = spawnSync(process.execPath, [HB, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const show = (r: { status: number | null; stdout: string; stderr: string }): string => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

  it('reports a failed job to promtool and node_exporter and exits 1', async (t) => {
    if (!HAVE_PROMTOOL || !HAVE_EXPORTER) return t.skip('promtool or prometheus-node-exporter not installed');
    assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` before the system tests`);
    const home = tmp('hb-cli-');
    const state = join(home, 'state');
    const textDir = tmp('hb-cli-textfile-');

    for (const args of [
      ['backup', '--every', '1h'],
      ['sync', '--every', '1m', '--status', 'error'],
    ]) {
      const r = hb(['--state-dir', state, 'tick', ...args], home);
      assert.ok(r.status === 0 || r.status === 1, show(r));
    }

    const check = hb(['--state-dir', state, 'check', '--format', 'prometheus'], home);
    assert.equal(check.status, 1, show(check));
    assert.match(check.stdout, /^hb_job_status\{hb_job="sync",status="failed"\} 1$/m, show(check));
    assert.match(check.stdout, /^hb_problem\{hb_job="backup"\} 0$/m, show(check));
    assert.match(check.stdout, /^hb_last_success_timestamp_seconds\{hb_job="backup"\} \S+$/m, show(check));
    const lint = promtool(check.stdout);
    assert.deepEqual(lint, { status: 0, output: '' }, show(check));

    const target = join(textDir, 'hb.prom');
    const written = hb(['--state-dir', state, 'check', '--textfile', target], home);
    assert.equal(written.status, 1, show(written));
    assert.deepEqual(readdirSync(textDir), ['hb.prom'], 'no temp file left behind');
    assert.deepEqual(promtool(readFileSync(target, 'utf8')), { status: 0, output: '' });

    const body = await scrape(`${(await startNodeExporter(t, textDir)).url}/metrics`);
    assert.match(body, /^node_textfile_scrape_error 0$/m);
    assert.match(body, /^hb_problem\{hb_job="sync"\} 1$/m);
    assert.match(body, /^hb_last_run_timestamp_seconds\{hb_job="backup"\} \S+$/m);
  });
});
