// kill -9 at random instants of the built CLI: hundreds of `hb tick`, `hb wrap` and `hb check`
// runs are killed somewhere between their start and their normal end. After every kill the
// heartbeat is the previous whole record or a new whole one, the next ordinary run succeeds, an
// interrupted wrap is reported as crashed and carried into the next run, and an open incident
// is neither alerted twice nor forgotten.
//
// The instants come from a seeded generator (fixed unless HB_EXPLORE=1); the seed is printed. Replay: HB_FAULT_SEED=<seed>.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseHeartbeat, type HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { startRecorder, type Recorder } from '../fixtures/http-recorder.ts';
import { HB, hbRun, propertyRuns, sandbox, seededRandom, type Run, type Sandbox } from '../helpers.ts';

const SEED = Number(process.env.HB_FAULT_SEED ?? propertyRuns(1).seed);
console.log(`# faults-kill seed ${SEED} (replay: HB_FAULT_SEED=${SEED})`);
const why = (what: string) => `${what} [seed ${SEED}]`;

/** One run that was sent SIGKILL `delayMs` after its spawn (or had ended before that). */
interface Killed {
  pid: number;
  delayMs: number;
  killed: boolean;
  code: number | null;
  stderr: string;
}

function runKilled(args: string[], env: NodeJS.ProcessEnv, delayMs: number): Promise<Killed> {
  const child = spawn(process.execPath, [HB, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, delayMs, killed: signal === 'SIGKILL', code, stderr });
    }),
  );
}

/** An ordinary run, timed: its duration feeds the range of the next kill instants. */
async function timed(args: string[], env: NodeJS.ProcessEnv, durations: number[]): Promise<Run> {
  const started = performance.now();
  const r = await hbRun(args, { env });
  durations.push(performance.now() - started);
  return r;
}

/** The range of kill instants: the median of the recent ordinary runs under the same load. */
function killRange(durations: number[]): number {
  const recent = durations.slice(-9).sort((a, b) => a - b);
  return recent[Math.floor(recent.length / 2)]! * 1.1;
}

