// The pure report: counts, windows, timelines, incidents, blockers and totals, with an injected now.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../fakes.ts';
import { appendEvents } from '../../lib/adapters/events/log.ts';
import type { HbEvent } from '../../lib/rules/events/parse.ts';
import { newEvent } from '../../lib/rules/events/schema.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { mergeByTime } from '../../lib/rules/report/merge.ts';
import { TIMELINE_CAP } from '../../lib/rules/report/types.ts';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (ms: number, job: string, type: string, fields: Record<string, unknown> = {}): HbEvent => ({ ts: iso(ms), job, type, ...fields });
const finished = (ms: number, job: string, cycle: number, fields: Record<string, unknown> = {}) =>
  ev(ms, job, 'run_finished', { cycle, status: 'ok', exit_code: 0, signal: null, duration_ms: 1000, ...fields });

/** A verdict with only what the report reads. */
function health(job: string, status: JobStatus, extra: Partial<JobHealth> = {}): JobHealth {
  const problem = ['stale', 'failed', 'suspicious', 'slow', 'crashed', 'overrunning', 'never', 'corrupt', 'clock_skew'].includes(status);
  return {
    job,
    status,
    problem,
    reason: `${job} is ${status}`,
    age_s: 0,
    period_s: 60,
    grace_s: null,
    ratio: 0,
    due: null,
    deadline: null,
    schedule: { every: '1m' },
    schedule_source: 'heartbeat',
    last_success_at: null,
    last: null,
    running: null,
    file: null,
    evidence: [],
    root_cause: null,
    ...extra,
  };
}

const report = (events: HbEvent[], verdicts: JobHealth[] = [], windowMs = DAY) => buildReport({ events, health: verdicts, nowMs: NOW, windowMs, host: 'web1' });
const job = (r: ReturnType<typeof report>, name: string) => {
  const j = r.jobs.find((x) => x.job === name);
  assert.ok(j, `job ${name} in the report`);
  return j;
};

test('the report shape is stable: exactly the documented top-level keys, times from the injected now', () => {
  const r = report([], [health('a', 'ok')]);
  assert.deepEqual(Object.keys(r), ['generated_at', 'since', 'until', 'host', 'blockers', 'jobs', 'totals']);
  assert.equal(r.generated_at, '2026-11-20T09:00:00.000Z');
  assert.equal(r.until, '2026-11-20T09:00:00.000Z');
  assert.equal(r.since, '2026-11-19T09:00:00.000Z');
  assert.equal(r.host, 'web1');
  assert.deepEqual(Object.keys(r.totals), [
    'jobs',
    'events',
    'runs',
    'ok',
    'warnings',
    'slow',
    'suspicious',
    'failures',
    'timeouts',
    'crashes',
    'incidents_opened',
    'open_incidents',
    'rollbacks',
    'restarts',
    'notify_failures',
    'blockers',
  ]);
  assert.deepEqual(r.jobs[0], {
    job: 'a',
    status: 'ok',
    problem: false,
    reason: 'a is ok',
    evidence: [],
    root_cause: null,
    runs: 0,
    ok: 0,
    warnings: 0,
    slow: 0,
    suspicious: 0,
    failures: 0,
    timeouts: 0,
    crashes: 0,
    pings: 0,
    overlaps: 0,
    incidents: { opened: 0, resolved: 0, open: 0, list: [] },
    rollbacks: 0,
    restarts: 0,
    restart_failures: 0,
    notify_failures: 0,
    recovery_blocked: 0,
    duration_ms: { count: 0, p50: null, p95: null, max: null },
    timeline: [],
    timeline_omitted: 0,
    recovery: [],
    failed_outputs: [],
    failed_outputs_omitted: 0,
  });
  assert.deepEqual(r.blockers, []);
});

