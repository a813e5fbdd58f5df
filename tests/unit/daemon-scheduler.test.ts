// The daemon's pure scheduler: fire times come from the schedule (no drift however late the
// wake-ups), missed fires are not replayed, locked jobs skip, a reload keeps what it can.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonJob } from '../../lib/rules/daemon/jobs.ts';
import { createPlan, fireAfter, nextWake, planSlot, reloadPlan, stepPlan, type Decision, type Plan } from '../../lib/rules/daemon/scheduler.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';

const at = (iso: string) => Date.parse(iso);
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const every = (name: string, e: string, lock = false): DaemonJob => ({ name, kind: 'tick', schedule: { every: e }, lock });
const cron = (name: string, c: string, tz = 'UTC', lock = false): DaemonJob => ({ name, kind: 'tick', schedule: { cron: c, tz }, lock });
const none = new Map<string, number>();
const idle = () => false;

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

test('fireAfter: every fires on the grid anchor + k·period, strictly after now', () => {
  const job = every('a', '500ms');
  const rows: Array<[number, number, number]> = [
    // anchor, now, expected
    [1000, 1000, 1500],
    [1000, 1499, 1500],
    [1000, 1500, 2000],
    [1000, 1501, 2000],
    [1000, 1_000_000_250, 1_000_000_500],
    [1003, 10_000, 10_003],
  ];
  for (const [anchor, now, want] of rows) assert.equal(fireAfter(job, anchor, now), want, `anchor ${anchor} now ${now}`);
});

test("fireAfter: cron is the schedule's own next fire, DST included", () => {
  const job = cron('b', '30 2 * * *', 'Europe/Berlin');
  const from = at('2026-03-28T00:00:00Z');
  const want = compileSchedule(job.schedule, 'UTC').next(from, 3);
  let t = from;
  const got = [];
  for (let i = 0; i < 3; i++) got.push((t = fireAfter(job, 0, t)));
  assert.deepEqual(got, want);
  assert.deepEqual(
    got.map((ms) => new Date(ms).toISOString()),
    ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
  );
});

test('every: 10,000 late wake-ups never drift — each start is exactly anchor + k·period', () => {
  const start = at('2026-11-23T08:00:00Z');
  let plan: Plan = createPlan([every('fast', '500ms')], none, start);
  const rnd = random(7);
  const dues: number[] = [];
  for (let k = 1; k <= 10_000; k++) {
    const wake = nextWake(plan)!;
    // Timers fire late by up to 499 ms (less than a period): nothing is missed.
    const { plan: next, decisions } = stepPlan(plan, wake + Math.floor(rnd() * 499), idle);
    plan = next;
    assert.equal(decisions.length, 1);
    assert.equal(decisions[0]!.missed, 0);
    dues.push(decisions[0]!.dueMs);
  }
  assert.deepEqual(
    dues,
    Array.from({ length: 10_000 }, (_, i) => start + (i + 1) * 500),
  );
});

test("cron: fires equal the schedule's sequence however late the daemon wakes", () => {
  const job = cron('five', '*/5 * * * *', 'America/New_York');
  const start = at('2026-11-01T04:00:00Z'); // the New York fall-back night
  let plan = createPlan([job], none, start);
  const rnd = random(11);
  const dues: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const { plan: next, decisions } = stepPlan(plan, nextWake(plan)! + Math.floor(rnd() * 4 * M), idle);
    plan = next;
    dues.push(decisions[0]!.dueMs);
  }
  assert.deepEqual(dues, compileSchedule(job.schedule, 'UTC').next(start, 2000));
});

test('a very late wake-up starts one run, counts the missed fires and stays on the grid', () => {
  const start = at('2026-11-23T08:00:00Z');
  const plan = createPlan([every('a', '1s'), cron('c', '* * * * *')], none, start);
  // Asleep for 10.5 minutes (a suspended laptop, a stopped container).
  const { plan: after, decisions } = stepPlan(plan, start + 10 * M + 30 * S, idle);
  assert.deepEqual(
    decisions.map((d) => [d.job.name, d.type, d.missed]),
    [
      ['a', 'start', 629],
      ['c', 'start', 9],
    ],
  );
  assert.deepEqual(
    after.slots.map((s) => s.dueMs),
    [start + 10 * M + 31 * S, start + 11 * M],
  );
});

