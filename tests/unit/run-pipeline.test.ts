// The tick/wrap pipeline (lib/run/pipeline.ts, plan.ts, notifications.ts) in-process: a config
// parsed from text, a temporary state directory, a set clock, and effects the test records —
// what runs, what is written, which lines are said once, the run pings and --notify against a
// real HTTP server on 127.0.0.1, and the stale-watcher warning without faketime.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { emptyConfig, type HbConfig } from '../../lib/rules/config/types.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import { writeCheckHeartbeat } from '../../lib/adapters/health/watcher.ts';
import { lastPath } from '../../lib/adapters/heartbeat/store.ts';
import { runTickOrWrap, type RunEffects, type RunInput } from '../../lib/run/pipeline.ts';
import { DEFAULT_TAIL_BYTES, hasRunPings, runSchedule, tickPlan, wrapPlan } from '../../lib/rules/run/plan.ts';
import { DEFAULT_BASELINE } from '../../lib/rules/outcome/baseline.ts';
import { gatherFacts } from '../../lib/adapters/run/proc.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { readEvents, tempDirs } from '../fakes.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const newDir = tempDirs('hb-run-pipeline-');

const T0 = Date.parse('2026-03-01T02:00:00.000Z');
let ids = 0;

/** A writable that keeps what was written to it. */
class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Effects with a clock the test moves, recording hb's lines and which jobs were asked for the unscheduled hint. */
function effects(clock: { t: number }, hint: string | null = 'HINT') {
  const said: string[] = [];
  const hinted: string[] = [];
  const stdout = new Collector();
  const fx: RunEffects = {
    now: () => clock.t,
    env: { PATH: process.env.PATH },
    pid: process.pid,
    isAlive: (pid) => gatherFacts(pid).state !== null,
    host: 'testhost',
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    localTz: () => 'Europe/Berlin',
    warn: (line) => said.push(line),
    stdout,
    stderr: stdout,
    forwardSignals: false,
    unscheduledHint: async (job) => {
      hinted.push(job);
      return hint;
    },
  };
  return { fx, said, hinted, stdout };
}

const config = (yaml: string): Promise<HbConfig> => parseConfigText(yaml, '/etc/hb/hb.yaml', 'UTC');
const input = (dir: string, job: string, cfg: HbConfig, over: Partial<RunInput> = {}): RunInput => ({
  job,
  config: cfg,
  state: { dir, userDir: join(dir, 'user'), source: '--state-dir' },
  flagSchedule: null,
  ...over,
});
const readRecord = (dir: string, job: string) => JSON.parse(readFileSync(lastPath(dir, job), 'utf8'));
const types = (dir: string) => readEvents(dir).events.map((e) => e.type);

test("tick takes command, timeout, lock and tail from the job's config, else the defaults; a wrap flag wins over both", () => {
  const defaults = { timeoutMs: 60_000 };
  const job = { name: 'j', command: 'x', timeoutMs: 5_000, lock: true, tailBytes: 10 };
  assert.deepEqual(tickPlan(undefined, defaults), { command: undefined, timeoutMs: 60_000, lock: false, skipCode: 0, tailBytes: DEFAULT_TAIL_BYTES });
  assert.deepEqual(tickPlan(job, defaults), { command: 'x', timeoutMs: 5_000, lock: true, skipCode: 0, tailBytes: 10 });
  const bare = { command: ['run'], lock: false, skipCode: 75 };
  assert.deepEqual(wrapPlan(bare, undefined, {}), { command: ['run'], timeoutMs: undefined, lock: false, skipCode: 75, tailBytes: DEFAULT_TAIL_BYTES });
  assert.deepEqual(
    wrapPlan(bare, job, defaults),
    { command: ['run'], timeoutMs: 5_000, lock: true, skipCode: 75, tailBytes: 10 },
    'the config fills what no flag says; the command is always the given one',
  );
  assert.deepEqual(wrapPlan({ ...bare, timeoutMs: 1_000, tailBytes: 0, lock: true }, { name: 'j', lock: false }, defaults), {
    command: ['run'],
    timeoutMs: 1_000,
    lock: true,
    skipCode: 75,
    tailBytes: 0,
  });
});

