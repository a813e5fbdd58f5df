// evaluateJob: the lateness rule (SPEC §4) as a table over every status, with an injected clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOCK_SKEW_MS, evaluateJob, type EvalContext, type JobFacts } from '../../lib/rules/health/evaluate.ts';
import { PROBLEM_STATUSES, type JobHealth } from '../../lib/rules/health/types.ts';
import type { RunMarker } from '../../lib/rules/heartbeat/run-marker.ts';
import type { HeartbeatRecord, ReadHeartbeat } from '../../lib/rules/heartbeat/record.ts';
import type { JobConfig } from '../../lib/rules/config/types.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';

const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();
const S = 1000;
const M = 60 * S;
const H = 60 * M;

// The reference heartbeat: an `every: 15m` job that last started at 11:00.
const LAST = at('2026-03-10T11:00:00Z');

function record(over: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  const started = over.started_at ?? iso(LAST);
  return {
    v: 1,
    job: 'j',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: started,
    finished_at: iso(Date.parse(started) + 2 * S),
    duration_ms: 2000,
    cycle: 5,
    action: null,
    message: null,
    schedule: { every: '15m' },
    grace_s: null,
    output_tail: null,
    pid: 100,
    hb_version: '0.1.0',
    ...over,
  };
}
const beat = (over: Partial<HeartbeatRecord> = {}): ReadHeartbeat => ({ kind: 'record', record: record(over), mtimeMs: 0 });
const touch = (mtimeMs: number): ReadHeartbeat => ({ kind: 'touch', mtimeMs });
const job = (over: Partial<JobConfig> = {}): JobConfig => ({ name: 'j', ...over });
const marker = (startedMs: number, over: Partial<RunMarker> = {}): RunMarker => ({
  job: 'j',
  pid: 4321,
  started_at: iso(startedMs),
  host: 'h',
  cycle: 6,
  boot_id: null,
  pid_started_ms: null,
  ...over,
});

function facts(over: Partial<JobFacts> = {}): JobFacts {
  return { job: 'j', heartbeat: null, file: '/state/j.last', run: null, runGone: null, config: null, firstSeenMs: null, pausedUntilMs: null, ...over };
}

function context(nowMs: number, defaults: EvalContext['defaults'] = {}): EvalContext {
  return { nowMs, defaults, timing: (spec, at) => compileSchedule(spec, 'UTC').timing(at) };
}

interface Row {
  name: string;
  facts: JobFacts;
  now: number;
  defaults?: EvalContext['defaults'];
  want: Partial<JobHealth>;
  /** Words the reason must contain. */
  reason?: string[];
}

function check(rows: Row[]): void {
  for (const row of rows) {
    const h = evaluateJob(row.facts, context(row.now, row.defaults));
    const got = Object.fromEntries(Object.keys(row.want).map((k) => [k, h[k as keyof JobHealth]]));
    assert.deepEqual(got, row.want, row.name);
    assert.equal(h.problem, PROBLEM_STATUSES.has(h.status), `${row.name}: problem agrees with the status`);
    assert.ok(h.reason.length > 0, `${row.name}: has a reason`);
    for (const word of row.reason ?? []) assert.ok(h.reason.includes(word), `${row.name}: reason "${h.reason}" mentions "${word}"`);
  }
}

test('the problem statuses are exactly those of SPEC §4', () => {
  assert.deepEqual([...PROBLEM_STATUSES].sort(), [
    'clock_skew',
    'corrupt',
    'crashed',
    'failed',
    'never',
    'overrunning',
    'recovery_exhausted',
    'recovery_failed',
    'recovery_refused',
    'slow',
    'stale',
    'suspicious',
  ]);
});

