// Maintenance windows decided at an instant (lib/rules/maintenance/open.ts) and their place in the
// lateness rule: paused exactly inside a window, judged on the real state after it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maintenanceAt, windowOpenAt, windowState } from '../../lib/rules/maintenance/open.ts';
import type { MaintenanceWindow } from '../../lib/rules/maintenance/types.ts';
import { evaluateJob, type EvalContext, type JobFacts } from '../../lib/rules/health/evaluate.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';

const at = (text: string) => Date.parse(text);
const M = 60_000;
const H = 60 * M;

const window = (cron: string, durationMs: number, tz = 'UTC', jobs?: string[]): MaintenanceWindow => ({
  schedule: { cron, tz },
  durationMs,
  text: `${cron} for ${durationMs / M}m (${tz})`,
  ...(jobs ? { jobs } : {}),
});

test('a window is open from its fire for its duration: closed 1 ms before, open at the fire and 1 ms before the end, closed at the end', () => {
  const w = window('0 2 * * 0', 2 * H);
  const f = at('2026-03-22T02:00:00Z'); // a Sunday
  assert.equal(windowOpenAt(w, f - 1), null);
  assert.deepEqual(windowOpenAt(w, f), { untilMs: f + 2 * H, text: w.text });
  assert.deepEqual(windowOpenAt(w, f + 2 * H - 1), { untilMs: f + 2 * H, text: w.text });
  assert.equal(windowOpenAt(w, f + 2 * H), null);
  // Another day at the same hour is no fire of this cron.
  assert.equal(windowOpenAt(w, at('2026-03-23T02:30:00Z')), null);
});

test('a window across midnight is open on both sides of it, in its own zone', () => {
  const w = window('30 23 * * *', 90 * M, 'Europe/Berlin');
  const f = at('2026-06-10T21:30:00Z'); // 23:30 in Berlin (summer, +02:00)
  assert.equal(windowOpenAt(w, f - 1), null);
  assert.equal(windowOpenAt(w, f)?.untilMs, f + 90 * M);
  assert.equal(windowOpenAt(w, at('2026-06-10T22:15:00Z'))?.untilMs, f + 90 * M, '00:15 the next day in Berlin');
  assert.equal(windowOpenAt(w, f + 90 * M - 1)?.untilMs, f + 90 * M);
  assert.equal(windowOpenAt(w, f + 90 * M), null);
});

test('windows that overlap or abut are one stretch; the chain followed is bounded; a closed window says when it opens', () => {
  // Every 30 minutes for 45 minutes: always open, and each fire pushes the end on.
  const fires = (step: number) => (from: number, n: number) => Array.from({ length: n }, (_, i) => (Math.floor(from / step) + 1 + i) * step);
  const now = 10 * H + 5 * M;
  assert.deepEqual(
    windowState(fires(30 * M), 45 * M, now),
    { open: true, untilMs: 9 * H + 30 * M + 64 * 30 * M + 45 * M },
    'from the 09:30 fire, at most 64 later fires are followed',
  );
  // Abutting: every hour for one hour is open at the hour's last ms and on past the next hour.
  const abutting = windowState(fires(H), H, 11 * H - 1);
  assert.ok(abutting.open && abutting.untilMs > 12 * H);
  // A schedule with no fire left is closed for good.
  assert.deepEqual(
    windowState(() => [], H, now),
    { open: false, untilMs: Infinity },
  );
  // A gap between windows: closed in it until the next fire; open from it for the duration.
  assert.deepEqual(windowState(fires(2 * H), H, 11 * H), { open: false, untilMs: 12 * H });
  assert.deepEqual(windowState(fires(2 * H), H, 12 * H), { open: true, untilMs: 13 * H });
});

test('the lookup: own windows and the global ones that apply; jobs: limits a global window; the one closing last is named', () => {
  const nowMs = at('2026-05-05T03:10:00Z');
  const nightly = window('0 3 * * *', 30 * M, 'UTC', ['db', 'backup']);
  const long = window('0 2 * * *', 2 * H);
  const closed = window('0 5 * * *', H);
  const inWindow = maintenanceAt([nightly, closed], nowMs);
  assert.equal(inWindow('db', undefined)?.text, nightly.text);
  assert.equal(inWindow('web', undefined), null, 'a window with jobs: leaves other jobs alone');
  assert.equal(inWindow('web', [long])?.untilMs, at('2026-05-05T04:00:00Z'), 'a job own window');
  assert.deepEqual(inWindow('db', [long]), { untilMs: at('2026-05-05T04:00:00Z'), text: long.text }, 'the one closing last');
  assert.equal(inWindow('web', [closed]), null);
  // A global window without jobs: is every job's.
  assert.equal(maintenanceAt([window('0 3 * * *', H)], nowMs)('anything', undefined)?.untilMs, at('2026-05-05T04:00:00Z'));
  assert.equal(maintenanceAt(undefined, nowMs)('db', undefined), null);
});

