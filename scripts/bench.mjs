// Benchmark for hb: cron starts `hb` once per tick, so process start-up and the cost of one run
// are what matter; a host with many jobs, a big event log or a chatty job must not change that.
//
// Each hb command is measured against a "floor" — the least a process doing the same job could
// cost — and reported as a RATIO of medians, which carries over between machines far better than
// milliseconds do. The cases (docs/benchmarks.md says what each measures and why):
//
//   light (30 rounds after 5 warm-up by default)
//   tick           `hb tick bench-job --every 1m`, no config       vs `node -e 0`               ≤ 1.3x
//   wrap           `hb wrap --job bench-wrap -- true`, no config   vs node spawning `true`      ≤ 1.5x
//   check-1k       `hb check`, 1,000 heartbeats, no config         vs node reading + parsing    ≤ 1.5x over ≥ 20 rounds
//   check-10k      the same over 10,000 heartbeats                                               ≤ 1.5x
//   report-100k    `hb report --format json`, 100,000 events       vs read + parse of the lines ≤ 2.0x and < 1 s
//   tick-cfg-1k    `hb tick JOB`, JOB one of a 1,000-job config    vs `node -e 0`               ≤ 1.3x
//   tick-cfg-10k   the same with a 10,000-job config                                             ≤ 1.3x
//   wrap-cfg-1k    `hb wrap --job JOB -- true`, 1,000-job config   vs node spawning `true`      ≤ 1.5x
//   wrap-cfg-10k   the same with a 10,000-job config                                             ≤ 1.5x
//   check-cfg-1k   `hb check`, a config listing all 1,000 jobs     vs node reading + parsing    ≤ 1.5x
//   check-cfg-10k  the same with 10,000 jobs                                                     ≤ 1.5x
//   heavy (5 rounds after 1 warm-up by default; peak RSS measured)
//   check-100k     `hb check` over 100,000 heartbeats              vs node reading + parsing    < 200 MB
//   check-cfg-100k `hb check`, 100,000 heartbeats, hb.yaml + jobs.d/ listing each job vs read + parse  < 200 MB
//   check-linear   its cost per heartbeat at 100k ÷ at 10k (net of a check of an empty state) ≤ 1.2x
//   report-1m      `hb report --format json`, 1,000,000 event lines vs read + parse           ≤ 2.0x, < 100 MB
//   log-1m         `hb log` over the same lines, to /dev/null       vs read + parse            ≤ 2.0x, < 100 MB
//   log-n50-1m     `hb log -n 50` over the same lines               vs read + parse            ≤ 2.0x, < 100 MB
//   wrap-cat-1g    `hb wrap --job big-dump -- cat FILE` (1 GiB) > /dev/null vs `cat FILE` > /dev/null  ≤ 1.3x
//   opt-in
//   daemon         scripts/daemon-soak.mjs --jobs 1000 --minutes N --json, against its goals
//
// All commands run in ONE INTERLEAVED loop: every round runs each command once, in an order rotated
// per round, so noise (other load, CPU frequency, page cache) hits hb and its floor alike. Heavy
// commands run in fewer rounds, spread evenly over the light ones. Besides each median, a case
// prints the spread of its per-round ratios (hb ÷ floor in the same round, p10–p90).
//
// Usage: npm run bench [-- OPTIONS]; `npm run bench -- --help` lists them.
// Exit 0 when everything was measured, whether or not a goal is met (a benchmark is a measurement,
// not a test; a config hb refuses or a flag it lacks is a MISS row with the reason); 1 when a
// command failed to run or the daemon soak script is missing; 2 for a usage error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HB = join(ROOT, 'dist', 'hb.js');
const NODE = process.execPath;
const STARTED = Date.now();

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run bench [-- OPTIONS]

  --rounds N          measured rounds of the light cases (default 30, or BENCH_ROUNDS)
  --warmup N          warm-up rounds of the light cases (default 5)
  --heavy-rounds N    measured rounds of the heavy cases (default 5)
  --heavy-warmup N    warm-up rounds of the heavy cases (default 1)
  --only A,B          run only these cases (see --list); "light" and "heavy" name each group
  --skip-heavy        leave out the heavy cases (big data, minutes of run time)
  --daemon            also run the daemon soak: scripts/daemon-soak.mjs --jobs 1000 (minutes long)
  --daemon-minutes N  length of the soak (default 5)
  --json              one JSON object on stdout instead of the table
  --list              print the cases and their goals, then exit
  -h, --help          this text

examples:
  npm run bench
  npm run bench -- --only tick,tick-cfg-1k,tick-cfg-10k --rounds 40
  npm run bench -- --skip-heavy --json
  npm run bench -- --only daemon --daemon --daemon-minutes 5
`;

function usageError(message) {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const valued = new Set(['--rounds', '--warmup', '--heavy-rounds', '--heavy-warmup', '--only', '--daemon-minutes']);
  const flags = new Set(['--skip-heavy', '--daemon', '--json', '--list', '--help', '-h']);
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (valued.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) usageError(`${name} needs a value`);
      o[name] = value;
    } else if (flags.has(a)) o[a] = true;
    else usageError(`unknown argument "${a}"`);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
if (opts['--help'] || opts['-h']) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const count = (name, fallback, min) => {
  const raw = opts[name] ?? fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) usageError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
};
const LIGHT = { rounds: count('--rounds', process.env.BENCH_ROUNDS ?? 30, 1), warmup: count('--warmup', 5, 0) };
const HEAVY = { rounds: count('--heavy-rounds', 5, 1), warmup: count('--heavy-warmup', 1, 0) };
const DAEMON_MINUTES = count('--daemon-minutes', 5, 1);
const JSON_OUT = Boolean(opts['--json']);
const say = (text) => JSON_OUT || process.stderr.write(text);

function fail(message, detail = '') {
  process.stderr.write(`bench: ${message}\n${detail}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// A private world: no config file can be found unless a case names one with HB_CONFIG (cwd,
// XDG_CONFIG_HOME and HOME are empty temp dirs), and every state directory is ours.