test('outcome rules and min_duration: from the config for tick; for wrap --baseline and --min-duration merged in, a flag winning', () => {
  const baseline = { runs: 10, minRuns: 5, fast: 2, slow: 2, slackMs: 0 };
  const job = { name: 'j', minDurationMs: 30_000, outcome: { baseline } };
  assert.deepEqual(tickPlan(job, {}).rules, { baseline });
  assert.equal(tickPlan(job, {}).minDurationMs, 30_000);
  const bare = { command: ['run'], lock: false, skipCode: 0 };
  assert.deepEqual(wrapPlan({ ...bare, baseline: true }, undefined, {}).rules, { baseline: DEFAULT_BASELINE });
  assert.deepEqual(wrapPlan({ ...bare, baseline: true }, job, {}).rules, { baseline }, "--baseline keeps the config's settings");
  assert.deepEqual(wrapPlan(bare, job, {}).rules, { baseline }, 'without the flag, the config still says it');
  assert.equal(wrapPlan(bare, undefined, {}).rules, undefined);
  assert.equal(wrapPlan({ ...bare, minDurationMs: 5_000 }, job, {}).minDurationMs, 5_000);
  assert.equal(wrapPlan(bare, job, {}).minDurationMs, 30_000);
});

test("the schedule a heartbeat carries: the flags', else the config's; a cron without zone gets the host's", () => {
  const tz = () => 'Asia/Tokyo';
  assert.equal(runSchedule(null, undefined, tz), null);
  assert.deepEqual(runSchedule({ every: '5m' }, { name: 'j', schedule: { every: '1h' } }, tz), { every: '5m' });
  assert.deepEqual(runSchedule(null, { name: 'j', schedule: { every: '1h' } }, tz), { every: '1h' });
  assert.deepEqual(runSchedule({ cron: '0 2 * * *' }, undefined, tz), { cron: '0 2 * * *', tz: 'Asia/Tokyo' });
  assert.deepEqual(runSchedule({ cron: '0 2 * * *', tz: 'UTC' }, undefined, tz), { cron: '0 2 * * *', tz: 'UTC' });
});

test('which jobs have sinks that hear of runs: healthchecks by default, others only when asked', async () => {
  const cfg = await config(
    'jobs:\n  a:\n    notify:\n      - healthchecks: http://127.0.0.1:9/p\n  b:\n    notify:\n      - webhook: http://127.0.0.1:9/h\n  c:\n    notify:\n      - webhook: { url: "http://127.0.0.1:9/h", on: [run_end] }\n',
  );
  assert.deepEqual(
    ['a', 'b', 'c', 'none'].map((j) => hasRunPings(cfg, j)),
    [true, false, true, false],
  );
});

test('a configured command runs (a string through sh, a list without a shell); its output and exit code pass through', async () => {
  const dir = newDir();
  const cfg = await config(
    'jobs:\n  shell:\n    every: 15m\n    command: "echo from-sh $HB_JOB cycle=$HB_CYCLE; exit 3"\n  argv:\n    every: 15m\n    command: ["/bin/echo", "$HB_JOB", "literal"]\n',
  );
  const a = effects({ t: T0 });
  assert.deepEqual(await runTickOrWrap(input(dir, 'shell', cfg), a.fx), { exitCode: 3, record: readRecord(dir, 'shell') });
  assert.equal(a.stdout.text, 'from-sh shell cycle=1\n');
  const rec = readRecord(dir, 'shell');
  assert.deepEqual([rec.status, rec.exit_code, rec.output_tail, rec.schedule], ['error', 3, 'from-sh shell cycle=1\n', { every: '15m' }]);
  const b = effects({ t: T0 });
  assert.equal((await runTickOrWrap(input(dir, 'argv', cfg), b.fx)).exitCode, 0);
  assert.equal(b.stdout.text, '$HB_JOB literal\n');
  assert.deepEqual(types(dir), ['run_started', 'run_finished', 'run_started', 'run_finished']);
  assert.deepEqual([...a.said, ...b.said], []);
});

test("flags reach the heartbeat: schedule, grace, action, message, --status; the config's grace and the defaults fill in", async () => {
  const dir = newDir();
  const cfg = await config('defaults:\n  grace: 2m\njobs:\n  conf:\n    cron: "0 2 * * *"\n    grace: 30m\n');
  const { fx } = effects({ t: T0 });
  await runTickOrWrap(
    input(dir, 'sync', cfg, { flagSchedule: { every: '5m' }, graceMs: 600_000, action: 'nightly', message: 'upstream 503', status: 'error' }),
    fx,
  );
  const rec = readRecord(dir, 'sync');
  assert.deepEqual(
    [rec.status, rec.exit_code, rec.schedule, rec.grace_s, rec.action, rec.message],
    ['error', 1, { every: '5m' }, 600, 'nightly', 'upstream 503'],
  );
  await runTickOrWrap(input(dir, 'conf', cfg), fx);
  assert.deepEqual(
    [readRecord(dir, 'conf').schedule, readRecord(dir, 'conf').grace_s],
    [{ cron: '0 2 * * *', tz: 'Europe/Berlin' }, 1800],
    "a cron without zone: the host's",
  );
  await runTickOrWrap(input(dir, 'other', cfg, { flagSchedule: { cron: '*/5 * * * *' } }), fx);
  assert.deepEqual(
    [readRecord(dir, 'other').schedule, readRecord(dir, 'other').grace_s],
    [{ cron: '*/5 * * * *', tz: 'Europe/Berlin' }, 120],
    'the host zone from the effects',
  );
});

