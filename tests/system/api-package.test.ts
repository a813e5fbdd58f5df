// The Node API as a user gets it: hb packed with npm pack, installed into a fresh project, imported
// as `hb` by a script run with node and by TypeScript against the shipped declarations; what it
// wrote read back by the packed CLI (node_modules/.bin/hb), a crash mid-run included.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixture, readEventsFile, waitFor } from '../helpers.ts';
import { installInProject, packHb } from '../pack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let work: string;
let project: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'hb-api-package-'));
  project = installInProject(packHb(work), work);
  // A TypeScript project for Node has Node's types; this one takes hb's own copy.
  mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** An environment that keeps hb inside `state` (no config found elsewhere, no machine crontab read). */
const envFor = (state: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: join(work, 'home'),
  XDG_CONFIG_HOME: join(work, 'xdg'),
  TZ: 'UTC',
  HB_STATE_DIR: state,
  HB_CRONTAB_PATHS: '',
});

/** Runs `node FILE` in the project; throws with its output when it fails. */
function node(file: string, env: NodeJS.ProcessEnv, pre: string[] = []): string {
  const r = spawnSync(process.execPath, [...pre, file], { cwd: project, env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `node ${file}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The packed CLI's `hb check --json` of `state`: exit code and each job's status. */
function packedCheck(state: string): { code: number | null; jobs: Map<string, Record<string, unknown>> } {
  const r = spawnSync(join(project, 'node_modules/.bin/hb'), ['check', '--json', '--no-notify', '--no-recover', '--state-dir', state], {
    cwd: project,
    env: envFor(state),
    encoding: 'utf8',
  });
  assert.ok(r.status === 0 || r.status === 1, `hb check: ${r.stderr}`);
  const jobs = (JSON.parse(r.stdout) as { jobs: Record<string, unknown>[] }).jobs;
  return { code: r.status, jobs: new Map(jobs.map((j) => [j.job as string, j])) };
}

test("a script importing 'hb' records heartbeats and runs that the packed hb check reads, loading none of the command line", () => {
  const state = join(work, 'state-script');
  writeFileSync(
    join(project, 'run.mjs'),
    `import { heartbeat, runJob, check, nextFires } from 'hb';
const opts = { every: '1m' };
await heartbeat('agent', { ...opts, action: 'cycle 1' });
await runJob('sync', async ({ cycle }) => ({ message: 'synced in cycle ' + cycle }), opts);
await runJob('fetch', async () => { throw new Error('upstream answered 503'); }, opts);
const verdicts = await check();
const next = nextFires('0 3 * * *', { from: '2026-01-01T00:00:00Z', count: 1, tz: 'UTC' });
console.log(JSON.stringify({ verdicts: verdicts.map((v) => [v.job, v.status]), next }));
`,
  );
  const trace = join(work, 'trace.txt');
  const out = node('run.mjs', { ...envFor(state), HB_TRACE_FILE: trace }, ['--import', fixture('trace-loads.mjs')]);
  assert.deepEqual(JSON.parse(out), {
    verdicts: [
      ['agent', 'ok'],
      ['fetch', 'failed'],
      ['sync', 'ok'],
    ],
    next: ['2026-01-01T03:00:00.000Z'],
  });
  const loaded = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((u) => u.includes('/node_modules/hb/'))
    .map((u) => u.slice(u.indexOf('/node_modules/hb/') + '/node_modules/hb/'.length));
  assert.ok(loaded.includes('dist/api.js') && loaded.includes('dist/evaluate.js'), `the API and the check pipeline were loaded: ${loaded.join(' ')}`);
  for (const cli of ['dist/hb.js', 'dist/cli.js', 'dist/check.js']) assert.ok(!loaded.includes(cli), `${cli} is not loaded`);

  const { code, jobs } = packedCheck(state);
  assert.equal(code, 1, 'fetch failed');
  assert.deepEqual(
    ['agent', 'sync', 'fetch'].map((j) => jobs.get(j)?.status),
    ['ok', 'ok', 'failed'],
  );
  const last = (job: string) => jobs.get(job)!.last as Record<string, unknown>;
  assert.deepEqual([last('agent').action, last('sync').message, last('fetch').message], ['cycle 1', 'synced in cycle 1', 'upstream answered 503']);
});

test("docs/api.md's agent loop runs as shipped, and hb check sees both its jobs", () => {
  const state = join(work, 'state-docs');
  const doc = readFileSync(join(project, 'node_modules/hb/docs/api.md'), 'utf8');
  const example = /```js\n(\/\/ agent\.mjs[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'docs/api.md has the agent loop');
  writeFileSync(join(project, 'agent.mjs'), example);
  const out = node('agent.mjs', { ...envFor(state), CYCLES: '1' });
  // Over 90% full the job notifies instead (to no sink here) and keeps no message: ok either way.
  assert.match(out, /^cycle 1: disk-check ok: (disk \/ is \d+% full)?\n$/);
  const { jobs } = packedCheck(state);
  assert.deepEqual(
    ['agent', 'disk-check'].map((j) => [jobs.get(j)?.status, (jobs.get(j)?.schedule as { every?: string } | null)?.every]),
    [
      ['ok', '1m'],
      ['ok', '1m'],
    ],
  );
});

test('TypeScript type-checks a consumer against the shipped declarations, and reports a deliberate type error', () => {
  writeFileSync(
    join(project, 'consumer.mts'),
    `import { check, heartbeat, nextFires, runJob, UsageError, type HeartbeatRecord, type JobHealth, type JobStatus } from 'hb';

const record: HeartbeatRecord = await heartbeat('agent', { every: '1m', grace: '30s', stateDir: '/tmp/hb-types' });
const said: 'ok' | 'error' = record.status;
const run: HeartbeatRecord | null = await runJob('sync', async ({ cycle }) => (cycle > 1 ? { notify: 'late again' } : { message: 'ok' }), { lock: true });
const quiet = await runJob('quiet', () => undefined);
const verdicts: JobHealth[] = await check({ jobs: ['agent'] });
const statuses: JobStatus[] = verdicts.map((v) => v.status);
const fires: Date[] = nextFires({ cron: '0 3 * * *', tz: 'UTC' }, { count: 2, from: new Date() });
const problem = new UsageError('x').exitCode;
console.log(said, run?.cycle, quiet?.message, statuses, fires, problem);
`,
  );
  writeFileSync(
    join(project, 'wrong.mts'),
    `import { runJob } from 'hb';

await runJob('sync', async () => ({ notify: 42 }));
`,
  );
  // One compiler run over both: the consumer type-checks clean, the mistake is the only error.
  const tsc = spawnSync(
    process.execPath,
    [TSC, '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--strict', 'consumer.mts', 'wrong.mts'],
    {
      cwd: project,
      encoding: 'utf8',
    },
  );
  assert.equal(tsc.status, 2, tsc.stdout);
  const errors = tsc.stdout.split('\n').filter((line) => /^\S.*: error TS/.test(line));
  assert.equal(errors.length, 1, tsc.stdout);
  assert.match(errors[0]!, /^wrong\.mts\(3,\d+\): error TS2322: /);
  assert.match(tsc.stdout, /Type 'number' is not assignable to type 'string'/);
});

test('a process killed with SIGKILL inside runJob leaves its running marker, and the packed hb check says crashed', async () => {
  const state = join(work, 'state-crash');
  writeFileSync(
    join(project, 'crash.mjs'),
    `import { runJob } from 'hb';
await runJob('long', () => new Promise(() => { console.log('READY'); setInterval(() => {}, 1000); }), { every: '1h' });
`,
  );
  const child = spawn(process.execPath, ['crash.mjs'], { cwd: project, env: envFor(state), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await waitFor(() => out.includes('READY'), 'the job function to start');
  const marker = JSON.parse(readFileSync(join(state, 'long.run'), 'utf8')) as { pid: number };
  assert.equal(marker.pid, child.pid);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const { code, jobs } = packedCheck(state);
  assert.equal(code, 1);
  assert.equal(jobs.get('long')?.status, 'crashed');
  // The next run says so too, as a wrapped command's does.
  writeFileSync(
    join(project, 'again.mjs'),
    `import { runJob } from 'hb';\nconst r = await runJob('long', () => ({ message: 'done' }), { every: '1h' });\nconsole.log(JSON.stringify(r.previous));\n`,
  );
  const previous = JSON.parse(node('again.mjs', envFor(state))) as { status: string; pid: number };
  assert.deepEqual([previous.status, previous.pid], ['crashed', child.pid]);
  assert.ok(readEventsFile(state).some((e: { type: string; job: string }) => e.type === 'crash_detected' && e.job === 'long'));
  assert.equal(packedCheck(state).jobs.get('long')?.status, 'ok');
});