let tmp = null;
const dir = (...p) => {
  const d = join(tmp, ...p);
  mkdirSync(d, { recursive: true });
  return d;
};
let baseEnv = null;
const withState = (d, extra = {}) => ({ ...baseEnv, HB_STATE_DIR: d, ...extra });
const pad = (i) => String(i).padStart(5, '0');
const jobName = (i) => `job-${pad(i)}`;

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
/**
 * The grace job i has: an hour for the every-5-minutes jobs, the default (one period) for the
 * rest, so that no job goes stale during a run of the bench (the heartbeats are written once, at
 * its start; with one period of grace the 5-minute jobs would be late within 7 minutes).
 */
const graceOf = (i) => (i % 15 === 0 ? 3600 : null);
/** The schedule job i has, in its heartbeat and in the generated configs alike. */
const scheduleOf = (i) => (i % 3 === 0 ? SCHEDULES[(i / 3) % SCHEDULES.length] : { every: '15m' });
const HB_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
function writeHeartbeats(stateDir, n) {
  const now = Date.now();
  for (let i = 1; i <= n; i++) {
    const job = jobName(i);
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
      schedule: scheduleOf(i),
      grace_s: graceOf(i),
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

// A config as a host with many jobs writes it, each job on one line in YAML's flow style (the
// most compact form the config reference allows, so that 10,000 jobs fit its 512 KiB limit):
// two thirds `every: 15m`, one third cron schedules in five zones, a quarter with a command,
// one in twenty with a timeout and a lock, one in fifty with a sink of its own, and a global
// command sink. The schedules are those of the heartbeats, so every job stays healthy.
function writeConfig(path, n, perFile = n) {
  const jobLine = (i) => {
    const s = scheduleOf(i);
    const keys = [s.every ? `every: ${s.every}` : `cron: "${s.cron}", tz: ${s.tz}`];
    if (graceOf(i) !== null) keys.push(`grace: ${graceOf(i) / 60}m`);
    if (i % 4 === 1) keys.push(`command: /usr/local/bin/task ${i}`);
    if (i % 20 === 1) keys.push('timeout: 10m', 'lock: true');
    if (i % 50 === 7) keys.push('notify: [{webhook: "http://127.0.0.1:9/hb"}]');
    return `  ${jobName(i)}: {${keys.join(', ')}}`;
  };
  const jobLines = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => jobLine(from + k));
  const head = [
    `# ${n} jobs, generated by scripts/bench.mjs`,
    'defaults:',
    '  grace: 15m',
    '  timeout: 1h',
    'notify:',
    `  - command: 'logger -t hb "$HB_TITLE: $HB_MESSAGE"'`,
  ];
  writeFileSync(path, [...head, 'jobs:', ...jobLines(1, Math.min(n, perFile))].join('\n') + '\n');
  let bytes = statSync(path).size;
  // Past `perFile`, the jobs go to jobs.d/*.yaml beside the config, `perFile` a file.
  let files = 1;
  for (let from = perFile + 1; from <= n; from += perFile, files++) {
    const fragments = join(path, '..', 'jobs.d');
    mkdirSync(fragments, { recursive: true });
    const part = join(fragments, `jobs-${String(files + 1).padStart(2, '0')}.yaml`);
    writeFileSync(part, ['jobs:', ...jobLines(from, Math.min(n, from + perFile - 1))].join('\n') + '\n');
    bytes += statSync(part).size;
  }
  // hb compiles a config only once it has been still for 3 s (docs/state.md, "The compiled
  // config"); a host's config was edited longer ago than that, so the runs measured here must see
  // it the same way, warm-up or not.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, CONFIG_SETTLE_MS);
  return { path, dir: join(path, '..'), bytes, files };
}
/** How long a generated config is left alone before hb first reads it. */
const CONFIG_SETTLE_MS = 4000;
/** A job of the config near its middle without a command: tick and wrap then run nothing else. */
const middleJob = (n) => {
  let i = Math.floor(n / 2);
  while (i % 4 === 1) i++;
  return jobName(i);
};

// Events in the format hb writes (docs/state.md), a realistic mix: wrapped runs (run_started +
// run_finished, 5% failing, a few timeouts), pings, and the rarer crashes, alerts, failed
// notifications, overlaps, snapshots and recoveries; deterministic (a fixed-seed LCG).
// layout 'four' (report-100k, as before): a week for 40 jobs, spread evenly over events.jsonl.3 …
// events.jsonl. layout { capBytes }: each file filled up to the cap, oldest first, numbered as
// rotation leaves them (events.jsonl.N … events.jsonl.1, then the live events.jsonl).
const EVENT_FILES = ['events.jsonl.3', 'events.jsonl.2', 'events.jsonl.1', 'events.jsonl'];
function writeEvents(stateDir, n, { jobs = 40, spanMs = 7 * 86_400_000, layout = 'four' } = {}) {
  writeHeartbeats(stateDir, jobs);
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  // About 1.6 events per step: the span is spread over the steps actually taken, at the end.
  const now = Date.now();
  const step = spanMs / (n / 1.6);
  const cycles = new Array(jobs + 1).fill(100);
  const events = [];
  const ev = (t, j, type, fields) => events.push({ t, job: jobName(j), type, ...fields });
  for (let t = 0; events.length < n; t += step) {
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
  events.length = n;
  let latest = -Infinity;
  let runs = 0;
  for (const e of events) {
    if (e.t > latest) latest = e.t;
    if (e.type === 'run_finished') runs++;
  }
  const shift = now - 60_000 - latest;
  const lines = events.map(({ t, job, type, ...fields }) => JSON.stringify({ ts: new Date(t + shift).toISOString(), job, type, ...fields }));
  events.length = 0;
  if (layout === 'four') {
    const per = Math.ceil(n / EVENT_FILES.length);
    EVENT_FILES.forEach((f, i) => writeFileSync(join(stateDir, f), lines.slice(i * per, (i + 1) * per).join('\n') + '\n'));
    return { dir: stateDir, lines: n, runs, files: EVENT_FILES.length };
  }
  const chunks = [];
  let chunk = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (size + bytes > layout.capBytes && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(line);
    size += bytes;
  }
  chunks.push(chunk);
  chunks.forEach((c, k) => {
    const name = k === chunks.length - 1 ? 'events.jsonl' : `events.jsonl.${chunks.length - 1 - k}`;
    writeFileSync(join(stateDir, name), c.join('\n') + '\n');
  });
  return { dir: stateDir, lines: n, runs, files: chunks.length };
}

// 1 GiB of text output, as a job dumping a database to stdout writes it: a 1 MiB block of
// numbered lines written 1,024 times.
function writeBigFile(path, mib) {
  const rows = [];
  for (let i = 0, size = 0; size < 1 << 20; i++) {
    const row = `${String(i).padStart(8, '0')}\tcustomer-${(i * 7919) % 100_000}\t${(i * 0.37).toFixed(2)}\t2026-12-03T04:${String(i % 60).padStart(2, '0')}:00Z\tok\n`;
    rows.push(row);
    size += row.length;
  }
  const block = Buffer.from(rows.join('')).subarray(0, 1 << 20);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Peak RSS of a child: GNU time's %M (the child's ru_maxrss from wait4, in KiB) when
// /usr/bin/time is GNU time, else a python3 wrapper reading getrusage(RUSAGE_CHILDREN) after
// the child exits; the same figure either way. Both hb and its floor run under the wrapper.

function rssMethod() {
  const gnu = spawnSync('/usr/bin/time', ['--version'], { encoding: 'utf8' });
  if (gnu.status === 0 && /GNU/.test(`${gnu.stdout}${gnu.stderr}`))
    return { kind: 'GNU time -f %M', wrap: (out, file, argv) => ['/usr/bin/time', ['-f', '%M', '-o', out, file, ...argv]] };
  const py = spawnSync('python3', ['-c', 'import resource'], { encoding: 'utf8' });
  if (py.status === 0) {
    const code = [
      'import resource, subprocess, sys',
      'code = subprocess.call(sys.argv[2:])',
      "open(sys.argv[1], 'w').write('%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
      'sys.exit(code if code >= 0 else 128 - code)',
    ].join('\n');
    return { kind: 'python3 getrusage(RUSAGE_CHILDREN)', wrap: (out, file, argv) => ['python3', ['-c', code, out, file, ...argv]] };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Commands and cases

const commands = new Map();
/** One command, shared by every case that names the same key (a floor several cases compare with). */
function command(key, label, spec) {
  if (!commands.has(key)) commands.set(key, { key, label, file: NODE, stdout: 'pipe', env: baseEnv, heavy: false, ...spec, runs: [] });
  return commands.get(key);
}

const data = {};
/** Data made once, the first time a case asks for it. */
const once = (name, make) => () => (data[name] ??= make());

const heartbeats = {
  1_000: once('hb1k', () => writeHeartbeats(dir('state-1k'), 1_000)),
  10_000: once('hb10k', () => writeHeartbeats(dir('state-10k'), 10_000)),
  100_000: once('hb100k', () => writeHeartbeats(dir('state-100k'), 100_000)),
};
const configs = {
  1_000: once('cfg1k', () => writeConfig(join(dir('cfg-1k'), 'hb.yaml'), 1_000)),
  10_000: once('cfg10k', () => writeConfig(join(dir('cfg-10k'), 'hb.yaml'), 10_000)),
  // A host with 100,000 jobs: 10,000 in hb.yaml and nine files of 10,000 in jobs.d/.
  100_000: once('cfg100k', () => writeConfig(join(dir('cfg-100k'), 'hb.yaml'), 100_000, 10_000)),
};
const events100k = once('ev100k', () => writeEvents(dir('state-report'), 100_000));
// A host running 1,000 jobs a minute: a million lines are about 10 hours of its log, all of them
// inside `hb report`'s default 24-hour window; files of at most 1 MiB, hb's rotation cap.
const events1m = once('ev1m', () => writeEvents(dir('state-1m'), 1_000_000, { jobs: 1_000, spanMs: 10 * 3_600_000, layout: { capBytes: 1 << 20 } }));
const bigFile = once('big', () => writeBigFile(join(tmp, 'dump-1g.tsv'), 1024));

// The floors: the bare minimum a process doing the same work has to do.
const floorScripts = once('floors', () => {
  const lastReader = join(tmp, 'read-last.mjs');
  writeFileSync(
    lastReader,
    [
      "import { readdirSync, readFileSync } from 'node:fs';",
      'const dir = process.argv[2];',
      "for (const f of readdirSync(dir)) if (f.endsWith('.last')) JSON.parse(readFileSync(dir + '/' + f, 'utf8'));",
      '',
    ].join('\n'),
  );
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
  // Every events.jsonl* file, one at a time (each is at most 1 MiB, so nothing is held longer).
  const logReader = join(tmp, 'read-log.mjs');
  writeFileSync(
    logReader,
    [
      "import { readdirSync, readFileSync } from 'node:fs';",
      'const dir = process.argv[2];',
      'for (const f of readdirSync(dir)) if (/^events\\.jsonl(\\.\\d+)?$/.test(f))',
      "  for (const line of readFileSync(dir + '/' + f, 'utf8').split('\\n')) if (line) JSON.parse(line);",
      '',
    ].join('\n'),
  );
  return { lastReader, eventReader, logReader };
});

const nodeE0 = () => command('node-e-0', 'node -e 0', { argv: ['-e', '0'] });
const nodeTrue = () =>
  command('node-true', 'node -e "spawnSync(\'true\')"', { argv: ['--input-type=commonjs', '-e', "require('node:child_process').spawnSync('true')"] });
const readLast = (n, heavy = false) =>
  command(`read-last-${n}`, `node read-last.mjs (${n.toLocaleString('en')})`, { argv: [floorScripts().lastReader, heartbeats[n]()], heavy, rss: heavy });
const hbCheck = (n, env, label, heavy = false, key = `hb-check-${n}${heavy ? '-heavy' : ''}`) =>
  command(key, label ?? `hb check (${n.toLocaleString('en')} heartbeats)`, { argv: [HB, 'check'], env: env ?? withState(heartbeats[n]()), heavy, rss: heavy });

/** A short preview of a failed command's output, for a MISS line. */
const firstLine = (r) => `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n')[0]?.slice(0, 240) ?? '';
/** Runs a command once outside the timing, its output captured. */
function probe(c, argv = c.argv) {
  return spawnSync(c.file, argv, {
    cwd: tmp,
    env: c.env,
    encoding: 'utf8',
    stdio: ['ignore', c.stdout === 'null' ? devNull : 'pipe', 'pipe'],
    maxBuffer: 512 << 20,
  });
}
/** A config error names the config file: hb refused it (a MISS), rather than the bench failing. */
function refusal(r, cfg) {
  if (r.status === 2 && `${r.stderr}`.includes(cfg.dir))
    return `config refused by hb (${(cfg.bytes / 1024).toFixed(0)} KiB${cfg.files > 1 ? ` in ${cfg.files} files` : ''}): ${firstLine(r)}`;
  return null;
}
function mustPass(c, r, what) {
  if (r.status !== 0) fail(`"${c.label}" ${what}: exit ${r.status ?? r.signal}`, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}\n`);
}

// Each case: its group, its goal in words, and setup(): the commands it times and a preflight
// that proves hb does the intended work on the data (a MISS reason when hb cannot, e.g. refuses
// the config; the bench stops when a command fails for any other reason).
const CASES = [
  {
    name: 'tick',
    goal: '≤1.3x',
    setup: () => ({
      target: 1.3,
      hb: command('hb-tick', 'hb tick bench-job --every 1m', { argv: [HB, 'tick', 'bench-job', '--every', '1m'], env: withState(dir('state-tick')) }),
      floor: nodeE0(),
    }),
  },
  {
    name: 'wrap',
    goal: '≤1.5x',
    setup: () => ({
      target: 1.5,
      hb: command('hb-wrap', 'hb wrap --job bench-wrap -- true', {
        argv: [HB, 'wrap', '--job', 'bench-wrap', '--', 'true'],
        env: withState(dir('state-wrap')),
      }),
      floor: nodeTrue(),
    }),
  },
  {
    name: 'check-1k',
    goal: '≤1.5x, ≥20 rounds',
    setup: () => ({ target: 1.5, minRounds: 20, hb: hbCheck(1_000), floor: readLast(1_000), preflight: healthy }),
  },
  { name: 'check-10k', goal: '≤1.5x', setup: () => ({ target: 1.5, hb: hbCheck(10_000), floor: readLast(10_000), preflight: healthy }) },
  {
    name: 'report-100k',
    goal: '≤2.0x, <1 s',
    setup: () => {
      const ev = events100k();
      const hb = command('hb-report-100k', 'hb report --format json (100,000 events)', { argv: [HB, 'report', '--format', 'json'], env: withState(ev.dir) });
      const floor = command('read-events-100k', 'node read-events.mjs (100,000)', { argv: [floorScripts().eventReader, ev.dir] });
      return { target: 2.0, absoluteMs: 1000, hb, floor, preflight: () => reportReadsAll(hb, ev, false) };
    },
  },
  ...[1_000, 10_000].flatMap((n) => {
    const k = n / 1000;
    return [
      {
        name: `tick-cfg-${k}k`,
        goal: '≤1.3x',
        setup: () => {
          const cfg = configs[n]();
          const job = middleJob(n);
          const hb = command(`hb-tick-cfg-${k}k`, `hb tick ${job} (config of ${n.toLocaleString('en')} jobs)`, {
            argv: [HB, 'tick', job],
            env: withState(dir(`state-tick-cfg-${k}k`), { HB_CONFIG: cfg.path }),
          });
          return { target: 1.3, hb, floor: nodeE0(), preflight: () => configRun(hb, cfg), notes: [configNote(cfg, n)] };
        },
      },
      {
        name: `wrap-cfg-${k}k`,
        goal: '≤1.5x',
        setup: () => {
          const cfg = configs[n]();
          const job = middleJob(n);
          const hb = command(`hb-wrap-cfg-${k}k`, `hb wrap --job ${job} -- true (config of ${n.toLocaleString('en')} jobs)`, {
            argv: [HB, 'wrap', '--job', job, '--', 'true'],
            env: withState(dir(`state-wrap-cfg-${k}k`), { HB_CONFIG: cfg.path }),
          });
          return { target: 1.5, hb, floor: nodeTrue(), preflight: () => configRun(hb, cfg), notes: [configNote(cfg, n)] };
        },
      },
      {
        name: `check-cfg-${k}k`,
        goal: '≤1.5x',
        setup: () => {
          const cfg = configs[n]();
          const state = dir(`state-cfg-${k}k`);
          writeHeartbeats(state, n);
          const hb = hbCheck(
            n,
            withState(state, { HB_CONFIG: cfg.path }),
            `hb check (${n.toLocaleString('en')} heartbeats, config listing each job)`,
            false,
            `hb-check-cfg-${k}k`,
          );
          return {
            target: 1.5,
            hb,
            floor: readLast(n),
            preflight: () => configRun(hb, cfg, 'is not healthy on the generated heartbeats'),
            notes: [configNote(cfg, n)],
          };
        },
      },
    ];
  }),
  {
    name: 'check-100k',
    heavy: true,
    goal: '<200 MB',
    setup: () => ({ target: null, rssMb: 200, hb: hbCheck(100_000, undefined, undefined, true), floor: readLast(100_000, true), preflight: healthy }),
  },
  {
    name: 'check-cfg-100k',
    heavy: true,
    goal: '<200 MB',
    setup: () => {
      const cfg = configs[100_000]();
      const state = dir('state-cfg-100k');
      writeHeartbeats(state, 100_000);
      const label = 'hb check (100,000 heartbeats, config and jobs.d listing each job)';
      const hb = hbCheck(100_000, withState(state, { HB_CONFIG: cfg.path }), label, true, 'hb-check-cfg-100k');
      return {
        target: null,
        rssMb: 200,
        hb,
        floor: readLast(100_000, true),
        preflight: () => configRun(hb, cfg, 'is not healthy on the generated heartbeats'),
        notes: [configNote(cfg, 100_000)],
      };
    },
  },
  {
    name: 'check-linear',
    heavy: true,
    goal: '≤1.2x',
    // Cost per heartbeat at 100k ÷ at 10k, each net of what hb check costs on an empty state
    // directory (start-up and its own heartbeat) in the same round, so that start-up spread over
    // more heartbeats cannot pass for linearity. The 10k check and the empty one are light
    // commands (every round): their figure rests on all the rounds, not on the heavy ones alone.
    setup: () => {
      const empty = dir('state-empty');
      return {
        target: 1.2,
        linear: { big: 100_000, small: 10_000, empty: hbCheck(0, withState(empty), 'hb check (empty state directory)') },
        hb: hbCheck(100_000, undefined, undefined, true),
        floor: hbCheck(10_000),
        preflight: healthy,
      };
    },
  },
  {
    name: 'report-1m',
    heavy: true,
    goal: '≤2.0x, <100 MB',
    setup: () => {
      const ev = events1m();
      const hb = command('hb-report-1m', 'hb report --format json (1,000,000 lines)', {
        argv: [HB, 'report', '--format', 'json'],
        env: withState(ev.dir),
        heavy: true,
        rss: true,
      });
      return { target: 2.0, rssMb: 100, hb, floor: readLog1m(ev), preflight: () => reportReadsAll(hb, ev) };
    },
  },
  {
    name: 'log-1m',
    heavy: true,
    goal: '≤2.0x, <100 MB',
    setup: () => {
      const ev = events1m();
      const hb = command('hb-log-1m', 'hb log > /dev/null (1,000,000 lines)', {
        argv: [HB, 'log'],
        env: withState(ev.dir),
        heavy: true,
        rss: true,
        stdout: 'null',
      });
      return { target: 2.0, rssMb: 100, hb, floor: readLog1m(ev), preflight: () => logReadsAll(hb, ev) };
    },
  },
  {
    name: 'log-n50-1m',
    heavy: true,
    goal: '≤2.0x, <100 MB',
    setup: () => {
      const ev = events1m();
      const hb = command('hb-log-n50-1m', 'hb log -n 50 (1,000,000 lines)', { argv: [HB, 'log', '-n', '50'], env: withState(ev.dir), heavy: true, rss: true });
      return { target: 2.0, rssMb: 100, hb, floor: readLog1m(ev), preflight: () => logTail(hb) };
    },
  },
  {
    name: 'wrap-cat-1g',
    heavy: true,
    goal: '≤1.3x',
    setup: () => {
      const file = bigFile();
      const hb = command('hb-wrap-cat-1g', 'hb wrap --job big-dump -- cat FILE > /dev/null (1 GiB)', {
        argv: [HB, 'wrap', '--job', 'big-dump', '--', 'cat', file],
        env: withState(dir('state-wrap-cat')),
        heavy: true,
        rss: true,
        stdout: 'null',
      });
      const floor = command('cat-1g', 'cat FILE > /dev/null (1 GiB)', { file: 'cat', argv: [file], heavy: true, rss: true, stdout: 'null' });
      return { target: 1.3, hb, floor, preflight: () => mustPass(hb, probe(hb), 'failed on the 1 GiB file') };
    },
  },
];
const configNote = (cfg, n) =>
  `config: ${n.toLocaleString('en')} jobs in ${(cfg.bytes / 1024).toFixed(0)} KiB${cfg.files > 1 ? ` (hb.yaml and ${cfg.files - 1} files in jobs.d/)` : ''}, through HB_CONFIG`;
const readLog1m = (ev) => command('read-log-1m', 'node read-log.mjs (1,000,000 lines)', { argv: [floorScripts().logReader, ev.dir], heavy: true, rss: true });

// Preflights. A benchmark of an error path, or of hb reading a part of the data, is worthless.
const probed = new Set();
function healthy() {
  for (const c of [this.hb, this.floor]) {
    if (!c.key.startsWith('hb-check') || probed.has(c.key)) continue;
    mustPass(c, probe(c), 'is not healthy on the generated heartbeats');
    probed.add(c.key);
  }
  return null;
}
function configRun(c, cfg, what = 'failed to run') {
  const r = probe(c);
  if (r.status === 0) return null;
  return refusal(r, cfg) ?? mustPass(c, r, what);
}
/** hb report must count the runs: all of them when the whole log is inside its window (`all`), some otherwise. */
function reportReadsAll(c, ev, all = true) {
  const r = probe(c);
  mustPass(c, r, 'failed');
  const totals = JSON.parse(r.stdout).totals ?? {};
  if (all ? totals.runs === ev.runs : totals.runs > 0) return null;
  return `hb report counted ${Number(totals.runs).toLocaleString('en')} of the ${ev.runs.toLocaleString('en')} runs in ${ev.lines.toLocaleString('en')} lines over ${ev.files} files (not timed)`;
}
function logReadsAll(c, ev) {
  const r = probe({ ...c, stdout: 'pipe' }, [HB, 'log', '--json']);
  mustPass(c, r, 'failed');
  const lines = r.stdout.split('\n').filter(Boolean).length;
  if (lines === ev.lines) return null;
  return `hb log --json printed ${lines.toLocaleString('en')} of ${ev.lines.toLocaleString('en')} lines over ${ev.files} files (not timed)`;
}
function logTail(c) {
  const r = probe(c, [...c.argv, '--json']);
  if (r.status !== 0) return `hb log -n 50 is refused (exit ${r.status ?? r.signal}): ${firstLine(r)}`;
  const lines = r.stdout.split('\n').filter(Boolean).length;
  return lines === 50 ? null : `hb log -n 50 --json printed ${lines} lines, expected 50 (not timed)`;
}

// ---------------------------------------------------------------------------------------------
// Selection

if (opts['--list']) {
  for (const c of CASES) process.stdout.write(`${c.name.padEnd(14)} ${(c.heavy ? 'heavy' : 'light').padEnd(6)} ${c.goal}\n`);
  process.stdout.write(`${'daemon'.padEnd(14)} opt-in every fire started, none lost, p99 start lag ≤2 s, exit within --stop-timeout\n`);
  process.exit(0);
}
let selected = CASES;
const daemonWanted = Boolean(opts['--daemon']);
if (opts['--only'] !== undefined) {
  const names = opts['--only']
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set([...CASES.map((c) => c.name), 'light', 'heavy', 'daemon']);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) usageError(`--only: unknown case ${unknown.map((n) => `"${n}"`).join(', ')} (see --list)`);
  if (names.includes('daemon') && !daemonWanted) usageError('--only daemon needs --daemon too (the soak takes minutes)');
  selected = CASES.filter((c) => names.includes(c.name) || names.includes(c.heavy ? 'heavy' : 'light'));
}
if (opts['--skip-heavy']) selected = selected.filter((c) => !c.heavy);
if (selected.length === 0 && !daemonWanted) usageError('no case selected');
const SOAK = join(ROOT, 'scripts', 'daemon-soak.mjs');
if (daemonWanted && !existsSync(SOAK)) fail('--daemon: scripts/daemon-soak.mjs does not exist, so the daemon cannot be measured\n');

// ---------------------------------------------------------------------------------------------
// Setup

if (!existsSync(HB)) {
  process.stderr.write('bench: dist/hb.js missing, running npm run build\n');
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) fail('npm run build failed');
}
tmp = mkdtempSync(join(tmpdir(), 'hb-bench-'));
/** Removes the temporary world (100,000 heartbeat files take a while); the exit handler is the fallback. */
const cleanUp = () => {
  if (!tmp || !existsSync(tmp)) return;
  // rm -rf takes about a third less time than rmSync over many small files; rmSync is the fallback.
  spawnSync('rm', ['-rf', '--', tmp], { stdio: 'ignore' });
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanUp);
process.on('SIGINT', () => process.exit(130));
baseEnv = { ...process.env, HOME: dir('home'), XDG_CONFIG_HOME: dir('home', '.config'), XDG_STATE_HOME: dir('home', '.local', 'state') };
delete baseEnv.HB_CONFIG;
delete baseEnv.NODE_OPTIONS;
if (existsSync('/etc/hb/hb.yaml')) process.stderr.write('bench: note: /etc/hb/hb.yaml exists and will be loaded by hb\n');
const RSS = selected.some((c) => c.heavy) ? rssMethod() : null;
const devNull = openSync('/dev/null', 'w');
const loadBefore = loadavg();

