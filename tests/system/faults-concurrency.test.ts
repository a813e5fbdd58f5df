// Concurrency through the built CLI: 100 ticks of one job at once, 100 ticks of 100 jobs at
// once, overlapping wraps of one job and overlapping checks. Every heartbeat read while they run
// and after is a whole record, every run gets its own cycle, every events.jsonl line is whole
// JSON, and overlapping checks alert once.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseHeartbeat, type HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { hbRun, sandbox, type Run, type Sandbox } from '../helpers.ts';

/** A heartbeat file as the project reads it; anything but a whole record is a failure. */
function wholeRecord(path: string): HeartbeatRecord {
  const read = parseHeartbeat(readFileSync(path, 'utf8'), 0);
  assert.equal(read.kind, 'record', `${path} is not a whole record: ${JSON.stringify(read)}`);
  return (read as { record: HeartbeatRecord }).record;
}

/** Every line of events.jsonl (the live file; 100 runs stay far below the rotation size). */
function eventLines(state: string): Array<Record<string, unknown>> {
  const text = readFileSync(join(state, 'events.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), 'events.jsonl ends with a whole line');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`events.jsonl line ${i + 1} is not whole JSON: ${line.slice(0, 200)}`);
      }
    });
}

/** Starts every argv at once; meanwhile reads the watched heartbeat files as fast as it can. */
async function together(argvs: string[][], env: NodeJS.ProcessEnv, watch: () => string[]): Promise<{ runs: Run[]; reads: number }> {
  let done = false;
  const all = Promise.all(argvs.map((args) => hbRun(args, { env }))).finally(() => (done = true));
  let reads = 0;
  while (!done) {
    for (const path of watch()) {
      if (!existsSync(path)) continue;
      try {
        wholeRecord(path);
      } catch (e) {
        // A file replaced between existsSync and the read is fine; a torn one is not.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      reads++;
    }
    // A millisecond between rounds leaves the cores to the processes under test.
    await new Promise((r) => setTimeout(r, 1));
  }
  return { runs: await all, reads };
}

function assertClean(runs: Run[], what: string, code = 0): void {
  for (const r of runs) {
    assert.equal(r.code, code, `${what}: exit ${r.code} (${r.signal}), stderr: ${r.stderr}`);
    assert.equal(r.stderr, '', `${what}: nothing on stderr`);
  }
}

const duplicates = (numbers: number[]) => numbers.length - new Set(numbers).size;

test('100 concurrent ticks of one job: whole records, 100 distinct cycles, whole event lines', async () => {
  const s = sandbox();
  try {
    const started = performance.now();
    const argvs = Array.from({ length: 100 }, () => ['tick', 'one', '--every', '1m']);
    const { runs, reads } = await together(argvs, s.env, () => [join(s.state, 'one.last')]);
    assertClean(runs, 'hb tick one');
    const last = wholeRecord(join(s.state, 'one.last'));
    const finished = eventLines(s.state).filter((e) => e.type === 'run_finished' && e.job === 'one');
    const cycles = finished.map((e) => e.cycle as number);
    assert.equal(finished.length, 100, 'one run_finished per tick');
    assert.equal(duplicates(cycles), 0, `duplicate cycles: ${cycles.sort((a, b) => a - b).join(',')}`);
    assert.deepEqual(
      [...cycles].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i + 1),
      'cycles 1..100, no gap',
    );
    assert.ok(cycles.includes(last.cycle), 'the heartbeat left is one of the runs');
    const next = await hbRun(['tick', 'one', '--every', '1m'], { env: s.env });
    assertClean([next], 'the tick after');
    assert.equal(wholeRecord(join(s.state, 'one.last')).cycle, 101);
    assert.deepEqual(readdirSync(join(s.state, 'cycles')), ['one.n'], 'no lock or temp file left behind');
    console.log(
      `# 100 ticks of one job: 100 distinct cycles, 0 duplicates, ${reads} reads of one.last while they ran (all whole), ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    s.cleanup();
  }
});

test('100 concurrent ticks of 100 jobs: 100 whole records, 100 whole event lines, all ok', async () => {
  const s = sandbox();
  try {
    const jobs = Array.from({ length: 100 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
    const { runs, reads } = await together(
      jobs.map((j) => ['tick', j, '--every', '1m']),
      s.env,
      () => jobs.slice(0, 10).map((j) => join(s.state, `${j}.last`)),
    );
    assertClean(runs, 'hb tick JOB');
    for (const job of jobs) {
      const rec = wholeRecord(join(s.state, `${job}.last`));
      assert.equal(rec.job, job);
      assert.equal(rec.cycle, 1);
    }
    const lines = eventLines(s.state);
    assert.equal(lines.length, 100, 'one event line per tick');
    assert.deepEqual(lines.map((e) => e.job).sort(), jobs);
    const check = await hbRun(['check', '--json'], { env: s.env });
    assert.equal(check.code, 0, check.stderr);
    const report = JSON.parse(check.stdout) as { jobs: Array<{ job: string; status: string }> };
    assert.deepEqual(
      report.jobs.filter((j) => jobs.includes(j.job)).map((j) => j.status),
      jobs.map(() => 'ok'),
    );
    console.log(`# 100 ticks of 100 jobs: 100 whole records, 100 whole event lines, ${reads} reads while they ran`);
  } finally {
    s.cleanup();
  }
});

test('20 overlapping wraps of one job: distinct cycles, whole records, no marker left, not crashed', async () => {
  const s = sandbox();
  try {
    const argvs = Array.from({ length: 20 }, () => ['wrap', '--job', 'w', '--every', '1m', '--', 'sleep', '0.3']);
    const { runs, reads } = await together(argvs, s.env, () => [join(s.state, 'w.last')]);
    assertClean(runs, 'hb wrap');
    const lines = eventLines(s.state);
    const startedCycles = lines.filter((e) => e.type === 'run_started').map((e) => e.cycle as number);
    const finishedCycles = lines.filter((e) => e.type === 'run_finished').map((e) => e.cycle as number);
    assert.equal(startedCycles.length, 20);
    assert.equal(duplicates(startedCycles), 0, `duplicate cycles among overlapping wraps: ${startedCycles.join(',')}`);
    assert.deepEqual(
      [...finishedCycles].sort((a, b) => a - b),
      [...startedCycles].sort((a, b) => a - b),
    );
    assert.equal(lines.filter((e) => e.type === 'crash_detected').length, 0, 'a live overlapping run is not a crash');
    assert.ok(finishedCycles.includes(wholeRecord(join(s.state, 'w.last')).cycle));
    assert.equal(existsSync(join(s.state, 'w.run')), false, 'no run marker outlives the runs');
    const check = await hbRun(['check', '--json', 'w'], { env: s.env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal((JSON.parse(check.stdout) as { jobs: Array<{ status: string }> }).jobs[0]!.status, 'ok');
    console.log(`# 20 overlapping wraps of one job: 20 distinct cycles, 0 crash_detected, ${reads} reads while they ran`);
  } finally {
    s.cleanup();
  }
});

test('10 overlapping checks of a failed job: one alert, distinct hb-check cycles, whole alert state', async () => {
  const rec = await startRecorder();
  const s: Sandbox = sandbox();
  try {
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, `notify:\n  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}\njobs:\n  j:\n    every: 1m\n`);
    s.env.HB_CONFIG = config;
    const failed = await hbRun(['tick', 'j', '--status', 'error'], { env: s.env });
    assertClean([failed], 'hb tick j --status error');
    const { runs } = await together(
      Array.from({ length: 10 }, () => ['check']),
      s.env,
      () => [join(s.state, 'hb-check.last')],
    );
    assertClean(runs, 'hb check', 1);
    const again = await hbRun(['check'], { env: s.env });
    assert.equal(again.code, 1, again.stderr);
    const alerts = rec.requests.filter((r) => (r.body as { type?: string }).type === 'alert');
    assert.equal(alerts.length, 1, `overlapping checks sent ${alerts.length} alerts`);
    const state = JSON.parse(readFileSync(join(s.state, 'alerts', 'state.json'), 'utf8')) as { jobs: Record<string, { incident: { id: string } }> };
    assert.equal(state.jobs.j!.incident.id, (alerts[0]!.body as { incident: { id: string } }).incident.id);
    eventLines(s.state);
    const cycles = wholeRecord(join(s.state, 'hb-check.last')).cycle;
    assert.equal(cycles, 11, 'eleven checks, eleven cycles');
    console.log(`# 10 overlapping checks: 1 alert sent, hb-check cycle ${cycles} after 11 checks`);
  } finally {
    await rec.close();
    s.cleanup();
  }
});
