// Start-up benchmark for hb: cron starts `hb` once per tick, so process start-up is its main cost.
//
// Each hb command is measured against a "floor" — the least a Node process doing the same job
// could cost — and reported as a RATIO of medians, which carries over between machines far better
// than milliseconds do:
//   tick       `hb tick bench-job --every 1m`      vs `node -e 0`                       target ≤ 1.3x
//   wrap       `hb wrap --job bench-wrap -- true`  vs node spawning `true`              target ≤ 1.5x
//   check-1k   `hb check` over 1,000 heartbeats    vs node reading + JSON.parsing them  target ≤ 1.5x
//   check-10k  the same over 10,000 heartbeats                                          target ≤ 1.5x
//   report-100k `hb report --format json` over 100,000 events vs node reading + JSON.parsing
//              the same event lines                                    target ≤ 2.0x, and < 1 s absolute
//
// All commands run in ONE INTERLEAVED loop: every round runs each command once, in an order rotated
// per round. Noise (other load, CPU frequency, page cache) then hits hb and its floor alike instead
// of landing on whichever command happened to run during a bad second. Warm-up rounds come first.
//
// Usage: npm run bench [-- --rounds N] [-- --warmup N] [-- --json]   (or BENCH_ROUNDS=N;
// defaults: 30 measured rounds after 5 warm-up rounds)
// Exits 0 even when a target is missed (this is a measurement, not a test); non-zero only when a
// command failed to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HB = join(ROOT, 'dist', 'hb.js');
const NODE = process.execPath;
const args = process.argv.slice(2);
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ROUNDS = Number(flag('--rounds') ?? process.env.BENCH_ROUNDS ?? 30);
const WARMUP = Number(flag('--warmup') ?? 5);
const JSON_OUT = args.includes('--json');
if (!(ROUNDS >= 1 && WARMUP >= 0)) fail('--rounds must be ≥ 1 and --warmup ≥ 0');

function fail(message, detail = '') {
  process.stderr.write(`bench: ${message}\n${detail}`);
  process.exit(1);
}

if (!existsSync(HB)) {
  process.stderr.write('bench: dist/hb.js missing, running npm run build\n');
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) fail('npm run build failed');
}