test('what recovery concluded outranks the heartbeat (a problem, with its reason); a pause still holds', () => {
  const now = LAST + 5 * M;
  const recovery = { status: 'recovery_exhausted' as const, reason: 'unhealthy; 3 restarts within 1h: not restarting again; needs a person', at: iso(now) };
  const fresh = evaluateJob(facts({ heartbeat: beat(), recovery }), context(now));
  assert.deepEqual([fresh.status, fresh.problem, fresh.reason], ['recovery_exhausted', true, recovery.reason]);
  assert.equal(fresh.due, '2026-03-10T11:15:00.000Z', 'the timing is still shown');
  const failedToo = evaluateJob(
    facts({ heartbeat: beat({ status: 'error', exit_code: 1 }), recovery: { ...recovery, status: 'recovery_failed' } }),
    context(now),
  );
  assert.equal(failedToo.status, 'recovery_failed');
  const paused = evaluateJob(facts({ heartbeat: beat(), recovery, pausedUntilMs: now + H }), context(now));
  assert.deepEqual([paused.status, paused.problem], ['paused', false]);
  assert.deepEqual([evaluateJob(facts({ heartbeat: beat(), recovery: null }), context(now)).status], ['ok']);
});

test('every: ok, late, stale around due (11:15) and deadline (11:30), both boundaries exact', () => {
  const f = facts({ heartbeat: beat() });
  const timing = { period_s: 900, grace_s: 900, due: '2026-03-10T11:15:00.000Z', deadline: '2026-03-10T11:30:00.000Z', schedule_source: 'heartbeat' as const };
  check([
    {
      name: 'ok, 10 minutes in',
      facts: f,
      now: LAST + 10 * M,
      want: { status: 'ok', problem: false, age_s: 600, ratio: 0.667, ...timing },
      reason: ['next due in 5m'],
    },
    { name: 'exactly at due is still ok', facts: f, now: LAST + 15 * M, want: { status: 'ok', problem: false, age_s: 900, ratio: 1, ...timing } },
    { name: '1 ms past due is late', facts: f, now: LAST + 15 * M + 1, want: { status: 'late', problem: false, age_s: 900.001, ...timing } },
    { name: 'exactly at the deadline is still late', facts: f, now: LAST + 30 * M, want: { status: 'late', problem: false, age_s: 1800, ratio: 2, ...timing } },
    { name: '1 ms past the deadline is stale', facts: f, now: LAST + 30 * M + 1, want: { status: 'stale', problem: true, ...timing } },
    {
      name: 'stale long after',
      facts: f,
      now: LAST + 45 * M,
      want: { status: 'stale', problem: true, age_s: 2700, ratio: 3 },
      reason: ['45m ago', 'deadline passed 15m ago'],
    },
  ]);
});

test('grace: heartbeat grace_s, else config grace, else defaults.grace, else one period', () => {
  const now = LAST + 20 * M;
  check([
    {
      name: 'heartbeat grace_s 120 wins over config and defaults',
      now,
      defaults: { graceMs: 1 * H },
      facts: facts({ heartbeat: beat({ grace_s: 120 }), config: job({ graceMs: 30 * M }) }),
      want: { status: 'stale', grace_s: 120, deadline: '2026-03-10T11:17:00.000Z' },
    },
    {
      name: 'config grace when the heartbeat has none',
      now,
      defaults: { graceMs: 1 * M },
      facts: facts({ heartbeat: beat(), config: job({ graceMs: 30 * M }) }),
      want: { status: 'late', grace_s: 1800, deadline: '2026-03-10T11:45:00.000Z' },
    },
    {
      name: 'defaults.grace when neither has one',
      now,
      defaults: { graceMs: 1 * M },
      facts: facts({ heartbeat: beat(), config: job() }),
      want: { status: 'stale', grace_s: 60, deadline: '2026-03-10T11:16:00.000Z' },
    },
    {
      name: 'one period by default (the 2x rule)',
      now,
      facts: facts({ heartbeat: beat() }),
      want: { status: 'late', grace_s: 900, deadline: '2026-03-10T11:30:00.000Z' },
    },
    {
      name: 'grace_s 0 in the heartbeat means stale right after due',
      now: LAST + 15 * M + 1,
      facts: facts({ heartbeat: beat({ grace_s: 0 }) }),
      want: { status: 'stale', grace_s: 0, deadline: '2026-03-10T11:15:00.000Z' },
    },
  ]);
});

