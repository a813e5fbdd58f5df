#!/usr/bin/env node
// Soak of `hb daemon` (opt-in, not part of npm test): N jobs on `cron: "* * * * *"` (every fire of
// every job due at the same instant, the hardest case) for M minutes in a temp directory, then a
// SIGTERM. Prints the fires due and started, the fires lost, the start lag (from each run's
// run_started event to the minute it was due), the daemon's peak RSS and CPU, the minutes it
// said it was overloaded, and how long it took from SIGTERM to exit.
//
//   npm run build && node scripts/daemon-soak.mjs --jobs 1000 --minutes 5 [--max-concurrent N] [--command CMD] [--json]
//
// Needs the built dist/hb.js. Exit 0 when every fire started and the daemon exited 0, else 1.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = `usage: node scripts/daemon-soak.mjs [--jobs N] [--minutes M] [--max-concurrent N] [--command CMD] [--keep] [--json]
  --jobs N            jobs, each on cron "* * * * *" (default 1000)
  --minutes M         whole minutes of fires to measure (default 5)
  --max-concurrent N  passed to hb daemon start (default: the daemon's own)
  --command CMD       each job's command (default: true)
  --keep              keep the temp directory (its path is printed)
  --json              print one JSON object instead of text
example: node scripts/daemon-soak.mjs --jobs 1000 --minutes 5 --json`;

function parseArgs(argv) {
  const o = { jobs: 1000, minutes: 5, maxConcurrent: null, command: 'true', keep: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const count = (name, v) => {
      if (!/^[1-9]\d*$/.test(v)) fail(`${name}: expected a whole number above 0, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    if (a === '--jobs') o.jobs = count(a, value());
    else if (a === '--minutes') o.minutes = count(a, value());
    else if (a === '--max-concurrent') o.maxConcurrent = count(a, value());
    else if (a === '--command') o.command = value();
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown option ${a}`);
  }
  return o;
}

function fail(message) {
  process.stderr.write(`daemon-soak: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const MINUTE = 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null);
const ticksPerSecond = 100;