/** Counts kept per kind of trial and printed at the end. */
const tally: Record<string, Record<string, number>> = {};
const count = (kind: string, what: string, n = 1) => {
  tally[kind] ??= {};
  tally[kind][what] = (tally[kind][what] ?? 0) + n;
};
after(() => {
  for (const [kind, counts] of Object.entries(tally))
    console.log(
      `# ${kind}: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
});

/** A `.last` as the project reads it: must be a whole record (torn or empty ones are counted, then fail). */
function readRecord(kind: string, path: string): { text: string; record: HeartbeatRecord } {
  const text = readFileSync(path, 'utf8');
  const read = parseHeartbeat(text, 0);
  if (read.kind !== 'record') count(kind, 'torn records');
  assert.equal(read.kind, 'record', why(`${path} is not a whole record: ${JSON.stringify(read)} from ${JSON.stringify(text.slice(0, 120))}`));
  return { text, record: (read as { record: HeartbeatRecord }).record };
}

function assertOrdinary(r: Run, what: string, code = 0): void {
  assert.equal(r.code, code, why(`${what}: exit ${r.code}, stdout ${r.stdout.slice(0, 500)} stderr ${r.stderr}`));
  assert.equal(r.stderr, '', why(`${what}: stderr must be empty`));
}

/** Every events.jsonl line is whole JSON. */
function assertWholeEvents(state: string): Array<Record<string, unknown>> {
  const text = readFileSync(join(state, 'events.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), why('events.jsonl ends with a whole line'));
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(why(`events.jsonl holds a torn line: ${line.slice(0, 200)}`));
      }
    });
}

/** Files a killed writer left behind (temp files, lock claims), anywhere under the state dir. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...leftovers(path));
    else if (name.endsWith('.tmp') || name.includes('.stale-')) found.push(path);
  }
  return found;
}

/** What a leftover was on its way to becoming. */
function leftoverKind(path: string): string {
  if (path.includes('/outbox/')) return 'outbox item';
  if (path.includes('/cycles/')) return path.includes('.lock.') ? 'counter lock' : 'cycle counter';
  if (path.includes('.last.')) return 'heartbeat';
  if (path.includes('.run.')) return 'run marker';
  if (path.includes('/alerts/')) return 'alert state';
  return 'other';
}

/** The check at the end of a lane: every job judged, no corrupt file, temp files ignored. */
async function finalCheck(kind: string, s: Sandbox, jobs: Record<string, string>): Promise<void> {
  const left = leftovers(s.state);
  count(kind, 'temp files left by kills', left.length);
  for (const path of left) count(kind, `  of which ${leftoverKind(path)}`);
  const r = await hbRun(['check', '--json', '--no-notify'], { env: s.env });
  assert.equal(r.stderr, '', why('final check: stderr must be empty'));
  const report = JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string }> };
  const seen = Object.fromEntries(report.jobs.filter((j) => j.job !== 'hb-check').map((j) => [j.job, j.status]));
  assert.deepEqual(seen, jobs, why('final check: exactly the lane jobs, with their expected status'));
}

const lanes = <T>(n: number, lane: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => lane(i)));

describe('kill -9 at random instants', { concurrency: true }, () => {
  test('hb tick: 150 kills, the heartbeat stays whole and the next tick counts on', async () => {
    const started = performance.now();
    await lanes(2, async (lane) => {
      const rng = seededRandom(SEED + 101 * (lane + 1));
      const s = sandbox();
      try {
        const args = ['tick', 'kt', '--every', '1m'];
        const durations: number[] = [];
        for (let i = 0; i < 3; i++) assertOrdinary(await timed(args, s.env, durations), 'warm-up tick');
        let { text: prevText, record: prev } = readRecord('tick', join(s.state, 'kt.last'));
        for (let trial = 0; trial < 75; trial++) {
          const k = await runKilled(args, s.env, rng() * killRange(durations));
          count('tick', 'trials');
          if (!k.killed) assertOrdinary({ code: k.code, signal: null, stdout: '', stderr: k.stderr }, 'a tick that ended before its kill');
          const after = readRecord('tick', join(s.state, 'kt.last'));
          if (after.text === prevText) {
            assert.ok(k.killed, why('a tick that ran to its end wrote a new record'));
            count('tick', 'killed before the record');
          } else {
            assert.equal(after.record.pid, k.pid, why("a changed heartbeat is the killed run's"));
            assert.ok(after.record.cycle > prev.cycle, why('a new record counts on'));
            count('tick', k.killed ? 'killed after the record' : 'ended before the kill');
          }
          const next = await timed(args, s.env, durations);
          assertOrdinary(next, `tick after kill at ${k.delayMs.toFixed(1)} ms`);
          ({ text: prevText, record: prev } = readRecord('tick', join(s.state, 'kt.last')));
          assert.ok(prev.cycle > after.record.cycle, why('the tick after a kill counts on'));
          assert.equal(prev.cycle, Number(readFileSync(join(s.state, 'cycles', 'kt.n'), 'utf8')), why('counted under the lock, not around it'));
          assert.deepEqual(
            readdirSync(join(s.state, 'cycles')).filter((n) => n.endsWith('.lock')),
            [],
            why('a dead counter lock is taken over and released'),
          );
        }
        assertWholeEvents(s.state);
        await finalCheck('tick', s, { kt: 'ok' });
      } finally {
        s.cleanup();
      }
    });
    count('tick', 'torn records', 0);
    console.log(`# tick trials took ${Math.round(performance.now() - started)} ms`);
  });

  test('hb wrap: 150 kills, every run killed after its marker is reported crashed and carried on', async () => {
    const started = performance.now();
    await lanes(2, async (lane) => {
      const rng = seededRandom(SEED + 211 * (lane + 1));
      const s = sandbox();
      try {
        const args = ['wrap', '--job', 'kw', '--every', '1m', '--', 'sleep', '0.05'];
        const durations: number[] = [];
        for (let i = 0; i < 3; i++) assertOrdinary(await timed(args, s.env, durations), 'warm-up wrap');
        let { text: prevText, record: prev } = readRecord('wrap', join(s.state, 'kw.last'));
        for (let trial = 0; trial < 75; trial++) {
          const k = await runKilled(args, s.env, rng() * killRange(durations));
          count('wrap', 'trials');
          if (!k.killed) assertOrdinary({ code: k.code, signal: null, stdout: '', stderr: k.stderr }, 'a wrap that ended before its kill');
          const after = readRecord('wrap', join(s.state, 'kw.last'));
          const changed = after.text !== prevText;
          const markerPath = join(s.state, 'kw.run');
          const marker = existsSync(markerPath) ? (JSON.parse(readFileSync(markerPath, 'utf8')) as { pid: number; cycle: number }) : null;
          if (marker) assert.equal(marker.pid, k.pid, why("a marker left is the killed run's"));
          if (changed) {
            assert.equal(after.record.pid, k.pid, why("a changed heartbeat is the killed run's"));
            assert.ok(after.record.cycle > prev.cycle, why('a new record counts on'));
          }
          const crashed = marker !== null && !changed;
          if (crashed) {
            count('wrap', 'killed after the marker, before the record');
            const check = await hbRun(['check', '--json', 'kw'], { env: s.env });
            const job = (JSON.parse(check.stdout) as { jobs: Array<{ status: string }> }).jobs[0]!;
            assert.equal(job.status, 'crashed', why(`run killed at ${k.delayMs.toFixed(1)} ms after its marker: ${check.stdout}`));
            assert.equal(check.code, 1, why('crashed is a problem'));
            count('wrap', 'reported crashed by hb check --json');
          } else if (marker) count('wrap', 'killed after the record, before the marker was removed');
          else if (changed) count('wrap', k.killed ? 'killed after the run was recorded' : 'ended before the kill');
          else count('wrap', 'killed before the marker');
          const next = await timed(args, s.env, durations);
          assertOrdinary(next, `wrap after kill at ${k.delayMs.toFixed(1)} ms`);
          ({ text: prevText, record: prev } = readRecord('wrap', join(s.state, 'kw.last')));
          assert.ok(prev.cycle > Math.max(after.record.cycle, marker?.cycle ?? 0), why('the run after a kill counts on'));
          assert.equal(existsSync(markerPath), false, why('the next run leaves no marker'));
          if (crashed) {
            assert.deepEqual(
              prev.previous,
              { status: 'crashed', cycle: marker.cycle, started_at: prev.previous?.started_at, pid: k.pid },
              why('the next run carries the crash'),
            );
            const detected = assertWholeEvents(s.state).filter((e) => e.type === 'crash_detected' && e.cycle === marker.cycle);
            assert.equal(detected.length, 1, why('crash_detected logged once for the killed cycle'));
            count('wrap', 'carried as crash_detected by the next run');
          } else assert.equal(prev.previous ?? null, null, why('no crash is invented'));
        }
        assertWholeEvents(s.state);
        await finalCheck('wrap', s, { kw: 'ok' });
      } finally {
        s.cleanup();
      }
    });
    count('wrap', 'torn records', 0);
    console.log(`# wrap trials took ${Math.round(performance.now() - started)} ms`);
  });

  test('hb check: 100 kills with an incident opening or closing, alerted once, never forgotten', async () => {
    const started = performance.now();
    const rec = await startRecorder();
    try {
      await lanes(2, async (lane) => checkLane(lane, rec, 50));
    } finally {
      await rec.close();
    }
    count('check', 'torn records', 0);
    console.log(`# check trials took ${Math.round(performance.now() - started)} ms`);
  });
});