test('schedule source: heartbeat beats config beats crontab; touch files take config and mtime', () => {
  const now = LAST + 20 * M;
  check([
    {
      name: 'heartbeat schedule beats config',
      now,
      facts: facts({ heartbeat: beat({ schedule: { every: '15m' } }), config: job({ schedule: { every: '1h' } }), crontabSchedule: { cron: '0 * * * *' } }),
      want: { status: 'late', schedule_source: 'heartbeat', schedule: { every: '15m' }, period_s: 900 },
    },
    {
      name: 'config when the heartbeat has no schedule',
      now,
      facts: facts({ heartbeat: beat({ schedule: null }), config: job({ schedule: { every: '1h' } }), crontabSchedule: { cron: '*/5 * * * *' } }),
      want: { status: 'ok', schedule_source: 'config', schedule: { every: '1h' }, period_s: 3600, due: '2026-03-10T12:00:00.000Z' },
    },
    {
      name: 'crontab as the last resort',
      now,
      facts: facts({ heartbeat: beat({ schedule: null }), crontabSchedule: { cron: '*/5 * * * *', tz: 'UTC' } }),
      want: { status: 'stale', schedule_source: 'crontab', period_s: 300, grace_s: 300, due: '2026-03-10T11:05:00.000Z', deadline: '2026-03-10T11:10:00.000Z' },
    },
    {
      name: 'a touched file counts at its mtime, with the config schedule',
      now,
      facts: facts({ heartbeat: touch(LAST + 10 * M), config: job({ schedule: { every: '15m' } }) }),
      want: { status: 'ok', age_s: 600, schedule_source: 'config', due: '2026-03-10T11:25:00.000Z', last: null, last_success_at: null },
    },
  ]);
});

test('cron in Europe/Berlin: a Friday 09:00 run is due Monday 09:00, with exact boundaries', () => {
  // 09:00 CET is 08:00Z; the period is Monday → Tuesday, so the default grace is 24h.
  const fri = at('2026-03-13T08:00:05Z');
  const spec = { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' };
  const f = facts({ heartbeat: beat({ started_at: iso(fri), schedule: spec }) });
  const due = at('2026-03-16T08:00:00Z');
  const deadline = at('2026-03-17T08:00:00Z');
  const timing = { period_s: 86400, grace_s: 86400, due: iso(due), deadline: iso(deadline) };
  check([
    { name: 'the weekend is not late', facts: f, now: at('2026-03-15T20:00:00Z'), want: { status: 'ok', ...timing } },
    { name: 'exactly at Monday 09:00', facts: f, now: due, want: { status: 'ok', age_s: 259195, ratio: 3, ...timing } },
    { name: '1 ms after Monday 09:00', facts: f, now: due + 1, want: { status: 'late', ...timing } },
    { name: 'exactly at the deadline', facts: f, now: deadline, want: { status: 'late', ...timing } },
    { name: '1 ms after the deadline', facts: f, now: deadline + 1, want: { status: 'stale', problem: true, ...timing } },
  ]);
  // Across the spring change (29 March): Friday 08:00Z run, Monday's 09:00 is 07:00Z.
  const summer = evaluateJob(facts({ heartbeat: beat({ started_at: '2026-03-27T08:00:00Z', schedule: spec }) }), context(at('2026-03-30T07:30:00Z')));
  assert.equal(summer.due, '2026-03-30T07:00:00.000Z');
  assert.equal(summer.deadline, '2026-03-31T07:00:00.000Z');
  assert.equal(summer.status, 'late');
  // A Thursday run is due Friday, and the gap Friday → Monday (72h) is the period and grace.
  const thu = evaluateJob(facts({ heartbeat: beat({ started_at: '2026-03-12T08:00:00Z', schedule: spec }) }), context(at('2026-03-14T12:00:00Z')));
  assert.deepEqual([thu.status, thu.due, thu.period_s, thu.deadline], ['late', '2026-03-13T08:00:00.000Z', 259200, '2026-03-16T08:00:00.000Z']);
});

test('failed: an error record, a timeout and a signal, whatever the schedule says', () => {
  const now = LAST + 5 * M;
  check([
    {
      name: 'exit code',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: 3, message: 'disk\nfull' }) }),
      want: { status: 'failed', problem: true, age_s: 300, due: '2026-03-10T11:15:00.000Z' },
      reason: ['failed with exit 3', 'disk full'],
    },
    {
      name: 'timed out',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: 143, signal: 'SIGTERM', timed_out: true }) }),
      want: { status: 'failed', problem: true },
      reason: ['timed out'],
    },
    {
      name: 'signal',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: null, signal: 'SIGKILL' }) }),
      want: { status: 'failed', problem: true },
      reason: ['killed by SIGKILL'],
    },
    {
      name: 'failed with no schedule anywhere is still failed',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: 1, schedule: null }) }),
      want: { status: 'failed', problem: true, schedule: null, period_s: null },
    },
  ]);
});

