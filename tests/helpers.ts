// Shared test helpers: spawn the built CLI in an isolated environment and look at its files.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the built CLI (tests run the build, as users do). */
export const HB = fileURLToPath(new URL('../dist/hb.js', import.meta.url));
/** Absolute path of a fixture executable. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A throw-away home: state, config and XDG directories all inside one temp dir. */
export interface Sandbox {
  root: string;
  state: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Makes a sandbox whose environment points every hb default into it. */
export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'hb-test-'));
  const state = join(root, 'state');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    XDG_STATE_HOME: join(root, 'xdg-state'),
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    HB_STATE_DIR: state,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    // Tests run as root: never take schedules from this machine's real crontabs.
    HB_CRONTAB_PATHS: '',
  };
  return { root, state, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Result of one CLI run. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `hb ARGS` synchronously; `prefix` (e.g. faketime) runs before node. A run still going
 * after 30 s gets SIGTERM (hb passes it to a wrapped child). A run time-boxed by `timeoutMs`
 * gets SIGKILL instead, for a test that guards against a spin: a process busy in a synchronous
 * call never runs its TERM handler. Either way the run returns with `signal` set.
 */
export function hb(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string; prefix?: string[]; timeoutMs?: number } = {}): Run {
  const [cmd, ...pre] = opts.prefix?.length ? opts.prefix : [process.execPath];
  const argv = opts.prefix?.length ? [...pre, process.execPath, HB, ...args] : [HB, ...args];
  const r: SpawnSyncReturns<string> = spawnSync(cmd!, argv, {
    env: opts.env ?? process.env,
    input: opts.input,
    cwd: opts.cwd,
    encoding: 'utf8',
    // hb status --json over a few thousand jobs writes more than spawnSync's 1 MiB default.
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: opts.timeoutMs === undefined ? 'SIGTERM' : 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Runs `hb ARGS` without blocking this process: required whenever the test itself serves HTTP
 * (a synchronous spawn would stop the server from answering).
 */
export function hbRun(args: string[], opts: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): Promise<Run> {
  const [cmd, ...pre] = opts.prefix?.length ? opts.prefix : [process.execPath];
  const argv = opts.prefix?.length ? [...pre, process.execPath, HB, ...args] : [HB, ...args];
  const child = spawn(cmd!, argv, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Runs `hb ARGS` in the background; resolves when it exits. */
export function hbAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, [HB, ...args], { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout };
}

/** The line the first tick or wrap of a job hb has no schedule for prints on stderr (docs/cli.md). */
export const unscheduledHint = (job: string) =>
  `hb: hint: job ${job} has no schedule, so hb check cannot tell when it is late and lists it as unscheduled: ` +
  `add --every 15m or --cron '30 2 * * *' to its hb tick or hb wrap line, or every/cron under jobs.${job} in the config (said once)\n`;

/** Waits until `predicate` is true, polling every 20 ms, failing after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Parses a JSON file. */
export const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** Reads events.jsonl as objects. */
export const readEventsFile = (state: string) =>
  readFileSync(join(state, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** A TCP port on 127.0.0.1 that nothing listens on: a server was just given it, and gave it back. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when a command exists on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Skip a system test when its tool is absent — unless the suite demands it (npm test sets HB_REQUIRE_SYSTEM). */
export function requireTool(t: { skip(msg: string): void }, name: string): boolean {
  if (hasCommand(name)) return true;
  if (process.env.HB_REQUIRE_SYSTEM) throw new Error(`${name} is required for this system test but is not installed`);
  t.skip(`${name} not installed`);
  return false;
}

/**
 * A throw-away user for a system test, made by useradd (root only: skipped otherwise, an error
 * under HB_REQUIRE_SYSTEM) and removed after the test with its crontab — and its home, made
 * only with `home` — whether the test passed or not. Returns the name, or null when skipped.
 */
export function throwAwayUser(t: { skip(msg: string): void; after(fn: () => void): void }, name: string, opts: { home?: boolean } = {}): string | null {
  if (!requireTool(t, 'useradd')) return null;
  if (process.getuid?.() !== 0) {
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error('this system test creates a user: run it as root');
    t.skip('needs root to create a throw-away user');
    return null;
  }
  const how = opts.home ? ['--create-home', '--shell', '/bin/sh'] : ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin'];
  const made = spawnSync('useradd', [...how, name], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`useradd ${name} failed: ${made.stderr.trim()}`);
  t.after(() => {
    spawnSync('crontab', ['-u', name, '-r'], { stdio: 'ignore' });
    spawnSync('userdel', [...(opts.home ? ['--remove'] : []), name], { stdio: 'ignore' });
  });
  return name;
}

/** Every output a person reads, by name → hb's arguments: where text from a job must arrive inert. */
export const HUMAN_VIEWS: Readonly<Record<string, string[]>> = {
  'hb status': ['status'],
  'hb check': ['check'],
  'hb check --verbose': ['check', '--verbose'],
  'hb check --format nagios': ['check', '--format', 'nagios'],
  'hb log': ['log'],
  'hb report (markdown)': ['report', '--format', 'markdown'],
  'hb report (html)': ['report', '--format', 'html'],
};

/** A small seeded generator (mulberry32) of numbers in [0, 1): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed property tests use unless told otherwise: CI runs the same cases every time. */
export const PROPERTY_SEED = 20_261_202;

/**
 * fast-check parameters for a property test: `numRuns` cases from the fixed seed, so a run is
 * deterministic; FC_SEED=<n> replays a seed fast-check printed, and HB_EXPLORE=1 (npm run
 * test:explore) draws a new one to look for counterexamples. Each one found belongs in a corpus.
 */
export function propertyRuns(numRuns: number): { numRuns: number; seed: number } {
  const fromEnv = process.env.FC_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return { numRuns, seed: Number(fromEnv) };
  if (process.env.HB_EXPLORE === '1') return { numRuns, seed: Math.floor(Math.random() * 2 ** 31) };
  return { numRuns, seed: PROPERTY_SEED };
}
