// The `host_down` rule as a table: booted after the due time (a cause until a run due after boot
// is missed too), up since before it (ruled out), asleep (a clue), and clocks that cannot be
// trusted (a faked clock gives no sleep at all).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostDownEvidence, sleptMs, type HostClocks } from '../../lib/rules/evidence/host-down.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import type { ScheduleSpec } from '../../lib/rules/schedule/types.ts';

const T = (hhmm: string) => Date.parse(`2026-12-03T${hhmm}:00Z`);
const H = 3_600_000;
const M = 60_000;
const timing = (spec: ScheduleSpec, anchorMs: number) => compileSchedule(spec, 'UTC').timing(anchorMs);
/** Clocks of a host that booted at `bootMs` and slept `slept` ms since, read at `nowMs`. */
const clocks = (bootMs: number, slept: number, nowMs: number): HostClocks => ({ bootMs, sinceBootMs: nowMs - bootMs, awakeMs: nowMs - bootMs - slept });
const HOURLY: ScheduleSpec = { cron: '0 * * * *', tz: 'UTC' };
const job = (dueMs: number | null, spec: ScheduleSpec | null = HOURLY, graceMs: number | null = 30 * M) => ({ dueMs, graceMs, spec });

describe('hostDownEvidence: booted after the due time', () => {
  test('a cause while the first run due after boot has not passed its deadline', () => {
    const now = T('10:30');
    const items = hostDownEvidence(job(T('09:00')), clocks(T('09:14'), 0, now), now, timing);
    assert.deepEqual(items, [
      {
        kind: 'host_down',
        weight: 'cause',
        text: 'the host was down when the run was due at 09:00 UTC: it booted 09:14 UTC (1h16m ago); the next run is due 10:00 UTC',
        facts: { booted_at: '2026-12-03T09:14:00.000Z', due_at: '2026-12-03T09:00:00.000Z', due_after_boot: '2026-12-03T10:00:00.000Z', down_at_due: true },
      },
    ]);
  });

  test('a clue once a run due after boot is past its deadline too', () => {
    const now = T('10:31');
    const [e, ...rest] = hostDownEvidence(job(T('09:00')), clocks(T('09:14'), 0, now), now, timing);
    assert.equal(rest.length, 0);
    assert.equal(e!.weight, 'clue');
    assert.equal(
      e!.text,
      'the host was down when the run was due at 09:00 UTC (it booted 09:14 UTC), but the run due 10:00 UTC after boot did not happen either',
    );
    assert.equal(e!.facts.due_after_boot, '2026-12-03T10:00:00.000Z');
  });

  test('an `every` schedule is first due one period after boot', () => {
    const now = T('09:40');
    const [e] = hostDownEvidence(job(T('09:00'), { every: '30m' }, 5 * M), clocks(T('09:14'), 0, now), now, timing);
    assert.equal(e!.weight, 'cause');
    assert.equal(e!.facts.due_after_boot, '2026-12-03T09:44:00.000Z');
  });

  test('without a schedule that tells the next due time, booting after the due time is a clue', () => {
    const now = T('10:40');
    for (const j of [job(T('09:00'), null), job(T('09:00'), { cron: 'not a schedule' })]) {
      const [e] = hostDownEvidence(j, clocks(T('09:14'), 0, now), now, timing);
      assert.equal(e!.weight, 'clue');
      assert.equal(e!.text, 'the host was down when the run was due at 09:00 UTC: it booted 09:14 UTC (1h26m ago)');
      assert.equal(e!.facts.due_after_boot, null);
    }
  });

  test('a sleep since that boot is a second item', () => {
    const now = T('10:20');
    const items = hostDownEvidence(job(T('09:00')), clocks(T('09:14'), 20 * M, now), now, timing);
    assert.deepEqual(
      items.map((e) => e.weight),
      ['cause', 'clue'],
    );
    assert.equal(items[1]!.facts.asleep_since_due_s, null);
  });
});