interface Sent {
  id: string;
  type: string;
  incident: { id: string } | null;
}

async function checkLane(lane: number, rec: Recorder, trials: number): Promise<void> {
  const rng = seededRandom(SEED + 307 * (lane + 1));
  const s = sandbox();
  const hook = `/hook/${lane}`;
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, `notify:\n  - webhook: {url: ${rec.url}${hook}, timeout: 5s, retries: 0}\njobs:\n  victim:\n    every: 1m\n`);
  s.env.HB_CONFIG = config;
  const sent = () => rec.requests.filter((r) => r.path === hook).map((r) => r.body as Sent);
  const stateFile = join(s.state, 'alerts', 'state.json');
  const stateText = () => (existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '');
  // Pending deliveries and claims; a killed writer's hidden temp file is not one.
  const outbox = () =>
    existsSync(join(s.state, 'outbox')) ? readdirSync(join(s.state, 'outbox')).filter((n) => !n.startsWith('.') && n.includes('.json')) : [];
  let problem = false;
  let episodes = 0;
  // The job's health flips between trials; its heartbeat is written here, as `hb tick victim
  // [--status error]` would write it, to keep the processes for the checks under test.
  let cycle = 0;
  const flip = () => {
    problem = !problem;
    if (problem) episodes++;
    const now = new Date().toISOString();
    const record = {
      v: 1,
      job: 'victim',
      host: 'test',
      status: problem ? 'error' : 'ok',
      exit_code: problem ? 1 : 0,
      signal: null,
      started_at: now,
      finished_at: now,
      duration_ms: 0,
      cycle: ++cycle,
      action: null,
      message: null,
      schedule: { every: '1m' },
      grace_s: null,
      output_tail: null,
      pid: process.pid,
      hb_version: 'test',
    };
    writeFileSync(join(s.state, 'victim.last'), `${JSON.stringify(record)}\n`);
  };
  try {
    assertOrdinary(await hbRun(['tick', 'victim'], { env: s.env }), 'first tick');
    cycle = readRecord('check', join(s.state, 'victim.last')).record.cycle;
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      flip();
      assertOrdinary(await timed(['check'], s.env, durations), 'warm-up check', problem ? 1 : 0);
    }
    for (let trial = 0; trial < trials; trial++) {
      flip();
      const before = stateText();
      const k = await runKilled(['check'], s.env, rng() * killRange(durations));
      count('check', 'trials');
      if (!k.killed) assert.equal(k.stderr, '', why('a check that ended before its kill: stderr'));
      readRecord('check', join(s.state, 'hb-check.last'));
      const pending = outbox();
      const stateChanged = stateText() !== before;
      if (pending.some((n) => n.includes('.claimed-'))) count('check', 'killed while delivering');
      else if (pending.length > 0 && !stateChanged) count('check', 'killed after enqueueing, before the alert state');
      else if (pending.length > 0) count('check', 'killed after the alert state, before delivery');
      else if (stateChanged) count('check', k.killed ? 'killed after delivering' : 'ended before the kill');
      else count('check', 'killed before acting');

      const normal = await timed(['check'], s.env, durations);
      assertOrdinary(normal, `check after kill at ${k.delayMs.toFixed(1)} ms`, problem ? 1 : 0);
      readRecord('check', join(s.state, 'hb-check.last'));
      assert.deepEqual(outbox(), [], why('everything delivered, no claim left'));

      // One incident per problem episode: opened once, closed once, with one notification each.
      const all = sent();
      const alerts = new Map<string, Set<string>>();
      const resolves = new Map<string, Set<string>>();
      for (const n of all) {
        const into = n.type === 'alert' ? alerts : n.type === 'resolve' ? resolves : null;
        if (!into || !n.incident) continue;
        if (!into.has(n.incident.id)) into.set(n.incident.id, new Set());
        into.get(n.incident.id)!.add(n.id);
      }
      const ctx = `trial ${trial} killed at ${k.delayMs.toFixed(1)} ms`;
      assert.equal(alerts.size, episodes, why(`${ctx}: ${alerts.size} incidents alerted for ${episodes} problem episodes`));
      assert.equal(resolves.size, episodes - (problem ? 1 : 0), why(`${ctx}: incidents resolved`));
      for (const [id, ids] of [...alerts, ...resolves]) assert.equal(ids.size, 1, why(`${ctx}: incident ${id} notified ${ids.size} times in one direction`));
      const state = JSON.parse(stateText() || '{"jobs":{}}') as { jobs: Record<string, { incident: { id: string } | null }> };
      const open = state.jobs.victim?.incident?.id ?? null;
      assert.equal(open, problem ? [...alerts.keys()].at(-1) : null, why(`${ctx}: the open incident in the alert state`));
    }
    // At least once: a check killed after the sink took a notification, before it could note
    // that, sends it again with the same id (receivers can drop it); never a second incident.
    const all = sent();
    count('check', 'notifications sent again after a kill mid-delivery (same id)', all.length - new Set(all.map((n) => n.id)).size);
    assertWholeEvents(s.state);
    await finalCheck('check', s, { victim: problem ? 'failed' : 'ok' });
  } finally {
    s.cleanup();
  }
}
