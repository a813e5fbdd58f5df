// `hb report` through the built CLI: formats, the window, atomic --output, --send through the
// global sinks only, and exit 2 for every bad flag with a message that names it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture, HB, hb, hbRun, sandbox, type Sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A sandbox where `good` ran fine twice and `bad` failed with exit 3. */
function withRuns(): Sandbox {
  const s = sandbox();
  for (const args of [
    ['wrap', '--job', 'good', '--every', '1h', '--', process.execPath, fixture('exit-with.js'), '0'],
    ['wrap', '--job', 'good', '--every', '1h', '--', process.execPath, fixture('exit-with.js'), '0'],
    ['wrap', '--job', 'bad', '--every', '1h', '--', process.execPath, fixture('exit-with.js'), '3'],
  ]) {
    const r = hb(args, { env: s.env });
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
  }
  return s;
}

test('default: Markdown on stdout, blockers first, exit 0 even with an unhealthy job', () => {
  const s = withRuns();
  try {
    const r = hb(['report'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^# hb report: .+\n\n24h from .+: 1 blocker, 3 runs, 1 failed, 0 crashed\.\n/);
    assert.ok(r.stdout.indexOf('## Blockers') < r.stdout.indexOf('## Jobs'));
    assert.match(r.stdout, /\| \*\*bad\*\* \| failed \| last run failed with exit 3/);
    assert.match(r.stdout, /\| good \| ok \| 2 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| \d+ms \| \d+ms \|/);
  } finally {
    s.cleanup();
  }
});

test('--format json (and --json): the documented object', () => {
  const s = withRuns();
  try {
    const r = hb(['report', '--format', 'json'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['generated_at', 'since', 'until', 'host', 'blockers', 'jobs', 'totals']);
    assert.equal(Date.parse(report.until) - Date.parse(report.since), 24 * HOUR);
    assert.deepEqual(
      report.jobs.map((j: { job: string }) => j.job),
      ['bad', 'good'],
    );
    assert.deepEqual(
      report.blockers.map((b: { job: string; status: string }) => [b.job, b.status]),
      [['bad', 'failed']],
    );
    const good = report.jobs[1];
    assert.deepEqual([good.runs, good.failures, good.duration_ms.count], [2, 0, 2]);
    assert.equal(good.timeline.length, 2);
    assert.equal(report.totals.runs, 3);
    const same = JSON.parse(hb(['report', '--json'], { env: s.env }).stdout);
    assert.deepEqual(Object.keys(same), Object.keys(report));
  } finally {
    s.cleanup();
  }
});

test('--since sets the window: older events drop out', () => {
  const s = sandbox();
  try {
    mkdirSync(s.state, { recursive: true });
    const now = Date.now();
    const lines = [3 * 24, 5, 0.5].map((h, i) =>
      JSON.stringify({ ts: iso(now - h * HOUR), job: 'j', type: 'run_finished', cycle: i + 1, status: 'ok', exit_code: 0, signal: null, duration_ms: 1000 }),
    );
    writeFileSync(join(s.state, 'events.jsonl'), lines.join('\n') + '\n');
    const runs = (args: string[]) => JSON.parse(hb(['report', '--json', ...args], { env: s.env }).stdout).jobs[0].runs;
    assert.equal(runs([]), 2);
    assert.equal(runs(['--since', '1h']), 1);
    assert.equal(runs(['--since', '7d']), 3);
  } finally {
    s.cleanup();
  }
});

test('bad flags exit 2 with a message that names the flag', () => {
  const s = sandbox();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['--since', 'soon'], /--since: "soon" is not a duration/],
      [['--since', '0'], /--since: "0" is zero \(expected a duration longer than 0/],
      [['--format', 'xml'], /--format.*'xml' is invalid.*markdown, html, json/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = hb(['report', ...args], { env: s.env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  } finally {
    s.cleanup();
  }
});

test('--output writes the file atomically (nothing else left behind), replaces an old one, refuses a directory', () => {
  const s = withRuns();
  try {
    const out = join(s.root, 'out');
    mkdirSync(out);
    const file = join(out, 'report.html');
    writeFileSync(file, 'old');
    const r = hb(['report', '--format', 'html', '--output', file], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(out), ['report.html'], 'no temp file left');
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy/);

    const dir = hb(['report', '--output', out], { env: s.env });
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /--output: .*out is a directory; give a file name/);
    assert.deepEqual(readdirSync(out), ['report.html']);

    const missing = hb(['report', '--output', join(s.root, 'nope', 'r.md')], { env: s.env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--output: cannot write .*nope\/r\.md: ENOENT \(its directory does not exist\)/);
  } finally {
    s.cleanup();
  }
});

test('--send: the Markdown report goes as one message (job hb-report) to the global sinks only; stdout stays quiet', async () => {
  const rec = await startRecorder();
  const s = withRuns();
  try {
    const config = join(s.root, 'hb.yaml');
    const hook = (path: string) => `{url: ${rec.url}${path}, timeout: 2s, retries: 0}`;
    writeFileSync(config, `notify:\n  - webhook: ${hook('/global')}\njobs:\n  bad:\n    every: 1h\n    notify:\n      - webhook: ${hook('/bad-only')}\n`);
    const r = await hbRun(['report', '--send'], { env: { ...s.env, HB_CONFIG: config } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/global'],
    );
    const n = rec.requests[0]!.body as Record<string, any>;
    assert.equal(n.type, 'message');
    assert.equal(n.job, 'hb-report');
    assert.equal(n.status, 'failed');
    assert.equal(n.problem, true);
    assert.match(n.title, /^\[hb\] report .+: 1 blocker, 3 runs, 1 failed, 0 crashed$/);
    assert.match(n.message, /^# hb report: /);
    assert.match(n.message, /## Blockers[\s\S]*\*\*bad\*\*[\s\S]*## Jobs/);
    assert.deepEqual(
      readdirSync(join(s.state, 'outbox')).filter((f) => f.endsWith('.json')),
      [],
      'delivered, nothing pending',
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('--send keeps an undelivered report in the outbox for hb check to retry, and still exits 0', async () => {
  const rec = await startRecorder({ 'POST /down': { status: 503 } });
  const s = withRuns();
  try {
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, `notify:\n  - webhook: {url: ${rec.url}/down, timeout: 2s, retries: 0}\n`);
    const r = await hbRun(['report', '--send', '--output', join(s.root, 'r.md')], { env: { ...s.env, HB_CONFIG: config } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rec.requests.length, 1);
    assert.equal(readdirSync(join(s.state, 'outbox')).filter((f) => f.endsWith('.json')).length, 1);
    assert.match(readFileSync(join(s.root, 'r.md'), 'utf8'), /^# hb report/);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('--send with no sink that receives messages is a usage error (exit 2), and sends nothing', () => {
  const s = withRuns();
  try {
    const r = hb(['report', '--send'], { env: s.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--send: no sink receives messages \(no config file\): add a global notify: sink \(or one under jobs\.hb-report\)/);
    assert.equal(r.stdout, '');
  } finally {
    s.cleanup();
  }
});

/** The source modules behind the dist files one run of hb loaded (esbuild's metafile maps them). */
function loadedSources(args: string[], env: NodeJS.ProcessEnv): string[] {
  const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
  const meta = JSON.parse(readFileSync(join(dist, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const traceFile = join(env.HOME!, '..', 'trace.txt');
  const r = spawnSync(process.execPath, ['--import', fixture('trace-loads.mjs'), HB, ...args], { env: { ...env, HB_TRACE_FILE: traceFile }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:') && u.includes('/dist/'));
  writeFileSync(traceFile, '');
  return files.flatMap((u) => Object.keys(meta.outputs[`dist/${relative(dist, fileURLToPath(u))}`]?.inputs ?? {}));
}

test('lazy: a report loads only its own renderer and no sink code; hb log loads neither the check nor a renderer', () => {
  const s = withRuns();
  try {
    const md = loadedSources(['report'], s.env);
    assert.ok(md.includes('lib/rules/format/report-markdown.ts') && md.includes('lib/rules/report/build.ts'), 'trace works');
    for (const heavy of [
      'lib/rules/format/report-html.ts',
      'lib/adapters/alerts/delivery.ts',
      'lib/adapters/sinks/load.ts',
      'lib/adapters/sinks/http.ts',
      'lib/adapters/sinks/webhook.ts',
      'lib/rules/alerts/',
      'lib/adapters/alerts/',
      'node_modules/yaml/',
      // Recovery's snapshots and the programs it runs: a report only reads a job's kept outcome.
      'lib/adapters/recover/snapshots.ts',
      'node:child_process',
      'node:crypto',
    ]) {
      assert.deepEqual(
        md.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by hb report`,
      );
    }
    const log = loadedSources(['log'], s.env);
    assert.ok(log.includes('lib/rules/report/event-line.ts'), 'trace works');
    for (const heavy of [
      'bin/commands/check.ts',
      'lib/check/evaluate.ts',
      'lib/adapters/health/scan.ts',
      'lib/rules/report/build.ts',
      'lib/rules/format/',
      'lib/adapters/format/',
    ]) {
      assert.deepEqual(
        log.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by hb log`,
      );
    }
  } finally {
    s.cleanup();
  }
});