// A private world: no config file can be found (cwd, XDG_CONFIG_HOME and HOME are empty temp
// dirs; HB_CONFIG is removed), and every state directory is ours.
const tmp = mkdtempSync(join(tmpdir(), 'hb-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const dir = (...p) => {
  const d = join(tmp, ...p);
  mkdirSync(d, { recursive: true });
  return d;
};
const baseEnv = { ...process.env, HOME: dir('home'), XDG_CONFIG_HOME: dir('home', '.config'), XDG_STATE_HOME: dir('home', '.local', 'state') };
delete baseEnv.HB_CONFIG;
delete baseEnv.NODE_OPTIONS;
const withState = (d) => ({ ...baseEnv, HB_STATE_DIR: d });
if (existsSync('/etc/hb/hb.yaml')) process.stderr.write('bench: note: /etc/hb/hb.yaml exists and will be loaded by hb\n');

// Heartbeats in the format hb itself writes (v1 record, lib/rules/heartbeat/record.ts; written by
// lib/adapters/heartbeat/store.ts as one JSON line with the file's mtime set to started_at). All runs are
// recent and ok, so every job is healthy and `hb check` takes its normal exit-0 path.
const SCHEDULES = [
  { cron: '*/5 * * * *', tz: 'UTC' },
  { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' },
  { cron: '30 2 * * *', tz: 'UTC' },
  { cron: '0 * * * *', tz: 'America/New_York' },
  { cron: '*/15 8-18 * * *', tz: 'Asia/Tokyo' },
];
const HB_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
function writeHeartbeats(stateDir, count) {
  const now = Date.now();
  for (let i = 1; i <= count; i++) {
    const job = `job-${String(i).padStart(5, '0')}`;
    const duration = 5 + ((i * 37) % 4000);
    const started = new Date(now - 60_000 - (i % 120) * 1000 - duration);
    const record = {
      v: 1,
      job,
      host: hostname(),
      status: 'ok',
      exit_code: 0,
      signal: null,
      started_at: started.toISOString(),
      finished_at: new Date(started.getTime() + duration).toISOString(),
      duration_ms: duration,
      cycle: 1 + (i % 700),
      action: null,
      message: null,
      schedule: i % 3 === 0 ? SCHEDULES[(i / 3) % SCHEDULES.length] : { every: '15m' },
      grace_s: null,
      output_tail: null,
      pid: 2000 + (i % 30000),
      hb_version: HB_VERSION,
      last_success_at: started.toISOString(),
    };
    const path = join(stateDir, `${job}.last`);
    writeFileSync(path, JSON.stringify(record) + '\n');
    utimesSync(path, started, started);
  }
  return stateDir;
}
const state1k = writeHeartbeats(dir('state-1k'), 1_000);
const state10k = writeHeartbeats(dir('state-10k'), 10_000);

// A week of events in the format hb writes (docs/state.md), a realistic mix for 40 jobs: wrapped
// runs (run_started + run_finished, 5% failing, a few timeouts), pings, and the rarer crashes,
// alerts, failed notifications, overlaps, snapshots and recoveries. Spread over events.jsonl.3 …
// events.jsonl as rotation leaves them; deterministic (a fixed-seed LCG).
const EVENT_FILES = ['events.jsonl.3', 'events.jsonl.2', 'events.jsonl.1', 'events.jsonl'];
function writeEvents(stateDir, count, jobs = 40) {
  writeHeartbeats(stateDir, jobs);
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  // About 1.6 events per step: the week is spread over the steps actually taken, at the end.
  const now = Date.now();
  const step = (7 * 86_400_000) / (count / 1.6);
  const cycles = new Array(jobs + 1).fill(100);
  const events = [];
  const ev = (t, j, type, fields) => events.push({ t, job: `job-${String(j).padStart(5, '0')}`, type, ...fields });
  for (let t = 0; events.length < count; t += step) {
    const j = 1 + Math.floor(rand() * jobs);
    const r = rand();
    const cycle = ++cycles[j];
    const duration = Math.round(200 + rand() * 60_000);
    if (r < 0.7) {
      ev(t, j, 'run_started', { cycle, pid: 1000 + cycle });
      const failed = rand() < 0.05;
      if (failed && rand() < 0.1) ev(t + duration, j, 'timeout', { cycle, timeout_ms: 60_000, exit_code: 143 });
      ev(t + duration, j, 'run_finished', { cycle, status: failed ? 'error' : 'ok', exit_code: failed ? 1 : 0, signal: null, duration_ms: duration });
    } else if (r < 0.93) {
      ev(t, j, 'run_finished', { cycle, status: 'ok', exit_code: 0, signal: null, duration_ms: 0, ping: true });
    } else if (r < 0.95) {
      const id = `inc-${cycle}-${j}`;
      ev(t, j, 'alert_opened', { incident: id, status: 'stale', reason: 'last heartbeat 2h ago; was due 1h ago' });
      ev(t + 600_000, j, 'alert_resolved', { incident: id, status: 'ok', reason: 'last run ok' });
    } else if (r < 0.96) {
      ev(t, j, 'crash_detected', { cycle: cycle - 1, pid: 999, started_at: new Date(t - 300_000).toISOString(), reason: 'process 999 is not running' });
    } else if (r < 0.97) {
      ev(t, j, 'notify_failed', {
        sink: 'notify[0]',
        kind: 'webhook',
        notification: 'alert',
        incident: null,
        attempts: 1,
        error: 'HTTP 502',
        will_retry: true,
      });
    } else if (r < 0.98) {
      ev(t, j, 'overlap_skipped', { holder_pid: 4242, holder_started_at: new Date(t - 60_000).toISOString() });
    } else if (r < 0.995) {
      ev(t, j, 'snapshot_saved', { snapshot: `s${cycle}`, files: [{ path: '/etc/app.yaml', sha256: 'ab'.repeat(32) }] });
    } else {
      ev(t, j, 'config_rolled_back', { files: [{ path: '/etc/app.yaml', old_hash: 'cd'.repeat(32), new_hash: 'ab'.repeat(32) }], source: 'snapshot' });
      ev(t, j, 'restart', { exit_code: 0, signal: null, timed_out: false, duration_ms: 1200, output_tail: '' });
    }
  }
  events.length = count;
  const shift = now - 60_000 - Math.max(...events.map((e) => e.t));
  const lines = events.map(({ t, job, type, ...fields }) => JSON.stringify({ ts: new Date(t + shift).toISOString(), job, type, ...fields }));
  const per = Math.ceil(count / EVENT_FILES.length);
  EVENT_FILES.forEach((f, i) => writeFileSync(join(stateDir, f), lines.slice(i * per, (i + 1) * per).join('\n') + '\n'));
  return stateDir;
}
const state100kEvents = writeEvents(dir('state-report'), 100_000);

// The check floor: the bare minimum a reader of every heartbeat has to do.
const reader = join(tmp, 'read-last.mjs');
writeFileSync(
  reader,
  [
    "import { readdirSync, readFileSync } from 'node:fs';",
    'const dir = process.argv[2];',
    "for (const f of readdirSync(dir)) if (f.endsWith('.last')) JSON.parse(readFileSync(dir + '/' + f, 'utf8'));",
    '',
  ].join('\n'),
);

// The report floor: read every event file and JSON.parse each line, nothing else.
const eventReader = join(tmp, 'read-events.mjs');
writeFileSync(
  eventReader,
  [
    "import { readFileSync } from 'node:fs';",
    'const dir = process.argv[2];',
    `for (const f of ${JSON.stringify(EVENT_FILES)}) for (const line of readFileSync(dir + '/' + f, 'utf8').split('\\n')) if (line) JSON.parse(line);`,
    '',
  ].join('\n'),
);

const cmd = (label, argv, env = baseEnv) => ({ label, argv, env, times: [] });
const PAIRS = [
  {
    name: 'tick',
    target: 1.3,
    hb: cmd('hb tick bench-job --every 1m', [HB, 'tick', 'bench-job', '--every', '1m'], withState(dir('state-tick'))),
    floor: cmd('node -e 0', ['-e', '0']),
  },
  {
    name: 'wrap',
    target: 1.5,
    hb: cmd('hb wrap --job bench-wrap -- true', [HB, 'wrap', '--job', 'bench-wrap', '--', 'true'], withState(dir('state-wrap'))),
    floor: cmd('node -e "spawnSync(\'true\')"', ['--input-type=commonjs', '-e', "require('node:child_process').spawnSync('true')"]),
  },
  {
    name: 'check-1k',
    target: 1.5,
    hb: cmd('hb check (1,000 heartbeats)', [HB, 'check'], withState(state1k)),
    floor: cmd('node read-last.mjs (1,000)', [reader, state1k]),
  },
  {
    name: 'check-10k',
    target: 1.5,
    hb: cmd('hb check (10,000 heartbeats)', [HB, 'check'], withState(state10k)),
    floor: cmd('node read-last.mjs (10,000)', [reader, state10k]),
  },
  {
    name: 'report-100k',
    target: 2.0,
    absoluteMs: 1000,
    hb: cmd('hb report --format json (100,000 events)', [HB, 'report', '--format', 'json'], withState(state100kEvents)),
    floor: cmd('node read-events.mjs (100,000)', [eventReader, state100kEvents]),
  },
];
const COMMANDS = PAIRS.flatMap((p) => [p.hb, p.floor]);

function run(c, context = 'failed to run') {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, c.argv, { cwd: tmp, env: c.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) fail(`"${c.label}" ${context}: exit ${r.status ?? r.signal}`, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}\n`);
  return ms;
}

// A benchmark of an error path is worthless: hb check must say "healthy" and exit 0 first.
for (const p of PAIRS.filter((x) => x.name.startsWith('check'))) run(p.hb, 'is not healthy on the generated heartbeats');
{
  const r = spawnSync(NODE, PAIRS.find((p) => p.name === 'report-100k').hb.argv, {
    cwd: tmp,
    env: withState(state100kEvents),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const runs = r.status === 0 ? JSON.parse(r.stdout).totals.runs : 0;
  if (!(runs > 0)) fail(`"hb report --format json" did not report the generated runs (exit ${r.status ?? r.signal})`, `${r.stderr ?? ''}${r.error ?? ''}\n`);
}

if (!JSON_OUT) process.stderr.write(`running ${WARMUP} warm-up + ${ROUNDS} rounds of ${COMMANDS.length} commands…\n`);
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  for (let i = 0; i < COMMANDS.length; i++) {
    const c = COMMANDS[(i + round) % COMMANDS.length];
    const ms = run(c);
    if (round >= WARMUP) c.times.push(ms);
  }
}

const quantile = (sorted, q) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
};
const stats = (c) => {
  const s = [...c.times].sort((a, b) => a - b);
  return { command: c.label, median_ms: +quantile(s, 0.5).toFixed(2), p90_ms: +quantile(s, 0.9).toFixed(2) };
};
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${process.platform}-${process.arch}` };
const results = PAIRS.map((p) => {
  const hb = stats(p.hb);
  const floor = stats(p.floor);
  const ratio = +(hb.median_ms / floor.median_ms).toFixed(2);
  const absolute = p.absoluteMs ? { absolute_target_ms: p.absoluteMs } : {};
  return { name: p.name, hb, floor, ratio, target: p.target, ...absolute, pass: ratio <= p.target && (!p.absoluteMs || hb.median_ms < p.absoluteMs) };
});
if (JSON_OUT) {
  process.stdout.write(JSON.stringify({ machine, rounds: ROUNDS, warmup: WARMUP, results }, null, 2) + '\n');
} else {
  const out = [
    `machine: node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform})`,
    `rounds:  ${ROUNDS} measured after ${WARMUP} warm-up, interleaved; times in ms`,
    '',
  ];
  const rows = [['case', 'hb median', 'hb p90', 'floor median', 'floor p90', 'ratio', 'target', 'result']];
  for (const r of results) {
    rows.push([
      r.name,
      r.hb.median_ms.toFixed(1),
      r.hb.p90_ms.toFixed(1),
      r.floor.median_ms.toFixed(1),
      r.floor.p90_ms.toFixed(1),
      `${r.ratio.toFixed(2)}x`,
      `≤${r.target.toFixed(1)}x`,
      r.pass ? 'PASS' : 'MISS',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) out.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  out.push('');
  const w = Math.max(...results.map((r) => r.hb.command.length));
  for (const r of results) out.push(`  ${r.name.padEnd(widths[0])}  ${r.hb.command.padEnd(w)}  vs  ${r.floor.command}`);
  for (const r of results.filter((x) => x.absolute_target_ms)) {
    out.push(
      `  ${r.name}: hb median ${r.hb.median_ms.toFixed(1)} ms, p90 ${r.hb.p90_ms.toFixed(1)} ms; absolute target < ${r.absolute_target_ms} ms: ${r.hb.median_ms < r.absolute_target_ms ? 'PASS' : 'MISS'}`,
    );
  }
  const missed = results.filter((r) => !r.pass);
  for (const r of missed) {
    out.push(
      r.ratio > r.target
        ? `MISS: ${r.name} is ${r.ratio.toFixed(2)}x its floor, target ≤${r.target}x`
        : `MISS: ${r.name} takes ${r.hb.median_ms.toFixed(1)} ms, target < ${r.absolute_target_ms} ms`,
    );
  }
  if (missed.length === 0) out.push('all targets met');
  process.stdout.write(out.join('\n') + '\n');
}