test('run outcomes: warnings, slow and suspicious runs are counted apart among the ok ones, each mark with its outcome and reason', () => {
  const r = report(
    [
      finished(NOW - 4 * HOUR, 'sync', 1, { exit_code: 24, outcome: 'warning', reason: 'exit 24 is in warn_codes' }),
      finished(NOW - 3 * HOUR, 'sync', 2, { outcome: 'ok' }),
      finished(NOW - 2 * HOUR, 'sync', 3, { outcome: 'suspicious', reason: 'took 10ms; usually 2s–2.4s' }),
      finished(NOW - HOUR, 'sync', 4, { outcome: 'slow', reason: 'took 1h; usually 2s–2.4s' }),
      finished(NOW - 30 * MIN, 'sync', 5, { status: 'error', outcome: 'failed', reason: 'output matched fail_on /ERROR/' }),
      // A line of an older hb: no outcome, its status says it all.
      finished(NOW - 20 * MIN, 'sync', 6),
    ],
    [health('sync', 'warning', { reason: 'last run succeeded with a warning: exit 24 is in warn_codes' })],
  );
  const j = job(r, 'sync');
  assert.deepEqual([j.runs, j.ok, j.warnings, j.suspicious, j.slow, j.failures], [6, 5, 1, 1, 1, 1]);
  assert.deepEqual(
    j.timeline.map((t) => [t.cycle, t.outcome, t.reason]),
    [
      [1, 'warning', 'exit 24 is in warn_codes'],
      [2, 'ok', undefined],
      [3, 'suspicious', 'took 10ms; usually 2s–2.4s'],
      [4, 'slow', 'took 1h; usually 2s–2.4s'],
      [5, 'failed', 'output matched fail_on /ERROR/'],
      [6, 'ok', undefined],
    ],
  );
  assert.deepEqual([r.totals.warnings, r.totals.suspicious, r.totals.slow, r.totals.ok], [1, 1, 1, 5]);
  assert.deepEqual(r.blockers, [], 'a warning is shown, never a blocker');
});

test('blockers: a suspicious and a slow job are blockers with their reason, after a failed one and before a late-turned-stale one', () => {
  const r = report(
    [],
    [
      health('s', 'stale'),
      health('z', 'slow', { reason: 'last run was slow: took 1h; usually 2s–2.4s' }),
      health('d', 'suspicious', { reason: 'last run was suspicious: took 10ms; usually 2s–2.4s' }),
      health('f', 'failed'),
      health('w', 'warning'),
    ],
  );
  assert.deepEqual(
    r.blockers.map((b) => [b.job, b.status, b.reasons.map((x) => x.text)]),
    [
      ['f', 'failed', ['f is failed']],
      ['d', 'suspicious', ['last run was suspicious: took 10ms; usually 2s–2.4s']],
      ['s', 'stale', ['s is stale']],
      ['z', 'slow', ['last run was slow: took 1h; usually 2s–2.4s']],
    ],
  );
});

test('runs, failures, pings and durations: pings are runs but never durations', () => {
  const r = report([
    ev(NOW - 3 * HOUR, 'b', 'run_started', { cycle: 1, pid: 10 }),
    finished(NOW - 3 * HOUR + 4000, 'b', 1, { duration_ms: 4000 }),
    ev(NOW - 2 * HOUR, 'b', 'run_started', { cycle: 2, pid: 11 }),
    finished(NOW - 2 * HOUR + 9000, 'b', 2, { status: 'error', exit_code: 3, duration_ms: 9000 }),
    finished(NOW - HOUR, 'b', 3, { duration_ms: 0, ping: true }),
    finished(NOW - 30 * MIN, 'b', 4, { status: 'error', exit_code: 1, duration_ms: 0, ping: true }),
  ]);
  const b = job(r, 'b');
  assert.equal(b.status, null, 'known from events only');
  assert.deepEqual([b.runs, b.ok, b.failures, b.pings], [4, 2, 2, 2]);
  assert.deepEqual(b.duration_ms, { count: 2, p50: 4000, p95: 9000, max: 9000 });
  assert.deepEqual(
    b.timeline.map((t) => [t.started_at, t.outcome, t.duration_ms, t.exit_code, t.ping]),
    [
      [iso(NOW - 3 * HOUR), 'ok', 4000, 0, false],
      [iso(NOW - 2 * HOUR), 'failed', 9000, 3, false],
      [iso(NOW - HOUR), 'ok', 0, 0, true],
      [iso(NOW - 30 * MIN), 'failed', 0, 1, true],
    ],
  );
  assert.deepEqual([r.totals.runs, r.totals.ok, r.totals.failures, r.totals.events], [4, 2, 2, 6]);
});

test('a timed-out run is a failure whose timeline mark says timeout; a signal is kept', () => {
  const r = report([
    ev(NOW - HOUR, 't', 'run_started', { cycle: 7, pid: 1 }),
    ev(NOW - HOUR + 10 * MIN, 't', 'timeout', { cycle: 7, timeout_ms: 10 * MIN, exit_code: 143 }),
    finished(NOW - HOUR + 10 * MIN, 't', 7, { status: 'error', exit_code: null, signal: 'SIGTERM', duration_ms: 10 * MIN }),
    ev(NOW - 10 * MIN, 't', 'run_started', { cycle: 8, pid: 2 }),
    finished(NOW - 9 * MIN, 't', 8, { duration_ms: MIN }),
  ]);
  const t = job(r, 't');
  assert.deepEqual([t.runs, t.failures, t.timeouts], [2, 1, 1]);
  assert.deepEqual(
    t.timeline.map((x) => [x.outcome, x.signal, x.cycle]),
    [
      ['timeout', 'SIGTERM', 7],
      ['ok', null, 8],
    ],
  );
});