test('usage errors: --status for a job that runs a command; a ping with no state directory to record in', async () => {
  const dir = newDir();
  const cfg = await config('jobs:\n  cmd:\n    command: "true"\n');
  const { fx } = effects({ t: T0 });
  await assert.rejects(
    runTickOrWrap(input(dir, 'cmd', cfg, { status: 'ok' }), fx),
    (e: unknown) => e instanceof UsageError && /^--status: job cmd runs a command, whose exit code is its status; --status is for pings$/.test(e.message),
  );
  await assert.rejects(
    runTickOrWrap(input(dir, 'w', emptyConfig(), { status: 'error', wrap: { command: ['true'], lock: false, skipCode: 0 } }), fx),
    /--status: job w runs a command/,
  );
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'a file where directories should be');
  const nowhere = { dir: join(blocker, 'state'), userDir: join(blocker, 'user'), source: '--state-dir' };
  await assert.rejects(
    runTickOrWrap({ ...input(dir, 'p', emptyConfig()), state: nowhere }, fx),
    (e: unknown) => e instanceof UsageError && /^cannot record the heartbeat: state directory .*blocker\/state .*, and no fallback is$/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), ['blocker'], 'nothing written');
});

test('an unusable state directory falls back to the per-user one with one warning said first', async () => {
  const dir = newDir();
  writeFileSync(join(dir, 'blocker'), '');
  const state = { dir: join(dir, 'blocker', 'state'), userDir: join(dir, 'user'), source: '$HB_STATE_DIR' };
  const { fx, said } = effects({ t: T0 });
  assert.equal((await runTickOrWrap({ ...input(dir, 'fell', emptyConfig(), { flagSchedule: { every: '1h' } }), state }, fx)).exitCode, 0);
  assert.equal(said.length, 1, said.join('\n'));
  assert.match(said[0]!, /^hb: state directory .*blocker\/state .*; writing to .*\/user instead$/);
  assert.equal(readRecord(join(dir, 'user'), 'fell').job, 'fell');
});

test('a command still runs with no state directory at all, and each lost write is said once', async () => {
  const dir = newDir();
  writeFileSync(join(dir, 'blocker'), '');
  const state = { dir: join(dir, 'blocker', 'state'), userDir: join(dir, 'blocker', 'user'), source: '--state-dir' };
  const { fx, said, stdout } = effects({ t: T0 });
  const out = await runTickOrWrap(
    { ...input(dir, 'w', emptyConfig(), { wrap: { command: ['sh', '-c', 'echo ran; exit 4'], lock: false, skipCode: 0 } }), state },
    fx,
  );
  assert.deepEqual(out, { exitCode: 4, record: null });
  assert.equal(stdout.text, 'ran\n');
  assert.deepEqual(
    said.map((l) => l.slice(0, l.indexOf(state.dir) + state.dir.length)),
    [
      `hb: could not write the running marker of w in ${state.dir}`,
      `hb: could not append to the event log in ${state.dir}`,
      `hb: could not write the heartbeat of w in ${state.dir}`,
    ],
    said.join('\n'),
  );
});

test('a ping URL needs neither a config nor a state directory: a run whose heartbeat is lost is still reported, with one run id', async () => {
  const rec = await startRecorder();
  try {
    const dir = newDir();
    writeFileSync(join(dir, 'blocker'), '');
    const state = { dir: join(dir, 'blocker', 'state'), userDir: join(dir, 'blocker', 'user'), source: '--state-dir' };
    const { fx } = effects({ t: T0 });
    const wrap = { command: ['sh', '-c', 'echo ran; exit 4'], lock: false, skipCode: 0 };
    const out = await runTickOrWrap({ ...input(dir, 'w', emptyConfig(), { wrap, pingUrl: `${rec.url}/p` }), state }, fx);
    assert.deepEqual(out, { exitCode: 4, record: null });
    assert.deepEqual(
      rec.requests.map((q) => [q.path, q.query.rid, q.raw]),
      [
        ['/p/start', '00000000-0000-4000-8000-' + String(ids).padStart(12, '0'), ''],
        ['/p/4', '00000000-0000-4000-8000-' + String(ids).padStart(12, '0'), 'ran\n'],
      ],
    );
  } finally {
    await rec.close();
  }
});

