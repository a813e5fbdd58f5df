// `hb report --format html` in real headless Chromium: the page renders (a non-trivial
// screenshot), logs no console error, loads nothing (its CSP would refuse and log any load — and a
// control page proves the log catches that), and shows injected markup as text.
//
// HB_REPORT_PNG=docs/report.png saves the screenshot of the sample state (docs/report.md), and
// HB_REPORT_HTML=FILE the page itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hb, requireTool, sandbox, seededRandom } from '../helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The pid of a process that has just exited: a run marker naming it is a dead run. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

interface Run {
  start: number;
  ms: number;
  exit: number;
  signal?: string;
  timeoutMs?: number;
  message?: string;
  ping?: boolean;
}

/**
 * A realistic day on one host, written as hb writes it (events.jsonl, `<job>.last`, a `.run`):
 * backup every 6 h (40-odd minutes); sync every 15 min with a few failures, one timeout and a
 * short incident; invoices hourly, failing for the last three hours (open incident, a failed
 * webhook); agent every 5 min, crashed once overnight (rolled back, restarted, healthy again)
 * and dead now; cleanup hourly pings.
 */
function writeSampleState(state: string, now: number): void {
  mkdirSync(state, { recursive: true });
  const rand = seededRandom(42);
  const events: Array<Record<string, unknown>> = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const ev = (ms: number, job: string, type: string, fields: Record<string, unknown> = {}) => events.push({ ts: iso(ms), job, type, ...fields });
  const from = now - 24 * HOUR;
  const schedules: Record<string, unknown> = {
    backup: { cron: '0 */6 * * *', tz: 'UTC' },
    sync: { every: '15m' },
    invoices: { every: '1h' },
    agent: { every: '5m' },
    cleanup: { every: '1h' },
  };
  const cycles: Record<string, number> = { backup: 310, sync: 18_220, invoices: 4_410, agent: 61_002, cleanup: 9_877 };
  const last: Record<string, Run & { cycle: number; lastOk: number }> = {};

  const run = (job: string, r: Run) => {
    const cycle = ++cycles[job]!;
    const end = r.start + r.ms;
    if (!r.ping) ev(r.start, job, 'run_started', { cycle, pid: 20_000 + (cycle % 9000) });
    if (r.timeoutMs) ev(end, job, 'timeout', { cycle, timeout_ms: r.timeoutMs, exit_code: 143 });
    const status = r.exit === 0 ? 'ok' : 'error';
    ev(end, job, 'run_finished', {
      cycle,
      status,
      exit_code: r.signal ? null : r.exit,
      signal: r.signal ?? null,
      duration_ms: r.ping ? 0 : r.ms,
      ...(r.ping ? { ping: true } : {}),
    });
    last[job] = { ...r, cycle, lastOk: r.exit === 0 ? r.start : (last[job]?.lastOk ?? r.start - HOUR) };
  };
  const incident = (job: string, id: string, opened: number, status: string, reason: string, resolved?: number) => {
    ev(opened, job, 'alert_opened', { incident: id, status, reason });
    if (resolved !== undefined) ev(resolved, job, 'alert_resolved', { incident: id, status: 'ok', reason: `last run ok` });
  };

  for (let t = Math.ceil(from / (6 * HOUR)) * 6 * HOUR; t < now; t += 6 * HOUR) run('backup', { start: t + 2000, ms: (38 + rand() * 9) * MIN, exit: 0 });
  const syncFail = new Set([17, 18, 61]);
  for (let i = 0, t = Math.ceil(from / (15 * MIN)) * 15 * MIN; t < now - MIN; i++, t += 15 * MIN) {
    const start = t + 1500;
    if (i === 40) run('sync', { start, ms: 10 * MIN, exit: 143, signal: 'SIGTERM', timeoutMs: 10 * MIN });
    else if (syncFail.has(i)) run('sync', { start, ms: (5 + rand() * 10) * 1000, exit: 23, message: 'rsync: connection reset by peer' });
    else run('sync', { start, ms: (35 + rand() * 40 + (i % 32 === 0 ? 90 : 0)) * 1000, exit: 0 });
  }
  for (let t = Math.ceil(from / HOUR) * HOUR; t < now; t += HOUR) {
    const failing = t > now - 3 * HOUR;
    run('invoices', {
      start: t + 4000,
      ms: failing ? 2100 + rand() * 400 : (95 + rand() * 50) * 1000,
      exit: failing ? 3 : 0,
      ...(failing ? { message: 'disk full: /var/spool/invoices' } : {}),
    });
  }
  const crashAt = now - 9 * HOUR - 7 * MIN;
  let crashedCycle = 0;
  for (let t = Math.ceil(from / (5 * MIN)) * 5 * MIN; t < now - 10 * MIN; t += 5 * MIN) {
    if (Math.abs(t - crashAt) < 2.5 * MIN) {
      crashedCycle = ++cycles.agent!;
      ev(t + 800, 'agent', 'run_started', { cycle: crashedCycle, pid: 31_337 });
      continue;
    }
    if (t > crashAt && !events.some((e) => e.type === 'crash_detected')) {
      ev(t + 500, 'agent', 'crash_detected', {
        cycle: crashedCycle,
        pid: 31_337,
        started_at: iso(crashAt - 2 * MIN + 800),
        reason: 'process 31337 is not running',
      });
    }
    run('agent', { start: t + 800, ms: (2 + rand() * 3.5) * 1000, exit: 0 });
  }
  for (let t = Math.ceil(from / HOUR) * HOUR + 5 * MIN; t < now; t += HOUR) run('cleanup', { start: t, ms: 0, exit: 0, ping: true });

  // Incidents, recovery and a failed notification, at the times the checks would have logged them.
  incident(
    'sync',
    '5b1c0e2a-sync',
    from + 4 * HOUR + 20 * MIN,
    'failed',
    'last run failed with exit 23: rsync: connection reset by peer',
    from + 4 * HOUR + 50 * MIN,
  );
  incident('agent', '9f0d44c1-agent', crashAt + 6 * MIN, 'crashed', 'process 31337 is not running', crashAt + 12 * MIN);
  ev(crashAt + 6 * MIN + 2000, 'agent', 'config_rolled_back', {
    files: [{ path: '/opt/agent/config.yaml', old_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4', new_hash: '5feceb66ffc86f38d952786c6d696c79c2dbc239' }],
    source: 'snapshot',
  });
  ev(crashAt + 6 * MIN + 2500, 'agent', 'restart', { exit_code: 0, signal: null, timed_out: false, duration_ms: 1840, output_tail: '' });
  ev(crashAt + 7 * MIN, 'agent', 'recovery_verified', { healthy: true, reason: 'health check passed' });
  incident('invoices', 'c4a7e9d3-invoices', now - 2 * HOUR - 55 * MIN, 'failed', 'last run failed with exit 3: disk full: /var/spool/invoices');
  ev(now - 2 * HOUR - 55 * MIN + 3000, 'invoices', 'notify_failed', {
    sink: 'notify[0]',
    kind: 'webhook',
    notification: 'alert',
    incident: 'c4a7e9d3-invoices',
    attempts: 1,
    error: 'HTTP 502 from hooks.example.net',
    will_retry: true,
  });
  events.sort((a, b) => (String(a.ts) < String(b.ts) ? -1 : String(a.ts) > String(b.ts) ? 1 : 0));
  writeFileSync(join(state, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');

  for (const [job, r] of Object.entries(last)) {
    const started = new Date(r.start);
    const record = {
      v: 1,
      job,
      host: 'web1',
      status: r.exit === 0 ? 'ok' : 'error',
      exit_code: r.signal ? null : r.exit,
      signal: r.signal ?? null,
      started_at: iso(r.start),
      finished_at: iso(r.start + r.ms),
      duration_ms: r.ping ? 0 : r.ms,
      cycle: r.cycle,
      action: null,
      message: r.message ?? null,
      schedule: schedules[job],
      grace_s: null,
      output_tail: r.ping ? null : '',
      pid: 4242,
      hb_version: '0.1.0',
      last_success_at: iso(r.lastOk),
    };
    const path = join(state, `${job}.last`);
    writeFileSync(path, JSON.stringify(record) + '\n');
    utimesSync(path, started, started);
  }
  // agent's current run died 7 minutes ago without a heartbeat: hb check says crashed.
  const marker = {
    job: 'agent',
    pid: deadPid(),
    started_at: iso(now - 7 * MIN),
    host: 'web1',
    cycle: cycles.agent! + 1,
    boot_id: null,
    pid_started_ms: null,
    command: '/opt/agent/cycle.py',
    timeout_ms: null,
  };
  writeFileSync(join(state, 'agent.run'), JSON.stringify(marker) + '\n');
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Runs headless Chromium on a local page with logging to stderr; returns its output. */
function chromium(root: string, page: string, extra: string[]): { code: number | null; stdout: string; stderr: string } {
  const profile = join(root, `profile-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync('chromium', [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...extra, `file://${page}`], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Log lines that mean the page tried to load something or failed. */
const loadProblems = (log: string) =>
  log
    .split('\n')
    .filter((l) => /Content Security Policy|Refused to (load|connect|apply|execute)|Failed to load|net::ERR_|Uncaught|CONSOLE\(\d+\)\].*(error|Error)/.test(l));

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('the HTML report renders in headless Chromium: screenshot, no console error, no network load', (t) => {
  if (!requireTool(t, 'chromium')) return;
  const s = sandbox();
  try {
    writeSampleState(s.state, Date.now());
    const page = join(s.root, 'report.html');
    const r = hb(['report', '--format', 'html', '--output', page], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const html = readFileSync(page, 'utf8');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|url\(|@import/i);

    const png = join(s.root, 'report.png');
    const shot = chromium(s.root, page, [`--screenshot=${png}`, '--window-size=1280,1240', '--hide-scrollbars']);
    assert.equal(shot.code, 0, shot.stderr);
    const buf = readFileSync(png);
    assert.deepEqual(pngSize(buf), { width: 1280, height: 1240 });
    assert.ok(statSync(png).size > 40_000, `a real page, not a blank one: ${statSync(png).size} bytes`);
    assert.deepEqual(loadProblems(shot.stderr), [], 'no CSP violation, failed load or console error');

    const dom = chromium(s.root, page, ['--dump-dom']);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /2 blockers/);
    assert.match(dom.stdout, /invoices/);
    assert.deepEqual(loadProblems(dom.stderr), []);
    if (process.env.HB_REPORT_PNG) copyFileSync(png, resolve(process.env.HB_REPORT_PNG));
    if (process.env.HB_REPORT_HTML) copyFileSync(page, resolve(process.env.HB_REPORT_HTML));
  } finally {
    s.cleanup();
  }
});

test('control: the same Chromium log does show a blocked load, so "no violation" above means something', (t) => {
  if (!requireTool(t, 'chromium')) return;
  const s = sandbox();
  try {
    const page = join(s.root, 'control.html');
    writeFileSync(
      page,
      `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><p>x</p><img src="http://127.0.0.1:9/pixel.png">`,
    );
    const r = chromium(s.root, page, ['--dump-dom']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(loadProblems(r.stderr).length > 0, `Chromium logged the refused load:\n${r.stderr}`);
  } finally {
    s.cleanup();
  }
});

test('markup in a job message is shown as text by Chromium, never run', (t) => {
  if (!requireTool(t, 'chromium')) return;
  const s = sandbox();
  try {
    const r1 = hb(['tick', 'evil', '--every', '1h', '--status', 'error', '--message', '<script>alert(1)</script><img src=x onerror=alert(2)>'], { env: s.env });
    assert.equal(r1.code, 0, r1.stderr);
    const page = join(s.root, 'evil.html');
    assert.equal(hb(['report', '--format', 'html', '--output', page], { env: s.env }).code, 0);
    const dom = chromium(s.root, page, ['--dump-dom']);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
    assert.doesNotMatch(dom.stdout, /<script|<img/i);
    assert.deepEqual(loadProblems(dom.stderr), []);
  } finally {
    s.cleanup();
  }
});

test("a failed run's output is linked from its blocker in Chromium's DOM, its markup shown as text, nothing loaded", (t) => {
  if (!requireTool(t, 'chromium')) return;
  const s = sandbox();
  try {
    const wrapped = hb(['wrap', '--job', 'db', '--every', '1h', '--', 'sh', '-c', 'echo "ERROR: db unreachable <img src=x onerror=alert(3)>"; exit 3'], {
      env: s.env,
    });
    assert.equal(wrapped.code, 3, wrapped.stderr);
    const page = join(s.root, 'failed.html');
    assert.equal(hb(['report', '--format', 'html', '--output', page], { env: s.env }).code, 0);
    const dom = chromium(s.root, page, ['--dump-dom']);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /<a href="#failed-output-db-1">output of the last failed run<\/a>/);
    assert.match(dom.stdout, /<div class="fo" id="failed-output-db-1">/);
    assert.match(dom.stdout, /<pre class="out">ERROR: db unreachable &lt;img src=x onerror=alert\(3\)&gt;\n<\/pre>/);
    assert.doesNotMatch(dom.stdout, /<img/i);
    assert.deepEqual(loadProblems(dom.stderr), []);
  } finally {
    s.cleanup();
  }
});