say(`generating data for ${selected.length} case${selected.length === 1 ? '' : 's'}…\n`);
const cases = [];
for (const def of selected) {
  const t0 = Date.now();
  const c = { ...def, ...def.setup() };
  c.miss = c.preflight ? (c.preflight.call(c) ?? null) : null;
  cases.push(c);
  say(`  ${def.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s${c.miss ? ` — MISS: ${c.miss}` : ''}\n`);
}
const generatedAt = Date.now();

// ---------------------------------------------------------------------------------------------
// The interleaved loop

/** Runs a command once and returns its wall time in ms and, under the RSS wrapper, its peak RSS in KiB. */
function run(c) {
  let [file, argv] = [c.file, c.argv];
  const rssOut = c.rss && RSS ? join(tmp, 'rss.out') : null;
  if (rssOut) [file, argv] = RSS.wrap(rssOut, c.file, c.argv);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, {
    cwd: tmp,
    env: c.env,
    encoding: 'utf8',
    stdio: ['ignore', c.stdout === 'null' ? devNull : 'pipe', 'pipe'],
    maxBuffer: 512 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    const age = (Date.now() - STARTED) / 60_000;
    const stale =
      c.key.startsWith('hb-check') && age > 20
        ? ` (${age.toFixed(0)} minutes after the heartbeats were written: they stay healthy for about 25; use fewer rounds)`
        : '';
    fail(`"${c.label}" failed to run: exit ${r.status ?? r.signal}${stale}`, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}\n`);
  }
  let rssKb = null;
  if (rssOut) {
    const last = readFileSync(rssOut, 'utf8').trim().split('\n').pop();
    rssKb = Number(last);
    if (!Number.isFinite(rssKb)) fail(`"${c.label}": no peak RSS from ${RSS.kind}: "${last}"`);
  }
  return { ms, rssKb };
}

const timed = new Set();
for (const c of cases.filter((x) => !x.miss)) for (const cmd of [c.hb, c.floor, c.linear?.empty]) if (cmd) timed.add(cmd);
const plan = (cmd) => (cmd.heavy ? HEAVY : LIGHT);
const total = Math.max(0, ...[...timed].map((cmd) => plan(cmd).warmup + plan(cmd).rounds));
const seen = new Map();
const groups = [
  ...(cases.some((c) => !c.heavy) ? [`${LIGHT.warmup} + ${LIGHT.rounds} light`] : []),
  ...(cases.some((c) => c.heavy) ? [`${HEAVY.warmup} + ${HEAVY.rounds} heavy`] : []),
];
if (timed.size > 0) say(`running ${groups.join(' and ')} rounds of ${timed.size} commands, interleaved…\n`);
for (let g = 0; g < total; g++) {
  // A command with n runs in all runs in the rounds where floor(g·n / total) steps up: spread evenly.
  const due = [...timed].filter((cmd) => {
    const n = plan(cmd).warmup + plan(cmd).rounds;
    return Math.floor(((g + 1) * n) / total) > Math.floor((g * n) / total);
  });
  for (let i = 0; i < due.length; i++) {
    const cmd = due[(i + g) % due.length];
    const k = seen.get(cmd) ?? 0;
    seen.set(cmd, k + 1);
    const r = run(cmd);
    if (k >= plan(cmd).warmup) cmd.runs.push({ ...r, round: g });
  }
  if (!JSON_OUT && g % 5 === 4) process.stderr.write(`  round ${g + 1} of ${total}\n`);
}
const measuredAt = Date.now();

// ---------------------------------------------------------------------------------------------
// Figures

const quantile = (values, q) => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
};
const r2 = (x) => (Number.isFinite(x) ? +x.toFixed(2) : null);
const stats = (cmd) => {
  const ms = cmd.runs.map((r) => r.ms);
  const rss = cmd.runs.map((r) => r.rssKb).filter((x) => x !== null);
  return {
    command: cmd.label,
    runs: ms.length,
    median_ms: r2(quantile(ms, 0.5)),
    p90_ms: r2(quantile(ms, 0.9)),
    ...(rss.length > 0 ? { peak_rss_mb: r2(Math.max(...rss) / 1024) } : {}),
  };
};

/** A command's measured times by the round they ran in. */
const byRound = (cmd) => new Map(cmd.runs.map((r) => [r.round, r.ms]));

function result(c) {
  const base = { name: c.name, heavy: Boolean(c.heavy), goal: c.goal, target: c.target };
  if (c.miss)
    return {
      ...base,
      hb: { command: c.hb.label },
      floor: { command: c.floor.label },
      ratio: null,
      pass: false,
      miss: c.miss,
      ...(c.notes ? { notes: c.notes } : {}),
    };
  const hb = stats(c.hb);
  const floor = stats(c.floor);
  const notes = [...(c.notes ?? [])];
  let ratio;
  let perRound;
  if (c.linear) {
    // Per-heartbeat cost in µs, net of the empty check of the same round.
    const empty = byRound(c.linear.empty);
    const small = byRound(c.floor);
    const per = (cmd, n) => new Map(cmd.runs.filter((r) => empty.has(r.round)).map((r) => [r.round, ((r.ms - empty.get(r.round)) * 1000) / n]));
    const bigPer = per(c.hb, c.linear.big);
    const smallPer = per(c.floor, c.linear.small);
    hb.per_heartbeat_us = r2(quantile([...bigPer.values()], 0.5));
    floor.per_heartbeat_us = r2(quantile([...smallPer.values()], 0.5));
    ratio = hb.per_heartbeat_us / floor.per_heartbeat_us;
    perRound = [...bigPer].filter(([g]) => small.has(g)).map(([g, b]) => b / smallPer.get(g));
    notes.push(
      `per heartbeat ${hb.per_heartbeat_us} µs at 100k, ${floor.per_heartbeat_us} µs at 10k, net of "${c.linear.empty.label}" (median ${stats(c.linear.empty).median_ms} ms)`,
    );
  } else {
    ratio = hb.median_ms / floor.median_ms;
    const floorAt = byRound(c.floor);
    perRound = c.hb.runs.filter((r) => floorAt.has(r.round)).map((r) => r.ms / floorAt.get(r.round));
  }
  const misses = [];
  if (c.target !== null && !(ratio <= c.target))
    misses.push(`${ratio.toFixed(2)}x ${c.linear ? 'the cost per heartbeat at 10k' : 'its floor'}, goal ≤${c.target}x`);
  if (c.absoluteMs && !(hb.median_ms < c.absoluteMs)) misses.push(`hb median ${hb.median_ms} ms, goal < ${c.absoluteMs} ms`);
  if (c.rssMb) {
    if (hb.peak_rss_mb === undefined) misses.push('peak RSS not measured: neither GNU time nor python3 is available');
    else if (!(hb.peak_rss_mb < c.rssMb)) misses.push(`peak RSS ${hb.peak_rss_mb} MB, goal < ${c.rssMb} MB`);
  }
  if (c.minRounds && hb.runs < c.minRounds) misses.push(`only ${hb.runs} rounds, the goal asks for ${c.minRounds} or more`);
  return {
    ...base,
    hb,
    floor,
    ratio: r2(ratio),
    spread: { p10: r2(quantile(perRound, 0.1)), p90: r2(quantile(perRound, 0.9)) },
    ...(c.absoluteMs ? { absolute_target_ms: c.absoluteMs } : {}),
    ...(c.rssMb ? { rss_target_mb: c.rssMb } : {}),
    pass: misses.length === 0,
    ...(misses.length ? { miss: misses.join('; ') } : {}),
    ...(notes.length ? { notes } : {}),
  };
}
const results = cases.map(result);

// ---------------------------------------------------------------------------------------------
// The daemon soak (opt-in): the JSON object scripts/daemon-soak.mjs prints, judged against the
// goals. The soak exits 1 when a fire was lost or the daemon did not exit cleanly; its figures
// are still judged then, and only a soak that prints no JSON stops the bench.

/** The soak starts the daemon with --stop-timeout 10s (unless its output names another). */
const SOAK_STOP_TIMEOUT_MS = 10_000;

function daemonResult() {
  const args = [SOAK, '--jobs', '1000', '--minutes', String(DAEMON_MINUTES), '--json'];
  say(`running node scripts/daemon-soak.mjs ${args.slice(1).join(' ')} (up to ${DAEMON_MINUTES + 2} minutes)…\n`);
  const r = spawnSync(NODE, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  let soak = null;
  try {
    soak = JSON.parse(`${r.stdout ?? ''}`.trim().split('\n').pop());
  } catch {
    // Judged below.
  }
  if (soak === null || typeof soak !== 'object')
    fail(`daemon soak printed no JSON object (exit ${r.status ?? r.signal})`, `${r.stdout ?? ''}${r.error ?? ''}\n`);
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const due = num(soak.fires_due);
  const started = num(soak.fires_started);
  const lost = num(soak.lost);
  const lag = soak.start_lag_ms ?? {};
  const p99 = num(lag.p99);
  const stop = num(soak.sigterm_to_exit_ms);
  const stopTimeout = num(soak.stop_timeout_ms) ?? SOAK_STOP_TIMEOUT_MS;
  const absent = 'not in the soak output';
  const checks = [
    {
      goal: 'every fire started',
      figure: due !== null && started !== null ? `${started} of ${due}` : absent,
      pass: due !== null && started !== null && started >= due,
    },
    { goal: 'no fire lost', figure: lost !== null ? String(lost) : absent, pass: lost === 0 },
    { goal: 'p99 start lag ≤ 2 s', figure: p99 !== null ? `${(p99 / 1000).toFixed(2)} s` : absent, pass: p99 !== null && p99 <= 2000 },
    {
      goal: `exit within --stop-timeout (${stopTimeout / 1000} s) of SIGTERM`,
      figure: stop !== null ? `${(stop / 1000).toFixed(2)} s, exit ${soak.exit_code}` : 'did not exit',
      pass: stop !== null && stop <= stopTimeout && soak.exit_code === 0,
    },
  ];
  const info = [
    `start lag p50 ${lag.p50} ms, p90 ${lag.p90} ms, p99 ${lag.p99} ms, max ${lag.max} ms`,
    `daemon peak RSS ${soak.peak_rss_mib} MiB; overloaded minutes ${soak.overload_minutes}; load ${soak.loadavg_1m?.before} before, ${soak.loadavg_1m?.after} after`,
  ];
  return { minutes: DAEMON_MINUTES, jobs: 1000, exit: r.status ?? r.signal, soak, checks, info, pass: checks.every((x) => x.pass) };
}
const daemon = daemonWanted ? daemonResult() : null;
const soakedAt = Date.now();
say('removing the generated data…\n');
closeSync(devNull);
cleanUp();

// ---------------------------------------------------------------------------------------------
// Output

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  platform: `${process.platform}-${process.arch}`,
  load_before: loadBefore.map((x) => +x.toFixed(2)),
  load_after: loadavg().map((x) => +x.toFixed(2)),
};
const seconds = {
  data: +((generatedAt - STARTED) / 1000).toFixed(1),
  measuring: +((measuredAt - generatedAt) / 1000).toFixed(1),
  daemon: daemon ? +((soakedAt - measuredAt) / 1000).toFixed(1) : 0,
  cleaning_up: +((Date.now() - soakedAt) / 1000).toFixed(1),
  total: +((Date.now() - STARTED) / 1000).toFixed(1),
};
const rssNote = RSS ? RSS.kind : 'not measured';
if (JSON_OUT) {
  process.stdout.write(
    JSON.stringify(
      {
        machine,
        rounds: LIGHT.rounds,
        warmup: LIGHT.warmup,
        heavy_rounds: HEAVY.rounds,
        heavy_warmup: HEAVY.warmup,
        peak_rss: rssNote,
        seconds,
        results,
        daemon,
      },
      null,
      2,
    ) + '\n',
  );
} else {
  const out = [
    `machine: node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform}); load ${machine.load_before.join(' ')} before, ${machine.load_after.join(' ')} after`,
    [
      `rounds:  light ${LIGHT.rounds} after ${LIGHT.warmup} warm-up`,
      ...(RSS ? [`heavy ${HEAVY.rounds} after ${HEAVY.warmup} (peak RSS by ${rssNote})`] : []),
    ].join(', ') + '; interleaved; times in ms; spread = p10–p90 of the per-round ratios',
    '',
  ];
  const fx = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(d));
  const rows = [['case', 'hb median', 'floor median', 'ratio', 'spread', 'goal', 'hb peak RSS', 'result']];
  for (const r of results) {
    const lin = r.hb.per_heartbeat_us !== undefined;
    rows.push([
      r.name,
      lin ? `${fx(r.hb.per_heartbeat_us, 2)} µs/hb` : fx(r.hb.median_ms),
      lin ? `${fx(r.floor.per_heartbeat_us, 2)} µs/hb` : fx(r.floor.median_ms),
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
      r.spread ? `${fx(r.spread.p10, 2)}–${fx(r.spread.p90, 2)}` : '-',
      r.goal,
      r.hb.peak_rss_mb !== undefined ? `${fx(r.hb.peak_rss_mb)} MB` : '',
      r.pass ? 'PASS' : 'MISS',
    ]);
  }
  if (!results.some((r) => r.hb.peak_rss_mb !== undefined)) for (const row of rows) row.splice(6, 1);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  if (results.length > 0) {
    for (const row of rows)
      out.push(
        row
          .map((cell, i) => (i === 0 || i === 5 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
          .join('  ')
          .trimEnd(),
      );
    out.push('');
    const w = Math.max(...results.map((r) => r.hb.command.length));
    for (const r of results)
      out.push(
        `  ${r.name.padEnd(widths[0])}  ${r.hb.command.padEnd(w)}  vs  ${r.floor.command}${r.floor.peak_rss_mb !== undefined ? ` (floor peak RSS ${fx(r.floor.peak_rss_mb)} MB)` : ''}`,
      );
    for (const r of results) for (const n of r.notes ?? []) out.push(`  ${r.name}: ${n}`);
  }
  if (daemon) {
    out.push('', `daemon: ${daemon.jobs} jobs every minute for ${daemon.minutes} minute${daemon.minutes === 1 ? '' : 's'} (scripts/daemon-soak.mjs)`);
    for (const x of daemon.checks) out.push(`  ${x.goal.padEnd(48)} ${x.figure.padEnd(24)} ${x.pass ? 'PASS' : 'MISS'}`);
    for (const line of daemon.info) out.push(`  ${line}`);
    out.push(`  soak output (exit ${daemon.exit}): ${JSON.stringify(daemon.soak)}`);
  }
  out.push('');
  for (const r of results.filter((x) => !x.pass)) out.push(`MISS: ${r.name}: ${r.miss}`);
  for (const x of daemon?.checks.filter((c) => !c.pass) ?? []) out.push(`MISS: daemon: ${x.goal}: ${x.figure}`);
  if (results.every((r) => r.pass) && (daemon?.pass ?? true)) out.push('all goals met');
  out.push(
    `time: ${seconds.total} s in all (${seconds.data} s making data and checking hb on it, ${seconds.measuring} s measuring${daemon ? `, ${seconds.daemon} s daemon soak` : ''}, ${seconds.cleaning_up} s removing the data)`,
  );
  process.stdout.write(out.join('\n') + '\n');
}
