// One run of a job (lib/run/job.ts) in-process, against a temporary state directory and a clock
// the test sets: the first run, a crashed previous run, a failing child, a timeout, a lock held by
// a live run, and what lands in the heartbeat, the running marker and events.jsonl.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lastPath, runPath, writeRunMarker } from '../../lib/adapters/heartbeat/store.ts';
import { runJob, type JobRunRequest } from '../../lib/run/job.ts';
import { lockForRun } from '../../lib/adapters/run/lock.ts';
import { bootId, processStartMs } from '../../lib/adapters/run/proc.ts';
import { readEvents, tempDirs } from '../fakes.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const newDir = tempDirs('hb-run-job-');

const T0 = Date.parse('2026-03-01T02:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A writable that keeps what the child wrote. */
class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** A request for `job` in `dir` with the clock at `clock.t`; `over` changes what a case needs. */
function request(dir: string, job: string, clock: { t: number }, over: Partial<JobRunRequest> = {}) {
  const stdout = new Collector();
  const stderr = new Collector();
  const req: JobRunRequest = {
    job,
    dir,
    schedule: { every: '1h' },
    graceMs: 600_000,
    lock: false,
    skipCode: 0,
    tailBytes: 4096,
    env: { PATH: process.env.PATH },
    host: 'testhost',
    pid: process.pid,
    version: '9.9.9',
    now: () => clock.t,
    stdout,
    stderr,
    forwardSignals: false,
    ...over,
  };
  return { req, stdout, stderr };
}

const eventsOf = (dir: string) => readEvents(dir).events.map(({ ts, job, ...rest }) => ({ ts, job, ...rest }));
const readRecord = (dir: string, job: string) => JSON.parse(readFileSync(lastPath(dir, job), 'utf8'));

/** The pid of a process that has exited: a run marker naming it was left by a dead run. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid > 0);
  return r.pid;
}

test('a first ping writes the whole record from the request and the clock, and one run_finished', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  const { req } = request(dir, 'backup', clock, { action: 'nightly', message: 'all good' });
  const result = await runJob(req);
  const record = {
    v: 1,
    job: 'backup',
    host: 'testhost',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: iso(T0),
    finished_at: iso(T0),
    duration_ms: 0,
    cycle: 1,
    action: 'nightly',
    message: 'all good',
    schedule: { every: '1h' },
    grace_s: 600,
    output_tail: null,
    pid: process.pid,
    hb_version: '9.9.9',
    last_success_at: iso(T0),
    outcome: 'ok',
    reason: null,
    failed_streak: 0,
  };
  assert.deepEqual(result, { exitCode: 0, record, made: record, previous: null, skipped: false, warnings: [] });
  assert.deepEqual(readRecord(dir, 'backup'), record);
  assert.equal(statSync(lastPath(dir, 'backup')).mtimeMs, T0, 'the file time is the heartbeat time');
  assert.deepEqual(eventsOf(dir), [
    { ts: iso(T0), job: 'backup', type: 'run_finished', cycle: 1, status: 'ok', exit_code: 0, signal: null, duration_ms: 0, outcome: 'ok', ping: true },
  ]);
  assert.equal(existsSync(runPath(dir, 'backup')), false, 'a ping leaves no running marker');
});

test('the table: status, exit code, message and last success of each kind of run', async () => {
  type Case = {
    name: string;
    over: Partial<JobRunRequest>;
    exitCode: number;
    status: string;
    exit_code: number | null;
    message: string | null;
    events: string[];
  };
  const cases: Case[] = [
    {
      name: 'a ping with --status error',
      over: { status: 'error', message: 'upstream 503' },
      exitCode: 0,
      status: 'error',
      exit_code: 1,
      message: 'upstream 503',
      events: ['run_finished'],
    },
    {
      name: 'a command that succeeds',
      over: { command: [fixture('exit-with.js'), '0'] },
      exitCode: 0,
      status: 'ok',
      exit_code: 0,
      message: null,
      events: ['run_started', 'run_finished'],
    },
    {
      name: 'a command that fails',
      over: { command: [fixture('exit-with.js'), '3'] },
      exitCode: 3,
      status: 'error',
      exit_code: 3,
      message: null,
      events: ['run_started', 'run_finished'],
    },
    { name: 'a shell line', over: { command: 'exit 4' }, exitCode: 4, status: 'error', exit_code: 4, message: null, events: ['run_started', 'run_finished'] },
    {
      name: 'a command that is not there',
      over: { command: ['/nonexistent/backup.sh'] },
      exitCode: 127,
      status: 'error',
      exit_code: 127,
      message: 'MISSING',
      events: ['run_started', 'run_finished'],
    },
  ];
  for (const c of cases) {
    const dir = newDir();
    const clock = { t: T0 };
    // An earlier good run: a failure keeps its start as the last success.
    await runJob(request(dir, 'j', clock).req);
    clock.t = T0 + 3_600_000;
    const { req } = request(dir, 'j', clock, c.over);
    const result = await runJob(req);
    assert.equal(result.exitCode, c.exitCode, c.name);
    const rec = readRecord(dir, 'j');
    assert.deepEqual(result.record, rec, `${c.name}: the result is what was written`);
    assert.equal(rec.status, c.status, c.name);
    assert.equal(rec.exit_code, c.exit_code, c.name);
    if (c.message === 'MISSING') {
      assert.match(rec.message, /\/nonexistent\/backup\.sh/, c.name);
      assert.deepEqual(result.warnings, [`hb: j: ${rec.message}`], `${c.name}: said like a shell would`);
    } else {
      assert.equal(rec.message, c.message, c.name);
      assert.deepEqual(result.warnings, [], c.name);
    }
    assert.equal(rec.cycle, 2, `${c.name}: the cycle continues`);
    assert.equal(rec.last_success_at, c.status === 'ok' ? iso(T0 + 3_600_000) : iso(T0), c.name);
    assert.equal(result.previous?.kind, 'record', `${c.name}: the heartbeat it found`);
    assert.deepEqual(
      eventsOf(dir)
        .slice(1)
        .map((e) => e.type),
      c.events,
      c.name,
    );
    assert.equal(existsSync(runPath(dir, 'j')), false, `${c.name}: the running marker is removed`);
  }
});

test("a command run: the marker while it runs, the child's environment, the output tail and the events", async () => {
  const dir = newDir();
  const clock = { t: T0 };
  const script =
    'cat "$HB_STATE_DIR/$HB_JOB.run"; echo "job=$HB_JOB cycle=$HB_CYCLE prev=$HB_PREV_STATUS code=$HB_PREV_EXIT_CODE at=$HB_PREV_STARTED_AT"; echo oops >&2; exit 2';
  const first = request(dir, 'nightly', clock, { command: script, timeoutMs: 60_000 });
  assert.equal((await runJob(first.req)).exitCode, 2);
  const [markerLine, envLine] = first.stdout.text.split('\n');
  // The child's pid is added once it is spawned: the child may read the marker before or after.
  const { child_pid: childPid, ...marker } = JSON.parse(markerLine!);
  assert.ok(childPid === undefined || Number.isSafeInteger(childPid), String(childPid));
  assert.deepEqual(marker, {
    job: 'nightly',
    pid: process.pid,
    started_at: iso(T0),
    host: 'testhost',
    cycle: 1,
    boot_id: bootId(),
    pid_started_ms: processStartMs(process.pid),
    command: script,
    timeout_ms: 60_000,
  });
  assert.equal(envLine, 'job=nightly cycle=1 prev=none code= at=');
  assert.equal(first.stderr.text, 'oops\n');
  const rec = readRecord(dir, 'nightly');
  assert.ok(rec.output_tail.endsWith('oops\n') && rec.output_tail.includes('job=nightly cycle=1'), 'stdout and stderr in the tail');
  clock.t = T0 + 60_000;
  const second = request(dir, 'nightly', clock, {
    command: 'echo "cycle=$HB_CYCLE prev=$HB_PREV_STATUS code=$HB_PREV_EXIT_CODE at=$HB_PREV_STARTED_AT"',
    tailBytes: 0,
  });
  await runJob(second.req);
  assert.equal(second.stdout.text, `cycle=2 prev=error code=2 at=${iso(T0)}\n`);
  assert.equal(readRecord(dir, 'nightly').output_tail, null, '--tail 0 keeps no output');
  assert.deepEqual(eventsOf(dir), [
    { ts: iso(T0), job: 'nightly', type: 'run_started', cycle: 1, pid: process.pid },
    { ts: iso(T0), job: 'nightly', type: 'run_finished', cycle: 1, status: 'error', exit_code: 2, signal: null, duration_ms: 0, outcome: 'failed' },
    { ts: iso(T0 + 60_000), job: 'nightly', type: 'run_started', cycle: 2, pid: process.pid },
    { ts: iso(T0 + 60_000), job: 'nightly', type: 'run_finished', cycle: 2, status: 'ok', exit_code: 0, signal: null, duration_ms: 0, outcome: 'ok' },
  ]);
});

test('a previous run whose .run was left by a dead process is crashed: event, record, the child is told', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  await runJob(request(dir, 'agent', clock).req);
  const gone = deadPid();
  const crashedAt = iso(T0 + 60_000);
  writeRunMarker(dir, {
    job: 'agent',
    pid: gone,
    started_at: crashedAt,
    host: 'testhost',
    cycle: 2,
    boot_id: bootId(),
    pid_started_ms: null,
    command: 'agent',
    timeout_ms: null,
  });
  clock.t = T0 + 120_000;
  const { req, stdout } = request(dir, 'agent', clock, {
    command: 'echo "prev=$HB_PREV_STATUS code=$HB_PREV_EXIT_CODE at=$HB_PREV_STARTED_AT cycle=$HB_CYCLE"',
  });
  const result = await runJob(req);
  assert.equal(stdout.text, `prev=crashed code= at=${crashedAt} cycle=3\n`);
  assert.deepEqual(result.record?.previous, { status: 'crashed', cycle: 2, started_at: crashedAt, pid: gone });
  assert.equal(readRecord(dir, 'agent').cycle, 3, 'the cycle continues past the crashed run');
  const crash = eventsOf(dir).filter((e) => e.type === 'crash_detected');
  assert.deepEqual(crash, [
    { ts: iso(T0 + 120_000), job: 'agent', type: 'crash_detected', cycle: 2, pid: gone, started_at: crashedAt, reason: `process ${gone} is not running` },
  ]);
  assert.equal(existsSync(runPath(dir, 'agent')), false, 'the leftover marker is replaced, then removed');
});

test('a leftover .run is no crash when its process lives or a heartbeat came after it', async () => {
  for (const [what, pid, startedAt] of [
    ['its process is alive', process.pid, iso(T0 + 60_000)],
    ['a heartbeat started after it', deadPid(), iso(T0 - 60_000)],
  ] as const) {
    const dir = newDir();
    const clock = { t: T0 };
    await runJob(request(dir, 'j', clock).req);
    writeRunMarker(dir, {
      job: 'j',
      pid,
      started_at: startedAt,
      host: 'testhost',
      cycle: 7,
      boot_id: bootId(),
      pid_started_ms: processStartMs(pid),
      command: 'x',
      timeout_ms: null,
    });
    clock.t = T0 + 120_000;
    const result = await runJob(request(dir, 'j', clock).req);
    assert.equal(result.record?.previous, undefined, what);
    assert.equal(result.record?.cycle, 8, `${what}: the marker's cycle still counts`);
    assert.deepEqual(
      eventsOf(dir).filter((e) => e.type === 'crash_detected'),
      [],
      what,
    );
  }
});

test('a timeout stops the child with TERM and is recorded with an event', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  const { req, stdout } = request(dir, 'slow', clock, { command: [process.execPath, fixture('forever.js')], timeoutMs: 1000 });
  const result = await runJob(req);
  assert.equal(stdout.text, 'READY\n');
  assert.equal(result.exitCode, 143);
  const rec = readRecord(dir, 'slow');
  assert.deepEqual([rec.status, rec.exit_code, rec.signal, rec.timed_out, rec.message], ['error', null, 'SIGTERM', true, 'timed out after 1s']);
  assert.deepEqual(
    eventsOf(dir).map((e) => e.type),
    ['run_started', 'timeout', 'run_finished'],
  );
  assert.deepEqual(eventsOf(dir)[1], { ts: iso(T0), job: 'slow', type: 'timeout', cycle: 1, timeout_ms: 1000, exit_code: 143 });
});

test('a lock held by a live run: skipped with the skip code, nothing written but overlap_skipped', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  const holder = { pid: process.pid, started_at: iso(T0 - 1000), boot_id: bootId(), pid_started_ms: processStartMs(process.pid) };
  const lock = lockForRun(dir, 'locked', holder);
  assert.equal(lock.kind, 'held');
  try {
    for (const skipCode of [0, 75]) {
      const { req, stdout } = request(dir, 'locked', clock, { command: 'echo ran', lock: true, skipCode });
      assert.deepEqual(await runJob(req), { exitCode: skipCode, record: null, made: null, previous: null, skipped: true, warnings: [] });
      assert.equal(stdout.text, '', 'the command did not run');
    }
    assert.equal(existsSync(lastPath(dir, 'locked')), false);
    assert.equal(existsSync(runPath(dir, 'locked')), false);
    const skips = eventsOf(dir);
    assert.deepEqual(
      skips,
      [0, 1].map(() => ({ ts: iso(T0), job: 'locked', type: 'overlap_skipped', holder_pid: process.pid, holder_started_at: iso(T0 - 1000) })),
    );
  } finally {
    if (lock.kind === 'held') lock.release();
  }
  const { req } = request(dir, 'locked', clock, { command: 'true', lock: true });
  assert.equal((await runJob(req)).skipped, false, 'released: the next run goes ahead');
  assert.equal(existsSync(join(dir, 'locks', 'locked.lock')), false, 'and lets the lock go after it');
});

test('a state directory that refuses writes: the child still runs, the warnings say what was lost', async () => {
  const dir = join(newDir(), 'file');
  writeFileSync(dir, 'a file where the state directory should be');
  const clock = { t: T0 };
  const { req, stdout } = request(dir, 'j', clock, { command: 'echo ran' });
  const result = await runJob(req);
  assert.equal(stdout.text, 'ran\n');
  assert.equal(result.exitCode, 0, "the child's code, whatever became of the heartbeat");
  assert.equal(result.record, null);
  assert.deepEqual([result.made?.status, result.made?.exit_code], ['ok', 0], 'the record the run made, for the pings that need no state');
  assert.ok(
    result.warnings.some((w) => w.startsWith(`hb: could not write the running marker of j in ${dir}: `)),
    result.warnings.join('\n'),
  );
  assert.ok(result.warnings.some((w) => w.startsWith(`hb: could not write the heartbeat of j in ${dir}: `) && w.endsWith('; the previous heartbeat is kept')));
  assert.ok(result.warnings.some((w) => w.startsWith(`hb: could not append to the event log in ${dir}: `)));
  const ping = await runJob(request(dir, 'j', clock).req);
  assert.equal(ping.exitCode, 1, 'a ping whose heartbeat is lost fails');
});

test('a failed command run keeps its output in history/<job>.failed.jsonl after the heartbeat; a success or a ping keeps none', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  await runJob(request(dir, 'j', clock, { command: 'echo fine' }).req);
  await runJob(request(dir, 'j', clock, { status: 'error' }).req);
  const failed = join(dir, 'history', 'j.failed.jsonl');
  assert.equal(existsSync(failed), false, 'nothing failed with output yet');
  clock.t = T0 + 60_000;
  const result = await runJob(request(dir, 'j', clock, { command: 'echo "ERROR: db unreachable" >&2; exit 3' }).req);
  assert.deepEqual(result.warnings, []);
  const lines = readFileSync(failed, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      {
        started_at: result.record!.started_at,
        finished_at: result.record!.finished_at,
        cycle: 3,
        exit_code: 3,
        signal: null,
        outcome: 'failed',
        reason: null,
        output_tail: 'ERROR: db unreachable\n',
      },
    ],
  );
  assert.equal(statSync(failed).mode & 0o777, 0o600);
});

test('output history that cannot be written costs one warning line, never the heartbeat', async () => {
  const dir = newDir();
  writeFileSync(join(dir, 'history'), 'a file where the history folder should be');
  const clock = { t: T0 };
  const result = await runJob(request(dir, 'j', clock, { command: 'echo oops; exit 5' }).req);
  assert.equal(result.exitCode, 5);
  assert.equal(readRecord(dir, 'j').exit_code, 5, 'the heartbeat is written');
  assert.deepEqual(
    result.warnings.filter((w) => w.includes('history')),
    [`hb: could not keep the output of this failed run of j: ${join(dir, 'history')} is a file, expected a folder`],
  );
  assert.equal(result.warnings.length, 1, result.warnings.join('\n'));
});

test('a run history that cannot be added to costs one warning line, never the heartbeat; a successful run adds its line', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  await runJob(request(dir, 'j', clock, { command: 'true' }).req);
  const line = JSON.parse(readFileSync(join(dir, 'history', 'j.runs.jsonl'), 'utf8'));
  assert.deepEqual(Object.keys(line), ['started_at', 'duration_ms', 'status', 'outcome', 'exit_code', 'cycle']);
  assert.equal(line.cycle, readRecord(dir, 'j').cycle);
  const broken = newDir();
  writeFileSync(join(broken, 'history'), 'a file where the history folder should be');
  const result = await runJob(request(broken, 'j', clock, { command: 'true' }).req);
  assert.equal(result.exitCode, 0);
  assert.equal(readRecord(broken, 'j').status, 'ok', 'the heartbeat is written');
  assert.deepEqual(result.warnings, [`hb: could not add this run to the history of j in ${broken}: ${join(broken, 'history')} is a file, expected a folder`]);
});

test('run_finished carries the outcome, and the reason when the outcome has one', async () => {
  const dir = newDir();
  const clock = { t: T0 };
  await runJob(request(dir, 'dump', clock, { command: 'true', minDurationMs: 3_600_000 }).req);
  const finished = eventsOf(dir).filter((e) => e.type === 'run_finished') as Array<{ outcome?: unknown; reason?: unknown }>;
  assert.equal(finished.length, 1);
  const rec = readRecord(dir, 'dump');
  assert.equal(rec.outcome, 'suspicious');
  assert.match(rec.reason, /min_duration/);
  assert.deepEqual(
    { outcome: finished[0]!.outcome, reason: finished[0]!.reason },
    { outcome: 'suspicious', reason: rec.reason },
    'the event says what the record says',
  );
});