test('last_success_at: this run when ok, carried over when it failed, null otherwise', () => {
  const now = LAST + 5 * M;
  const ok = evaluateJob(facts({ heartbeat: beat() }), context(now));
  assert.equal(ok.last_success_at, iso(LAST));
  const failed = evaluateJob(facts({ heartbeat: beat({ status: 'error', exit_code: 1, last_success_at: '2026-03-09T11:00:00.000Z' }) }), context(now));
  assert.equal(failed.last_success_at, '2026-03-09T11:00:00.000Z');
  assert.equal(failed.last?.cycle, 5);
  const never = evaluateJob(facts({ heartbeat: beat({ status: 'error', exit_code: 1 }) }), context(now));
  assert.equal(never.last_success_at, null);
  assert.equal(evaluateJob(facts({ heartbeat: touch(LAST) }), context(now)).last_success_at, null);
});

test('crashed, running and overrunning from the run marker', () => {
  const runStart = LAST + 20 * M;
  const gone = { gone: true, reason: 'no process with pid 4321' };
  const alive = { gone: false, reason: 'alive' };
  const now = runStart + 10 * M;
  check([
    {
      name: 'marker newer than the heartbeat and its process gone: crashed',
      now,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: gone }),
      want: { status: 'crashed', problem: true, age_s: 1800 },
      reason: ['cycle 6', 'pid 4321', 'no process with pid 4321'],
    },
    {
      name: 'crashed on the very first run (no heartbeat)',
      now,
      facts: facts({ run: marker(runStart), runGone: gone, config: job({ schedule: { every: '15m' } }), firstSeenMs: LAST }),
      want: { status: 'crashed', problem: true, age_s: null },
    },
    {
      name: 'a marker older than the heartbeat is ignored',
      now,
      facts: facts({ heartbeat: beat({ started_at: iso(runStart) }), run: marker(LAST), runGone: gone }),
      want: { status: 'ok', running: marker(LAST) },
    },
    {
      name: 'a marker that started with the heartbeat is ignored too',
      now,
      facts: facts({ heartbeat: beat({ started_at: iso(runStart) }), run: marker(runStart), runGone: gone }),
      want: { status: 'ok' },
    },
    {
      name: 'alive: running, even past the deadline',
      now: runStart + 2 * H,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive }),
      want: { status: 'running', problem: false },
      reason: ['running for 2h', 'pid 4321'],
    },
    { name: 'liveness unknown: running', now, facts: facts({ heartbeat: beat(), run: marker(runStart) }), want: { status: 'running', problem: false } },
    {
      name: 'config timeout exceeded: overrunning',
      now: runStart + 61 * M,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive, config: job({ timeoutMs: 1 * H }) }),
      want: { status: 'overrunning', problem: true },
      reason: ['1h1m', '1h limit'],
    },
    {
      name: 'exactly at the timeout is still running',
      now: runStart + 1 * H,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive, config: job({ timeoutMs: 1 * H }) }),
      want: { status: 'running' },
    },
    {
      name: 'max_runtime wins over timeout',
      now: runStart + 31 * M,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive, config: job({ timeoutMs: 2 * H, maxRuntimeMs: 30 * M }) }),
      want: { status: 'overrunning', problem: true },
      reason: ['30m limit'],
    },
    {
      name: 'defaults.timeout when the job has none',
      now: runStart + 11 * M,
      defaults: { timeoutMs: 10 * M },
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive, config: job() }),
      want: { status: 'overrunning', problem: true },
    },
    {
      name: 'no limit anywhere: running for ever',
      now: runStart + 30 * 24 * H,
      facts: facts({ heartbeat: beat(), run: marker(runStart), runGone: alive }),
      want: { status: 'running' },
    },
    {
      name: 'a marker with an unreadable started_at is ignored',
      now: LAST + 45 * M,
      facts: facts({ heartbeat: beat(), run: marker(runStart, { started_at: 'garbage' }), runGone: gone }),
      want: { status: 'stale' },
    },
  ]);
});