/** CPU seconds (user + system) of a process and of its reaped children, from /proc. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3: utime 14, stime 15, cutime 16, cstime 17.
  return { self: (Number(f[11]) + Number(f[12])) / ticksPerSecond, children: (Number(f[13]) + Number(f[14])) / ticksPerSecond };
}

/** Peak resident set (VmHWM) of a live process, in MiB. */
function peakRssMiB(pid) {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

/** Every event in the state directory's log, rotated files first. */
function readEvents(state) {
  const files = readdirSync(state)
    .filter((n) => /^events\.jsonl(\.\d+)?$/.test(n))
    .sort((a, b) => (Number(b.split('.')[2] ?? 0) || 0) - (Number(a.split('.')[2] ?? 0) || 0));
  const out = [];
  for (const f of files)
    for (const line of readFileSync(join(state, f), 'utf8').split('\n'))
      if (line)
        try {
          out.push(JSON.parse(line));
        } catch {
          // A torn last line: not a run.
        }
  return out;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  const hbJs = resolve(here, '..', 'dist', 'hb.js');
  if (!existsSync(hbJs)) fail(`${hbJs} not found: run npm run build first`);
  const root = mkdtempSync(join(tmpdir(), 'hb-daemon-soak-'));
  const state = join(root, 'state');
  const names = Array.from({ length: o.jobs }, (_, i) => `soak-${String(i).padStart(5, '0')}`);
  const yaml = ['jobs:', ...names.map((n) => `  ${n}:\n    cron: "* * * * *"\n    command: ${JSON.stringify(o.command)}`)].join('\n') + '\n';
  writeFileSync(join(root, 'hb.yaml'), yaml);
  const logPath = join(root, 'daemon.log');
  const log = openSync(logPath, 'w');
  const args = [hbJs, '--state-dir', state, '--config', join(root, 'hb.yaml'), 'daemon', 'start', '--quiet', '--stop-timeout', '10s'];
  if (o.maxConcurrent) args.push('--max-concurrent', String(o.maxConcurrent));
  const load0 = loadavg();
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  let exitedAt = null;
  let exitCode = null;
  const exited = new Promise((r) =>
    child.on('exit', (code, signal) => {
      exitedAt = Date.now();
      exitCode = code ?? signal;
      r();
    }),
  );
  const pid = child.pid;
  const logText = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  for (let i = 0; !/hb daemon: started \(pid/.test(logText()); i++) {
    if (exitedAt !== null || i > 300) fail(`the daemon did not start:\n${logText()}`);
    await sleep(100);
  }
  const startedMs = Date.now();
  // The measured fires: the next M whole minutes after the start.
  const firstDue = Math.floor(startedMs / MINUTE) * MINUTE + MINUTE;
  const lastDue = firstDue + (o.minutes - 1) * MINUTE;
  if (!o.json) process.stderr.write(`daemon-soak: ${o.jobs} jobs, ${o.minutes} min from ${new Date(firstDue).toISOString()}, in ${root}\n`);

  // Sample CPU and RSS until the last measured minute's fires have had 50 s to run.
  let peak = 0;
  const cpuAtFirst = cpuOf(pid);
  let cpuBase = null;
  while (Date.now() < lastDue + 50_000 && exitedAt === null) {
    if (cpuBase === null && Date.now() >= firstDue) cpuBase = cpuOf(pid);
    peak = Math.max(peak, peakRssMiB(pid) ?? 0);
    await sleep(1000);
  }
  peak = Math.max(peak, peakRssMiB(pid) ?? 0);
  const cpu = cpuOf(pid);
  const info = existsSync(join(state, 'daemon.json')) ? JSON.parse(readFileSync(join(state, 'daemon.json'), 'utf8')) : null;
  const termAt = Date.now();
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(60_000)]);
  const load1 = loadavg();

  const events = readEvents(state);
  const nameSet = new Set(names);
  const due = (ms) => Math.floor(ms / MINUTE) * MINUTE;
  const lags = [];
  const perJobMinute = new Set();
  let duplicates = 0;
  for (const e of events) {
    if (e.type !== 'run_started' || !nameSet.has(e.job)) continue;
    const t = Date.parse(e.ts);
    const d = due(t);
    if (d < firstDue || d > lastDue) continue;
    const key = `${e.job}@${d}`;
    if (perJobMinute.has(key)) duplicates++;
    perJobMinute.add(key);
    lags.push(t - d);
  }
  lags.sort((a, b) => a - b);
  const measuredS = (lastDue + 50_000 - (cpuBase ? firstDue : startedMs)) / 1000;
  const base = cpuBase ?? cpuAtFirst;
  const daemonLog = logText();
  const result = {
    jobs: o.jobs,
    minutes: o.minutes,
    max_concurrent: info?.load?.max_concurrent ?? o.maxConcurrent,
    fires_due: o.jobs * o.minutes,
    fires_started: perJobMinute.size,
    lost: o.jobs * o.minutes - perJobMinute.size,
    duplicate_starts: duplicates,
    start_lag_ms: { p50: quantile(lags, 0.5), p90: quantile(lags, 0.9), p99: quantile(lags, 0.99), max: quantile(lags, 1) },
    peak_rss_mib: Math.round(peak * 10) / 10,
    cpu: {
      daemon_s: Math.round((cpu.self - base.self) * 100) / 100,
      children_s: Math.round((cpu.children - base.children) * 100) / 100,
      daemon_pct_of_core: Math.round(((cpu.self - base.self) / measuredS) * 1000) / 10,
    },
    overload_minutes: (daemonLog.match(/hb daemon: overloaded in the minute from /g) ?? []).length,
    overload_minutes_in_status: info?.load?.overload_minutes ?? null,
    sigterm_to_exit_ms: exitedAt === null ? null : exitedAt - termAt,
    exit_code: exitCode,
    loadavg_1m: { before: Math.round(load0[0] * 100) / 100, after: Math.round(load1[0] * 100) / 100 },
    dir: o.keep ? root : null,
  };
  if (exitedAt === null) child.kill('SIGKILL');
  if (!o.keep) rmSync(root, { recursive: true, force: true });
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const l = result.start_lag_ms;
    process.stdout.write(
      [
        `jobs ${result.jobs} on cron "* * * * *", ${result.minutes} min, --max-concurrent ${result.max_concurrent ?? 'default'}`,
        `fires due ${result.fires_due}, started ${result.fires_started}, lost ${result.lost}${duplicates ? `, started twice ${duplicates}` : ''}`,
        `start lag p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`,
        `daemon peak RSS ${result.peak_rss_mib} MiB; CPU daemon ${result.cpu.daemon_s} s (${result.cpu.daemon_pct_of_core}% of a core), its commands ${result.cpu.children_s} s`,
        `overloaded minutes ${result.overload_minutes} (status file: ${result.overload_minutes_in_status})`,
        `SIGTERM to exit ${result.sigterm_to_exit_ms} ms (exit ${result.exit_code})`,
        `load average ${result.loadavg_1m.before} before, ${result.loadavg_1m.after} after${o.keep ? `; kept ${root}` : ''}`,
      ].join('\n') + '\n',
    );
  }
  process.exit(result.lost === 0 && exitCode === 0 ? 0 : 1);
}

await main();