test('window boundaries: an event exactly at `since` counts, a millisecond earlier does not, events after now are ignored', () => {
  const since = NOW - DAY;
  const r = report([
    finished(since - 1, 'w', 1),
    finished(since, 'w', 2),
    finished(NOW, 'w', 3),
    finished(NOW + 1, 'w', 4),
    finished(NOW + HOUR, 'future-only', 1),
  ]);
  const w = job(r, 'w');
  assert.equal(w.runs, 2);
  assert.deepEqual(
    w.timeline.map((t) => t.cycle),
    [2, 3],
  );
  assert.equal(
    r.jobs.some((j) => j.job === 'future-only'),
    false,
  );
});

test('a run that started before the window and finished inside it counts, with its true start', () => {
  const since = NOW - HOUR;
  const r = report([ev(since - 20 * MIN, 'long', 'run_started', { cycle: 1 }), finished(since + 10 * MIN, 'long', 1, { duration_ms: 30 * MIN })], [], HOUR);
  const l = job(r, 'long');
  assert.equal(l.runs, 1);
  assert.equal(l.timeline[0]!.started_at, iso(since - 20 * MIN));
});

test('without run_started (a ping, or rotated away) a run starts at its end minus its duration', () => {
  const r = report([finished(NOW - HOUR, 'p', 1, { duration_ms: 5000 })]);
  assert.equal(job(r, 'p').timeline[0]!.started_at, iso(NOW - HOUR - 5000));
});

test('jobs: every verdict, every job with an event in the window, never one known only from older events', () => {
  const r = report([finished(NOW - 3 * DAY, 'old', 1), finished(NOW - HOUR, 'recent', 1)], [health('quiet', 'ok'), health('zeta', 'late')]);
  assert.deepEqual(
    r.jobs.map((j) => j.job),
    ['quiet', 'recent', 'zeta'],
  );
  assert.equal(r.totals.jobs, 3);
});

test('crashes: a logged crash marks the dead run at its start; the current crashed verdict adds one, never twice', () => {
  const deadRun = { job: 'agent', pid: 999, started_at: iso(NOW - 7 * MIN), host: 'h', cycle: 12, boot_id: null, pid_started_ms: null };
  const events = [
    ev(NOW - 5 * HOUR, 'agent', 'run_started', { cycle: 10 }),
    ev(NOW - 4 * HOUR, 'agent', 'crash_detected', { cycle: 10, pid: 31, started_at: iso(NOW - 5 * HOUR), reason: 'process 31 is not running' }),
    finished(NOW - 4 * HOUR + 3000, 'agent', 11, { duration_ms: 3000 }),
  ];
  const r = report(events, [health('agent', 'crashed', { running: deadRun })]);
  const a = job(r, 'agent');
  assert.equal(a.crashes, 2);
  assert.deepEqual(
    a.timeline.map((t) => [t.started_at, t.outcome, t.cycle]),
    [
      [iso(NOW - 5 * HOUR), 'crashed', 10],
      [iso(NOW - 4 * HOUR), 'ok', 11],
      [iso(NOW - 7 * MIN), 'crashed', 12],
    ],
  );
  // Once the next run has logged that crash, the verdict's dead run is the same one.
  const logged = [...events, ev(NOW - MIN, 'agent', 'crash_detected', { cycle: 12, pid: 999, started_at: deadRun.started_at, reason: 'gone' })];
  assert.equal(job(report(logged, [health('agent', 'crashed', { running: deadRun })]), 'agent').crashes, 2);
  assert.equal(report(logged).totals.crashes, 2);
});

test('a run in progress is a running mark, not a run', () => {
  const marker = { job: 'r', pid: 5, started_at: iso(NOW - MIN), host: 'h', cycle: 3, boot_id: null, pid_started_ms: null };
  const r = job(report([], [health('r', 'running', { running: marker })]), 'r');
  assert.equal(r.runs, 0);
  assert.deepEqual(
    r.timeline.map((t) => t.outcome),
    ['running'],
  );
});