test('never: a configured job with no heartbeat, anchored at first-seen', () => {
  const seen = LAST;
  const config = job({ schedule: { every: '1h' } });
  const f = facts({ heartbeat: null, file: null, config, firstSeenMs: seen });
  const timing = { age_s: null, ratio: null, period_s: 3600, grace_s: 3600, due: iso(seen + H), deadline: iso(seen + 2 * H), last: null };
  check([
    {
      name: 'before its first due time: ok',
      facts: f,
      now: seen + 30 * M,
      want: { status: 'ok', problem: false, ...timing },
      reason: ['first run due in 30m'],
    },
    { name: 'exactly at the first due time: ok', facts: f, now: seen + H, want: { status: 'ok', ...timing } },
    { name: 'past due, within grace: late', facts: f, now: seen + H + 1, want: { status: 'late', problem: false, ...timing } },
    { name: 'exactly at due + grace: late', facts: f, now: seen + 2 * H, want: { status: 'late', ...timing } },
    { name: 'past due + grace: never', facts: f, now: seen + 2 * H + 1, want: { status: 'never', problem: true, ...timing }, reason: ['first saw it 2h ago'] },
    {
      name: 'configured, first-seen unknown: ok without timing',
      now: seen,
      facts: facts({ config }),
      want: { status: 'ok', problem: false, due: null, deadline: null, period_s: null },
    },
  ]);
});

test('corrupt: an unreadable record, and a schedule in the heartbeat that does not compile', () => {
  const now = LAST + 5 * M;
  check([
    {
      name: 'corrupt file',
      now,
      facts: facts({ heartbeat: { kind: 'corrupt', reason: 'not valid JSON (Unexpected end)', mtimeMs: LAST }, config: job({ schedule: { every: '15m' } }) }),
      want: { status: 'corrupt', problem: true, age_s: null, last: null, due: null, file: '/state/j.last' },
      reason: ['/state/j.last', 'not valid JSON'],
    },
    {
      name: 'bad every in the heartbeat',
      now,
      facts: facts({ heartbeat: beat({ schedule: { every: 'soon' } }) }),
      want: { status: 'corrupt', problem: true, schedule_source: 'heartbeat', due: null },
      reason: ['heartbeat schedule is invalid', 'soon'],
    },
    {
      name: 'bad cron in the heartbeat',
      now,
      facts: facts({ heartbeat: beat({ schedule: { cron: '61 * * * *' } }) }),
      want: { status: 'corrupt', problem: true },
      reason: ['heartbeat schedule is invalid'],
    },
    {
      name: 'bad zone in the heartbeat',
      now,
      facts: facts({ heartbeat: beat({ schedule: { cron: '0 * * * *', tz: 'Mars/Olympus' } }) }),
      want: { status: 'corrupt', problem: true },
    },
    {
      name: 'a schedule that is not an object',
      now,
      facts: facts({ heartbeat: beat({ schedule: '15m' as unknown as HeartbeatRecord['schedule'] }) }),
      want: { status: 'corrupt', problem: true },
    },
  ]);
});