test('fires missed while the daemon was down are not replayed; every keeps the phase of the last heartbeat', () => {
  const now = at('2026-11-23T08:00:07Z');
  const lastRun = at('2026-11-23T06:12:00Z');
  const plan = createPlan([every('a', '10m'), cron('c', '0 * * * *'), every('fresh', '10m')], new Map([['a', lastRun]]), now);
  assert.deepEqual(
    plan.slots.map((s) => new Date(s.dueMs).toISOString()),
    ['2026-11-23T08:02:00.000Z', '2026-11-23T09:00:00.000Z', '2026-11-23T08:10:07.000Z'],
  );
  assert.deepEqual(stepPlan(plan, now, idle).decisions, []);
});

test('a heartbeat from the future does not push the first fire out', () => {
  const now = at('2026-11-23T08:00:00Z');
  const slot = planSlot(every('a', '1m'), now + 3 * H, now);
  assert.equal(slot.dueMs, now + M);
});

test('a fire while a run is going is skipped (lock, or overlap off by default); overlap: true runs overlap', () => {
  const start = 1_000_000;
  const plan = createPlan([every('locked', '1s', true), every('plain', '1s'), { ...every('free', '1s'), overlap: true }], none, start);
  const running = () => true;
  const { decisions } = stepPlan(plan, start + S, running);
  assert.deepEqual(
    decisions.map((d: Decision) => [d.job.name, d.type]),
    [
      ['locked', 'skip'],
      ['plain', 'skip'],
      ['free', 'start'],
    ],
  );
  assert.deepEqual(
    stepPlan(plan, start + S, idle).decisions.map((d) => d.type),
    ['start', 'start', 'start'],
  );
});

test('a skipped fire still moves the job to its next fire', () => {
  const start = 5000;
  let plan = createPlan([every('locked', '1s', true)], none, start);
  const types: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = stepPlan(plan, nextWake(plan)!, () => i < 3);
    plan = r.plan;
    types.push(...r.decisions.map((d) => `${d.type}@${d.dueMs}`));
  }
  assert.deepEqual(types, ['skip@6000', 'skip@7000', 'skip@8000', 'start@9000', 'start@10000']);
});

test('a clock set back an hour brings every fire back near now', () => {
  const t = at('2026-11-23T08:00:00Z');
  let plan = createPlan([every('a', '1m'), cron('c', '*/10 * * * *')], none, t);
  plan = stepPlan(plan, t + 30 * S, idle).plan;
  const back = t - H;
  const { plan: after, decisions } = stepPlan(plan, back, idle);
  assert.deepEqual(decisions, []);
  assert.deepEqual(
    after.slots.map((s) => s.dueMs),
    [back + M, at('2026-11-23T07:10:00Z')],
  );
});

test('nextWake is the earliest fire; nothing to run is null', () => {
  const plan = createPlan([every('a', '1h'), every('b', '5s')], none, 0);
  assert.equal(nextWake(plan), 5000);
  assert.equal(nextWake(createPlan([], none, 0)), null);
});

test('reload: an unchanged schedule keeps its next fire; new, rescheduled, removed and relocked jobs', () => {
  const t0 = 1_000_000;
  const plan = stepPlan(createPlan([every('keep', '1m'), every('resched', '1m'), every('gone', '1m'), every('relock', '1m')], none, t0), t0 + M, idle).plan;
  const t1 = t0 + M + 20 * S;
  const { plan: next, changes } = reloadPlan(plan, [every('keep', '1m'), every('resched', '30s'), every('relock', '1m', true), every('new', '10s')], none, t1);
  assert.deepEqual(changes, { added: ['new'], removed: ['gone'], rescheduled: ['resched'], updated: ['relock'] });
  const due = Object.fromEntries(next.slots.map((s) => [s.job.name, s.dueMs]));
  assert.deepEqual(due, { keep: t0 + 2 * M, resched: t1 + 30 * S, relock: t0 + 2 * M, new: t1 + 10 * S });
  assert.equal(next.slots.find((s) => s.job.name === 'relock')!.job.lock, true);
});

test('reload of the very same jobs changes nothing', () => {
  const jobs = [every('a', '1m'), cron('b', '0 3 * * *', 'Asia/Tokyo')];
  const plan = createPlan(jobs, none, 42_000);
  const { plan: next, changes } = reloadPlan(
    plan,
    jobs.map((j) => ({ ...j })),
    none,
    50_000,
  );
  assert.deepEqual(changes, { added: [], removed: [], rescheduled: [], updated: [] });
  assert.deepEqual(
    next.slots.map((s) => s.dueMs),
    plan.slots.map((s) => s.dueMs),
  );
});