test('a job without a schedule is hinted at on its first run and when it loses one, never otherwise', async () => {
  const dir = newDir();
  const cfg = await config('jobs:\n  configured:\n    command: "echo ran"\n  scheduled:\n    every: 1h\n');
  const clock = { t: T0 };
  const steps: Array<[string, Partial<RunInput>, boolean]> = [
    ['nightly', {}, true],
    ['nightly', {}, false],
    ['nightly', {}, false],
    ['nightly', { flagSchedule: { every: '1d' } }, false],
    ['nightly', {}, true],
    ['nightly', {}, false],
    ['configured', {}, true],
    ['scheduled', {}, false],
    ['flagged', { flagSchedule: { cron: '*/5 * * * *' } }, false],
    ['hb-check', {}, false],
    ['wrapped', { wrap: { command: ['true'], lock: false, skipCode: 0 } }, true],
  ];
  for (const [i, [job, over, hinted]] of steps.entries()) {
    clock.t += 60_000;
    const e = effects(clock);
    await runTickOrWrap(input(dir, job, cfg, over), e.fx);
    assert.deepEqual([e.hinted, e.said], hinted ? [[job], ['HINT']] : [[], []], `step ${i}: ${job} ${JSON.stringify(over)}`);
  }
  const quiet = effects(clock, null);
  await runTickOrWrap(input(dir, 'lent', cfg), quiet.fx);
  assert.deepEqual([quiet.hinted, quiet.said], [['lent'], []], 'a crontab line lends it a schedule: nothing to say');
});

test('once the meta-heartbeat has run and gone stale, a run of another job warns in one line', async () => {
  const dir = newDir();
  const cfg = await config('jobs:\n  hb-check:\n    every: 1m\n  a:\n    every: 1h\n');
  const clock = { t: T0 };
  const run = async (job: string) => {
    const e = effects(clock);
    await runTickOrWrap(input(dir, job, cfg), e.fx);
    return e.said;
  };
  assert.deepEqual(await run('a'), [], 'never ran: no warning (hb doctor reports that)');
  writeCheckHeartbeat(dir, cfg, { startedMs: T0, finishedMs: T0, host: 'testhost', pid: process.pid, version: '9.9.9', message: 'ok', exitCode: 0 });
  clock.t = T0 + 30_000;
  assert.deepEqual(await run('a'), [], 'fresh');
  clock.t = T0 + 600_000;
  const said = await run('a');
  assert.equal(said.length, 1);
  assert.match(said[0]!, /hb check \(the meta-heartbeat\) last ran 10 min ago and is stale/);
  const unscheduled = newDir();
  writeCheckHeartbeat(unscheduled, emptyConfig(), {
    startedMs: T0,
    finishedMs: T0,
    host: 'testhost',
    pid: process.pid,
    version: '9.9.9',
    message: 'ok',
    exitCode: 0,
  });
  clock.t = T0 + 10 * 86_400_000;
  const e = effects(clock);
  await runTickOrWrap(input(unscheduled, 'a', emptyConfig(), { flagSchedule: { every: '1h' } }), e.fx);
  assert.deepEqual(e.said, [], 'no schedule for hb check: never judged, never warned');
});

test('run pings: /start then success or /<code>, one run id per run, the output tail; a ping pings success only', async () => {
  const rec = await startRecorder();
  try {
    const dir = newDir();
    const cfg = await config(
      `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: ${rec.url}/ping/abc\n  nightly:\n    every: 1d\n    notify:\n      - healthchecks: { url: "${rec.url}/ping/def", timeout: 2s }\n`,
    );
    const clock = { t: Date.now() };
    const wrap = (command: string[]) => ({ wrap: { command, lock: false, skipCode: 0 } });
    const ok = effects(clock);
    assert.equal((await runTickOrWrap(input(dir, 'backup', cfg, wrap(['sh', '-c', 'echo all fine'])), ok.fx)).exitCode, 0);
    assert.deepEqual([ok.stdout.text, ok.said], ['all fine\n', []]);
    const bad = effects(clock);
    assert.equal((await runTickOrWrap(input(dir, 'backup', cfg, wrap([fixture('exit-with.js'), '3'])), bad.fx)).exitCode, 3);
    assert.deepEqual(
      rec.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /ping/abc/start', 'POST /ping/abc', 'POST /ping/abc/start', 'POST /ping/abc/3'],
    );
    const [start1, end1, start2, end2] = rec.requests.map((r) => r.query.rid);
    assert.match(start1!, /^00000000-0000-4000-8000-\d{12}$/, 'the id from the effects');
    assert.equal(end1, start1, 'start and end of a run share its id');
    assert.equal(end2, start2);
    assert.notEqual(start2, start1, 'each run has its own id');
    assert.match(rec.requests[1]!.raw, /all fine/);
    rec.requests.length = 0;
    assert.equal((await runTickOrWrap(input(dir, 'nightly', cfg), effects(clock).fx)).exitCode, 0);
    assert.deepEqual(
      rec.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /ping/def'],
      'a ping has no start, only its success',
    );
  } finally {
    await rec.close();
  }
});

