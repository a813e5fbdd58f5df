// Start-up benchmark for hb: cron starts `hb` once per tick, so process start-up is its main cost.
//
// Each hb command is measured against a "floor" — the least a Node process doing the same job
// could cost — and reported as a RATIO of medians, which carries over between machines far better
// than milliseconds do:
//   tick       `hb tick bench-job --every 1m`      vs `node -e 0`                       target ≤ 1.3x
//   wrap       `hb wrap --job bench-wrap -- true`  vs node spawning `true`              target ≤ 1.5x
//   check-1k   `hb check` over 1,000 heartbeats    vs node reading + JSON.parsing them  target ≤ 1.5x
//   check-10k  the same over 10,000 heartbeats                                          target ≤ 1.5x
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
const dir = (...p) => { const d = join(tmp, ...p); mkdirSync(d, { recursive: true }); return d; };
const baseEnv = { ...process.env, HOME: dir('home'), XDG_CONFIG_HOME: dir('home', '.config'), XDG_STATE_HOME: dir('home', '.local', 'state') };
delete baseEnv.HB_CONFIG;
delete baseEnv.NODE_OPTIONS;
const withState = (d) => ({ ...baseEnv, HB_STATE_DIR: d });
if (existsSync('/etc/hb/hb.yaml')) process.stderr.write('bench: note: /etc/hb/hb.yaml exists and will be loaded by hb\n');

// Heartbeats in the format hb itself writes (v1 record, lib/heartbeat/record.ts; written by
// lib/heartbeat/store.ts as one JSON line with the file's mtime set to started_at). All runs are
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
    const duration = 5 + (i * 37) % 4000;
    const started = new Date(now - 60_000 - (i % 120) * 1000 - duration);
    const record = {
      v: 1, job, host: hostname(), status: 'ok', exit_code: 0, signal: null,
      started_at: started.toISOString(), finished_at: new Date(started.getTime() + duration).toISOString(),
      duration_ms: duration, cycle: 1 + (i % 700), action: null, message: null,
      schedule: i % 3 === 0 ? SCHEDULES[(i / 3) % SCHEDULES.length] : { every: '15m' },
      grace_s: null, output_tail: null, pid: 2000 + (i % 30000), hb_version: HB_VERSION,
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

// The check floor: the bare minimum a reader of every heartbeat has to do.
const reader = join(tmp, 'read-last.mjs');
writeFileSync(reader, [
  "import { readdirSync, readFileSync } from 'node:fs';",
  'const dir = process.argv[2];',
  "for (const f of readdirSync(dir)) if (f.endsWith('.last')) JSON.parse(readFileSync(dir + '/' + f, 'utf8'));",
  '',
].join('\n'));

const cmd = (label, argv, env = baseEnv) => ({ label, argv, env, times: [] });
const PAIRS = [
  { name: 'tick', target: 1.3,
    hb: cmd('hb tick bench-job --every 1m', [HB, 'tick', 'bench-job', '--every', '1m'], withState(dir('state-tick'))),
    floor: cmd('node -e 0', ['-e', '0']) },
  { name: 'wrap', target: 1.5,
    hb: cmd('hb wrap --job bench-wrap -- true', [HB, 'wrap', '--job', 'bench-wrap', '--', 'true'], withState(dir('state-wrap'))),
    floor: cmd('node -e "spawnSync(\'true\')"', ['--input-type=commonjs', '-e', "require('node:child_process').spawnSync('true')"]) },
  { name: 'check-1k', target: 1.5,
    hb: cmd('hb check (1,000 heartbeats)', [HB, 'check'], withState(state1k)),
    floor: cmd('node read-last.mjs (1,000)', [reader, state1k]) },
  { name: 'check-10k', target: 1.5,
    hb: cmd('hb check (10,000 heartbeats)', [HB, 'check'], withState(state10k)),
    floor: cmd('node read-last.mjs (10,000)', [reader, state10k]) },
];
const COMMANDS = PAIRS.flatMap((p) => [p.hb, p.floor]);

function run(c, context = 'failed to run') {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, c.argv, { cwd: tmp, env: c.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) fail(`"${c.label}" ${context}: exit ${r.status ?? r.signal}`, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}\n`);
  return ms;
}

// A benchmark of an error path is worthless: hb check must say "healthy" and exit 0 first.
for (const p of PAIRS.filter((x) => x.name.startsWith('check'))) run(p.hb, 'is not healthy on the generated heartbeats');

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
  return { name: p.name, hb, floor, ratio, target: p.target, pass: ratio <= p.target };
});
if (JSON_OUT) {
  process.stdout.write(JSON.stringify({ machine, rounds: ROUNDS, warmup: WARMUP, results }, null, 2) + '\n');
} else {
  const out = [`machine: node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform})`,
    `rounds:  ${ROUNDS} measured after ${WARMUP} warm-up, interleaved; times in ms`, ''];
  const rows = [['case', 'hb median', 'hb p90', 'floor median', 'floor p90', 'ratio', 'target', 'result']];
  for (const r of results) {
    rows.push([r.name, r.hb.median_ms.toFixed(1), r.hb.p90_ms.toFixed(1), r.floor.median_ms.toFixed(1), r.floor.p90_ms.toFixed(1),
      `${r.ratio.toFixed(2)}x`, `≤${r.target.toFixed(1)}x`, r.pass ? 'PASS' : 'MISS']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) out.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  out.push('');
  const w = Math.max(...results.map((r) => r.hb.command.length));
  for (const r of results) out.push(`  ${r.name.padEnd(widths[0])}  ${r.hb.command.padEnd(w)}  vs  ${r.floor.command}`);
  const missed = results.filter((r) => !r.pass);
  for (const r of missed) out.push(`MISS: ${r.name} is ${r.ratio.toFixed(2)}x its floor, target ≤${r.target}x`);
  if (missed.length === 0) out.push('all targets met');
  process.stdout.write(out.join('\n') + '\n');
}