test('clock_skew: more than a minute in the future; exactly a minute is not', () => {
  const now = LAST;
  check([
    {
      name: 'one minute and 1 ms ahead',
      now,
      facts: facts({ heartbeat: beat({ started_at: iso(now + CLOCK_SKEW_MS + 1) }) }),
      want: { status: 'clock_skew', problem: true, age_s: -60.001 },
      reason: ['in the future', 'check the clocks'],
    },
    {
      name: 'exactly one minute ahead',
      now,
      facts: facts({ heartbeat: beat({ started_at: iso(now + CLOCK_SKEW_MS) }) }),
      want: { status: 'ok', problem: false, age_s: -60 },
    },
    {
      name: 'a touched file from the future',
      now,
      facts: facts({ heartbeat: touch(now + H), config: job({ schedule: { every: '15m' } }) }),
      want: { status: 'clock_skew', problem: true, age_s: -3600 },
    },
    {
      name: 'skew beats failed',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: 1, started_at: iso(now + 2 * M) }) }),
      want: { status: 'clock_skew' },
    },
  ]);
});

test('paused: until a future instant or until resumed; never a problem; expired pauses do nothing', () => {
  const now = LAST + 3 * H;
  check([
    {
      name: 'paused over a stale heartbeat',
      now,
      facts: facts({ heartbeat: beat(), pausedUntilMs: now + H }),
      want: { status: 'paused', problem: false, due: '2026-03-10T11:15:00.000Z' },
      reason: [`paused until ${iso(now + H)}`],
    },
    {
      name: 'paused until resumed',
      now,
      facts: facts({ heartbeat: beat({ status: 'error', exit_code: 1 }), pausedUntilMs: Infinity }),
      want: { status: 'paused', problem: false },
      reason: ['until resumed'],
    },
    {
      name: 'paused over a corrupt file',
      now,
      facts: facts({ heartbeat: { kind: 'corrupt', reason: 'x', mtimeMs: 0 }, pausedUntilMs: Infinity }),
      want: { status: 'paused' },
    },
    { name: 'a pause ending exactly now is over', now, facts: facts({ heartbeat: beat(), pausedUntilMs: now }), want: { status: 'stale', problem: true } },
  ]);
});

test('unscheduled: no schedule anywhere is shown, never judged', () => {
  const now = LAST + 365 * 24 * H;
  check([
    {
      name: 'old touch file without config',
      now,
      facts: facts({ heartbeat: touch(LAST) }),
      want: {
        status: 'unscheduled',
        problem: false,
        age_s: 365 * 86400,
        period_s: null,
        grace_s: null,
        ratio: null,
        due: null,
        deadline: null,
        schedule: null,
        schedule_source: null,
      },
    },
    {
      name: 'configured without a schedule',
      now,
      facts: facts({ config: job({ command: 'true' }), firstSeenMs: LAST }),
      want: { status: 'unscheduled', problem: false },
    },
    {
      name: 'record without a schedule',
      now,
      facts: facts({ heartbeat: beat({ schedule: null }) }),
      want: { status: 'unscheduled', problem: false, last_success_at: iso(LAST) },
      reason: ['hb cannot tell when it is late', '--every 15m', "--cron '30 2 * * *'", 'jobs.j'],
    },
  ]);
});