test('incidents: opened and resolved in the window, resolved before it, and one still open from last week', () => {
  const r = report([
    ev(NOW - 9 * DAY, 'x', 'alert_opened', { incident: 'gone', status: 'stale', reason: 'r0' }),
    ev(NOW - 8 * DAY, 'x', 'alert_resolved', { incident: 'gone', status: 'ok', reason: 'ok' }),
    ev(NOW - 7 * DAY, 'x', 'alert_opened', { incident: 'old', status: 'failed', reason: 'exit 1 | pipe' }),
    ev(NOW - 5 * HOUR, 'y', 'alert_opened', { incident: 'y1', status: 'stale', reason: 'late' }),
    ev(NOW - 4 * HOUR, 'y', 'alert_resolved', { incident: 'y1', status: 'ok', reason: 'back' }),
  ]);
  const x = job(r, 'x');
  assert.deepEqual(x.incidents, {
    opened: 0,
    resolved: 0,
    open: 1,
    list: [{ id: 'old', status: 'failed', reason: 'exit 1 | pipe', opened_at: iso(NOW - 7 * DAY), resolved_at: null }],
  });
  const y = job(r, 'y');
  assert.deepEqual(y.incidents, {
    opened: 1,
    resolved: 1,
    open: 0,
    list: [{ id: 'y1', status: 'stale', reason: 'late', opened_at: iso(NOW - 5 * HOUR), resolved_at: iso(NOW - 4 * HOUR) }],
  });
  assert.deepEqual([r.totals.incidents_opened, r.totals.open_incidents], [1, 1]);
  assert.deepEqual(r.blockers, [
    { job: 'x', status: null, reasons: [{ kind: 'open_incident', text: 'incident open, alerted as failed: exit 1 | pipe', since: iso(NOW - 7 * DAY) }] },
  ]);
});

test('recovery: rollbacks, restarts (failed ones counted apart), verification, notify failures, overlaps', () => {
  const r = report([
    ev(NOW - 3 * HOUR, 'ag', 'config_rolled_back', { files: [{ path: '/etc/a.yaml', old_hash: 'a', new_hash: 'b' }], source: 'snapshot' }),
    ev(NOW - 3 * HOUR + 1, 'ag', 'restart', { exit_code: 0, signal: null, timed_out: false, duration_ms: 100 }),
    ev(NOW - 2 * HOUR, 'ag', 'restart', { exit_code: 1 }),
    ev(NOW - 2 * HOUR + 5, 'ag', 'recovery_verified', { healthy: false, reason: 'still dead' }),
    ev(NOW - HOUR, 'ag', 'notify_failed', { sink: 'notify[0]', kind: 'webhook', error: 'HTTP 502', will_retry: true }),
    ev(NOW - HOUR, 'ag', 'overlap_skipped', { holder_pid: 1 }),
  ]);
  const a = job(r, 'ag');
  assert.deepEqual([a.rollbacks, a.restarts, a.restart_failures, a.notify_failures, a.overlaps], [1, 2, 1, 1, 1]);
  assert.deepEqual(a.recovery, [
    { at: iso(NOW - 3 * HOUR), type: 'config_rolled_back', files: ['/etc/a.yaml'] },
    { at: iso(NOW - 3 * HOUR + 1), type: 'restart', exit_code: 0 },
    { at: iso(NOW - 2 * HOUR), type: 'restart', exit_code: 1 },
    { at: iso(NOW - 2 * HOUR + 5), type: 'recovery_verified', healthy: false, reason: 'still dead' },
  ]);
  assert.deepEqual(r.blockers, [], 'a rollback alone needs nobody');
});

test('blockers: unhealthy verdicts worst first, then open incidents, then blocked recovery; each with every reason', () => {
  const r = report(
    [
      ev(NOW - 2 * HOUR, 'f', 'alert_opened', { incident: 'i1', status: 'failed', reason: 'exit 3' }),
      ev(NOW - HOUR, 'rb', 'recovery_blocked', { reason: 'restart budget 3/1h spent', restarts: 3 }),
      ev(NOW - 3 * DAY, 'old-block', 'recovery_blocked', { reason: 'long ago' }),
    ],
    [health('a-ok', 'ok'), health('f', 'failed'), health('s', 'stale'), health('c', 'crashed'), health('late', 'late'), health('rb', 'ok')],
  );
  assert.deepEqual(
    r.blockers.map((b) => b.job),
    ['c', 'f', 's', 'rb'],
  );
  assert.deepEqual(r.blockers[1]!.reasons, [
    { kind: 'unhealthy', text: 'f is failed', since: null },
    { kind: 'open_incident', text: 'incident open, alerted as failed', since: iso(NOW - 2 * HOUR) },
  ]);
  assert.deepEqual(r.blockers[3], {
    job: 'rb',
    status: 'ok',
    reasons: [{ kind: 'recovery_blocked', text: 'recovery blocked: restart budget 3/1h spent', since: iso(NOW - HOUR) }],
  });
  assert.equal(r.totals.blockers, 4);
  assert.equal(job(r, 'rb').recovery_blocked, 1);
});