test('a healthchecks server that is down never changes the job: both pings wait in the outbox, nothing is said', async () => {
  const rec = await startRecorder({ '/ping/abc': { status: 503 }, '/ping/abc/start': { status: 503 } });
  try {
    const dir = newDir();
    const cfg = await config(`jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: { url: "${rec.url}/ping/abc", timeout: 1s, retries: 0 }\n`);
    const e = effects({ t: Date.now() });
    assert.equal((await runTickOrWrap(input(dir, 'backup', cfg, { wrap: { command: ['true'], lock: false, skipCode: 0 } }), e.fx)).exitCode, 0);
    assert.deepEqual(e.said, [], 'a retryable failure is not a message for cron mail');
    assert.equal(readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.json')).length, 2, 'start and end pings kept');
    const failed = readEvents(dir).events.filter((ev) => ev.type === 'notify_failed');
    assert.deepEqual(
      failed.map((ev) => ev.will_retry),
      [true, true],
    );
    assert.equal(rec.requests.length, 2, 'each tried once');
  } finally {
    await rec.close();
  }
});

test("--notify sends the text through the job's sinks once; with no sink for messages it says so", async () => {
  const rec = await startRecorder();
  try {
    const dir = newDir();
    const cfg = await config(`jobs:\n  report:\n    every: 1d\n    notify:\n      - webhook: ${rec.url}/hook\n  quiet:\n    every: 1d\n`);
    const e = effects({ t: Date.now() });
    assert.equal((await runTickOrWrap(input(dir, 'report', cfg, { notify: 'disk at 91%' }), e.fx)).exitCode, 0);
    assert.deepEqual(e.said, []);
    assert.equal(rec.requests.length, 1);
    const body = rec.requests[0]!.body as { type: string; job: string; message: string; title: string };
    assert.deepEqual([body.type, body.job, body.message, body.title], ['message', 'report', 'disk at 91%', '[hb] report: disk at 91%']);
    const q = effects({ t: Date.now() });
    assert.equal((await runTickOrWrap(input(dir, 'quiet', cfg, { notify: 'hello' }), q.fx)).exitCode, 0);
    assert.deepEqual(q.said, ['hb: --notify: no sink of quiet receives messages (configure notify: in hb.yaml)']);
  } finally {
    await rec.close();
  }
});

test('a job with quiet: true run in this process, as hb daemon runs it, writes nothing to its streams on success and all of its output on failure, then hb says why', async () => {
  const dir = newDir();
  const cfg = await config(
    'jobs:\n  q:\n    every: 15m\n    quiet: true\n    command: \'head -c 600000 /dev/zero | tr "\\\\0" a; echo; echo "$QUIET_NOTE" >&2; exit $QUIET_CODE\'\n',
  );
  const ok = effects({ t: T0 });
  ok.fx.env = { ...ok.fx.env, QUIET_CODE: '0', QUIET_NOTE: 'fine' };
  assert.equal((await runTickOrWrap(input(dir, 'q', cfg), ok.fx)).exitCode, 0);
  assert.equal(ok.stdout.text, '');
  assert.deepEqual(ok.said, []);
  const failed = effects({ t: T0 + 60_000 });
  failed.fx.env = { ...failed.fx.env, QUIET_CODE: '4', QUIET_NOTE: 'broken' };
  assert.equal((await runTickOrWrap(input(dir, 'q', cfg), failed.fx)).exitCode, 4);
  // One stream stands for both here: stdout's whole text comes first, then stderr's.
  assert.equal(failed.stdout.text, `${'a'.repeat(600_000)}\nbroken\n`);
  assert.deepEqual(failed.said, ['hb: q: failed: exit code 4']);
});