test('unscheduled: the config setting `unscheduled: problem` makes it a problem, except for the meta-heartbeat', () => {
  const now = LAST + 30 * 24 * H;
  const judge = (f: JobFacts, unscheduled?: EvalContext['unscheduled']) => evaluateJob(f, { ...context(now), unscheduled });
  const loose = facts({ heartbeat: beat({ schedule: null }) });
  for (const setting of [undefined, 'warn'] as const) {
    assert.deepEqual([judge(loose, setting).status, judge(loose, setting).problem], ['unscheduled', false], String(setting));
  }
  assert.deepEqual([judge(loose, 'problem').status, judge(loose, 'problem').problem], ['unscheduled', true]);
  const configured = facts({ config: job({ command: 'true' }), firstSeenMs: LAST });
  assert.equal(judge(configured, 'problem').problem, true, 'a configured job without a schedule too');
  const watcher = judge(facts({ job: 'hb-check', heartbeat: beat({ job: 'hb-check', schedule: null }) }), 'problem');
  assert.deepEqual([watcher.status, watcher.problem], ['unscheduled', false], 'the meta-heartbeat is shown, never judged');
  assert.match(watcher.reason, /meta-heartbeat .*jobs\.hb-check.*shown, never judged/);
  assert.equal(judge(facts({ heartbeat: beat() }), 'problem').status, 'stale', 'a scheduled job is judged as ever');
});

test('schedules whose due time no Date can hold do not throw', () => {
  // An absurd but valid `every` (accepted by --every: under 2^53 ms, yet past the last instant a
  // Date can hold) must not take `hb check` down for every job.
  const huge = evaluateJob(facts({ heartbeat: beat({ schedule: { every: '14800000w' } }) }), context(LAST + H));
  assert.equal(huge.status, 'ok');
  assert.equal(huge.due, null);
  assert.equal(huge.deadline, null);
  // A record dated year 9999 with a cron schedule: clock skew, not a crash.
  const future = evaluateJob(facts({ heartbeat: beat({ started_at: '9999-01-01T00:00:00Z', schedule: { cron: '0 * * * *' } }) }), context(LAST));
  assert.equal(future.status, 'clock_skew');
});

test('the verdict carries the facts through unchanged', () => {
  const run = marker(LAST - H);
  const h = evaluateJob(facts({ job: 'backup', heartbeat: beat({ job: 'backup' }), run, file: '/s/backup.last' }), context(LAST + M));
  assert.equal(h.job, 'backup');
  assert.equal(h.file, '/s/backup.last');
  assert.deepEqual(h.running, run);
  assert.deepEqual(h.last, record({ job: 'backup' }));
});

test('min_duration: a successful run of a record without an outcome (written before outcome rules) faster than it is suspicious; slower, or a failure, is unchanged', async () => {
  const { evaluateJob } = await import('../../lib/rules/health/evaluate.ts');
  const { compileSchedule: compile } = await import('../../lib/rules/schedule/compile.ts');
  const now = Date.parse('2026-11-20T09:05:00Z');
  const ctx = { nowMs: now, defaults: {}, timing: (spec: Parameters<typeof compile>[0], at: number) => compile(spec, 'UTC').timing(at) };
  const record = (duration_ms: number, status: 'ok' | 'error' = 'ok') => ({
    v: 1 as const,
    job: 'backup',
    host: 'h',
    status,
    exit_code: status === 'ok' ? 0 : 1,
    signal: null,
    started_at: '2026-11-20T09:00:00.000Z',
    finished_at: '2026-11-20T09:00:00.100Z',
    duration_ms,
    cycle: 3,
    action: null,
    message: null,
    schedule: { every: '1h' },
    grace_s: null,
    output_tail: null,
    pid: 1,
    hb_version: 'x',
  });
  const facts = (duration: number, status: 'ok' | 'error' = 'ok') => ({
    job: 'backup',
    heartbeat: { kind: 'record' as const, record: record(duration, status), mtimeMs: 0 },
    file: null,
    run: null,
    runGone: null,
    config: { name: 'backup', minDurationMs: 5000 },
    firstSeenMs: null,
    pausedUntilMs: null,
  });
  const fast = evaluateJob(facts(120), ctx);
  assert.equal(fast.status, 'suspicious');
  assert.equal(fast.problem, true);
  assert.match(fast.reason, /finished in 120ms, faster than its min_duration 5s: suspicious/);
  assert.equal(evaluateJob(facts(6000), ctx).status, 'ok');
  assert.match(evaluateJob(facts(120, 'error'), ctx).reason, /failed with exit 1/);
});