test('the timeline keeps the newest runs up to its cap and says how many it left out', () => {
  const events = Array.from({ length: TIMELINE_CAP + 5 }, (_, i) => finished(NOW - DAY + (i + 1) * 10 * SEC, 'busy', i + 1));
  const b = job(report(events), 'busy');
  assert.equal(b.runs, TIMELINE_CAP + 5);
  assert.equal(b.timeline.length, TIMELINE_CAP);
  assert.equal(b.timeline_omitted, 5);
  assert.equal(b.timeline[0]!.cycle, 6);
});

test('a timeline of many runs logged out of start order keeps exactly the newest by start, with the running run, as if all were held', () => {
  // Runs end in log order, but their durations vary, so their starts come out of order; a
  // job with 5 caps' worth of runs is trimmed several times on the way.
  const n = TIMELINE_CAP * 5 + 7;
  const events = Array.from({ length: n }, (_, i) => finished(NOW - DAY + (i + 1) * 5 * SEC, 'busy', i + 1, { duration_ms: ((i * 7919) % 97) * 1000 }));
  const running = iso(NOW - 5 * SEC);
  const b = job(report(events, [health('busy', 'running', { running: { started_at: running, cycle: n + 1 } as JobHealth['running'] })]), 'busy');
  const all = events.map((e, i) => ({ start: Date.parse(e.ts as string) - ((i * 7919) % 97) * 1000, cycle: i + 1 }));
  all.push({ start: Date.parse(running), cycle: n + 1 });
  // A stable sort by start, the newest TIMELINE_CAP: what the report shows when it holds every run.
  const expected = all.sort((x, y) => x.start - y.start).slice(-TIMELINE_CAP);
  assert.deepEqual(
    b.timeline.map((r) => [Date.parse(r.started_at), r.cycle]),
    expected.map((r) => [r.start, r.cycle]),
  );
  assert.equal(b.timeline_omitted, n + 1 - TIMELINE_CAP);
  assert.equal(b.runs, n);
  assert.equal(b.timeline.at(-1)!.outcome, 'running');
});

test('unreadable events are skipped: no ts, no job, a ts that is not a time', () => {
  const r = report([
    { ts: 'yesterday', job: 'q', type: 'run_finished' },
    { job: 'q', type: 'run_finished' },
    { ts: iso(NOW - HOUR), type: 'x' },
  ]);
  assert.deepEqual(r.jobs, []);
});

test('rotated files: events from events.jsonl.1…3 count as well as the live log', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-report-rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A tiny cap rotates every three appends: the 12 runs end up spread over all four files.
  for (let i = 1; i <= 12; i++) {
    const run = newEvent.run_finished(iso(NOW - 12 * HOUR + i * HOUR - 1), 'rot', {
      cycle: i,
      status: 'ok',
      exit_code: 0,
      signal: null,
      duration_ms: i * 1000,
    });
    appendEvents(dir, [run], { fileBytes: 450, totalBytes: 1 << 20, keepMs: Infinity });
  }
  assert.deepEqual(readdirSync(dir).sort(), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2', 'events.jsonl.3']);
  const rot = job(report(readEvents(dir).events), 'rot');
  assert.equal(rot.runs, 12);
  assert.deepEqual(
    rot.timeline.map((x) => x.cycle),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    'oldest first, across files',
  );
  assert.deepEqual(rot.duration_ms, { count: 12, p50: 6000, p95: 12000, max: 12000 });
});

test('several state directories merge by time, each keeping its own order for equal times', () => {
  const a = [finished(NOW - 3 * HOUR, 'm', 1), finished(NOW - HOUR, 'm', 3)];
  const b = [finished(NOW - 2 * HOUR, 'm', 2), { ...finished(NOW - HOUR, 'm', 4) }];
  assert.deepEqual(
    [...mergeByTime([a, b])].map((e) => e.cycle),
    [1, 2, 3, 4],
  );
  assert.deepEqual([...mergeByTime([a, []])], a);
  assert.deepEqual([...mergeByTime([[], b])], b);
  assert.deepEqual([...mergeByTime([])], []);
});