describe('hostDownEvidence: up since before the due time', () => {
  test('no sleep: the host rules itself out', () => {
    const now = T('12:00');
    const [e, ...rest] = hostDownEvidence(job(T('10:00')), clocks(T('07:32'), 0, now), now, timing);
    assert.equal(rest.length, 0);
    assert.equal(e!.weight, 'clear');
    assert.equal(e!.text, 'the host has been up since 07:32 UTC (4h28m ago), before the run was due, and has not slept');
    assert.deepEqual(e!.facts, { booted_at: '2026-12-03T07:32:00.000Z', due_at: '2026-12-03T10:00:00.000Z', slept_s: 0 });
  });

  test('a sleep under a minute is no sleep', () => {
    const now = T('12:00');
    const [e] = hostDownEvidence(job(T('10:00')), clocks(T('07:32'), 59_000, now), now, timing);
    assert.equal(e!.weight, 'clear');
    assert.equal(e!.facts.slept_s, 59);
  });

  test('clocks that cannot be trusted still rule the boot out, and say the sleep is unknown', () => {
    const now = T('12:00');
    const faked = { ...clocks(T('07:32'), 0, now), awakeMs: 1.8e12 };
    const [e] = hostDownEvidence(job(T('10:00')), faked, now, timing);
    assert.equal(e!.weight, 'clear');
    assert.equal(e!.text, 'the host has been up since 07:32 UTC (4h28m ago), before the run was due (whether it slept since is not known)');
    assert.equal(e!.facts.slept_s, null);
  });

  test('a sleep of a minute or more is a clue with how long, and no clear', () => {
    const now = T('12:00');
    const [e, ...rest] = hostDownEvidence(job(T('10:00')), clocks(T('07:32'), 2 * H + 13 * M, now), now, timing);
    assert.equal(rest.length, 0);
    assert.equal(e!.weight, 'clue');
    assert.equal(e!.text, 'the host slept 2h13m in total since it booted 07:32 UTC; a run due while asleep does not happen');
    assert.deepEqual(e!.facts, { booted_at: '2026-12-03T07:32:00.000Z', due_at: '2026-12-03T10:00:00.000Z', slept_s: 8_000 - 20, asleep_since_due_s: null });
  });

  test('awake for less than the time since the due time: the rest of it was sleep, and the clue says how much', () => {
    const now = T('12:00');
    // Up 4h28m, of which awake 30m: of the 2h since the due time, at least 1h30m was asleep.
    const [e] = hostDownEvidence(job(T('10:00')), clocks(T('07:32'), 3 * H + 58 * M, now), now, timing);
    assert.equal(e!.weight, 'clue');
    assert.equal(
      e!.text,
      'the host slept 3h58m in total since it booted 07:32 UTC; at least 1h30m of the 2h since the run was due; a run due while asleep does not happen',
    );
    assert.equal(e!.facts.asleep_since_due_s, 5_400);
  });
});

describe('hostDownEvidence: nothing to say', () => {
  test('no boot time or no due time: no item', () => {
    const now = T('12:00');
    assert.deepEqual(hostDownEvidence(job(T('10:00')), { bootMs: null, sinceBootMs: null, awakeMs: null }, now, timing), []);
    assert.deepEqual(hostDownEvidence(job(null), clocks(T('07:32'), 0, now), now, timing), []);
  });
});

describe('sleptMs', () => {
  const now = T('12:00');
  const boot = T('07:32');
  test('the gap between the clock that counts suspend and the one that does not', () => {
    assert.equal(sleptMs(clocks(boot, 2 * H, now), now), 2 * H);
    assert.equal(sleptMs(clocks(boot, 0, now), now), 0);
  });

  test('a reading a little below zero (10 ms steps in /proc/uptime) is no sleep', () => {
    assert.equal(sleptMs({ ...clocks(boot, 0, now), awakeMs: now - boot + 9 }, now), 0);
  });

  test('a wall clock that disagrees with the time since boot is a faked clock: no reading', () => {
    const c = clocks(boot, 2 * H, now);
    assert.equal(sleptMs(c, now + 2 * H), null);
    assert.equal(sleptMs(c, now - 6_000), null);
    assert.equal(sleptMs(c, now + 4_000), 2 * H);
  });

  test('a gap below zero or longer than the time since boot (a faked monotonic clock) is no reading', () => {
    assert.equal(sleptMs({ ...clocks(boot, 0, now), awakeMs: 1.796e12 }, now), null);
    assert.equal(sleptMs({ ...clocks(boot, 0, now), awakeMs: -5 * H }, now), null);
  });

  test('an unread clock is no reading', () => {
    assert.equal(sleptMs({ ...clocks(boot, 0, now), awakeMs: null }, now), null);
    assert.equal(sleptMs({ ...clocks(boot, 0, now), sinceBootMs: null }, now), null);
    assert.equal(sleptMs({ ...clocks(boot, 0, now), bootMs: null }, now), null);
  });
});