test('windows of the same cron, zone and duration are decided once per check, whatever number of jobs share them', () => {
  const nowMs = at('2026-05-05T03:10:00Z');
  const decided: string[] = [];
  const openAt = (w: MaintenanceWindow, t: number) => {
    decided.push(w.text);
    return windowOpenAt(w, t);
  };
  const global = window('0 3 * * *', H);
  const inWindow = maintenanceAt([global], nowMs, openAt);
  for (let i = 0; i < 50; i++) {
    // Each job brings its own copy of the same window, as a config with 50 such jobs does.
    assert.equal(inWindow(`job${i}`, [window('0 3 * * *', 2 * H)])?.untilMs, at('2026-05-05T05:00:00Z'));
  }
  assert.deepEqual(decided, [window('0 3 * * *', 2 * H).text, global.text]);
  assert.equal(maintenanceAt([], nowMs, openAt)('x', undefined), null);
  assert.equal(decided.length, 2, 'no window: nothing decided');
});

// The lateness rule with a window: a stale job is paused inside it and stale outside.
const LAST = at('2026-03-10T11:00:00Z');
function record(over: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  return {
    v: 1,
    job: 'j',
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: new Date(LAST).toISOString(),
    finished_at: new Date(LAST + 2000).toISOString(),
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
const context = (nowMs: number): EvalContext => ({ nowMs, defaults: {}, timing: (spec, t) => compileSchedule(spec, 'UTC').timing(t) });
const facts = (nowMs: number, over: Partial<HeartbeatRecord>, windows: MaintenanceWindow[]): JobFacts => ({
  job: 'j',
  heartbeat: { kind: 'record', record: record(over), mtimeMs: 0 },
  file: '/state/j.last',
  run: null,
  runGone: null,
  config: { name: 'j', maintenance: windows },
  firstSeenMs: null,
  pausedUntilMs: null,
  maintenance: maintenanceAt(undefined, nowMs)('j', windows),
});

test('inside a window a problem job is paused with the window in its reason; after it the job is judged on its real state', () => {
  const w = window('0 12 * * *', H);
  const start = at('2026-03-10T12:00:00Z');
  const judge = (nowMs: number, over: Partial<HeartbeatRecord> = {}) => evaluateJob(facts(nowMs, over, [w]), context(nowMs));
  // Stale all along (last run 11:00, every 15m): stale before, paused inside, stale after.
  assert.equal(judge(start - 1).status, 'stale');
  const inside = judge(start);
  assert.deepEqual([inside.status, inside.problem], ['paused', false]);
  assert.equal(inside.reason, `in maintenance window ${w.text} until 2026-03-10T13:00:00Z`);
  assert.equal(judge(start + H - 1).status, 'paused');
  const after = judge(start + H);
  assert.equal(after.status, 'stale', 'the end of a window restarts no clock: the runs missed in it are missed');
  assert.equal(after.due, '2026-03-10T11:15:00.000Z');
  // A failure from before the window is still a failure after it.
  assert.equal(judge(start + 30 * M, { status: 'error', exit_code: 3 }).status, 'paused');
  const failed = judge(start + H, { status: 'error', exit_code: 3 });
  assert.deepEqual([failed.status, failed.problem], ['failed', true]);
  // A window that has closed for a job judged later pauses nothing.
  assert.equal(evaluateJob({ ...facts(start, {}, [w]) }, context(start + H)).status, 'stale');
});

test('hb pause outranks a window in the reason while both hold', () => {
  const w = window('0 12 * * *', H);
  const now = at('2026-03-10T12:10:00Z');
  const both = evaluateJob({ ...facts(now, {}, [w]), pausedUntilMs: now + 5 * M }, context(now));
  assert.equal(both.reason, `paused until ${new Date(now + 5 * M).toISOString()}`);
  const expired = evaluateJob({ ...facts(now, {}, [w]), pausedUntilMs: now - M }, context(now));
  assert.equal(expired.reason, `in maintenance window ${w.text} until 2026-03-10T13:00:00Z`);
});
