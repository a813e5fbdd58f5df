// Nearest-rank percentiles and the timeline's geometry: table tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationStats } from '../../lib/rules/report/percentile.ts';
import { nearestRank } from '../../lib/rules/percentile.ts';
import { position, ticks } from '../../lib/rules/report/timeline-geometry.ts';
import { shortDuration, shortTime, windowLabel } from '../../lib/rules/report/human.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('nearestRank: the value at rank ⌈p/100 · n⌉, always one that was measured', () => {
  const cases: Array<[number[], number, number | null]> = [
    [[], 50, null],
    [[], 95, null],
    [[7], 50, 7],
    [[7], 95, 7],
    [[1, 2], 50, 1],
    [[1, 2], 95, 2],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [range(10), 50, 5],
    [range(10), 95, 10],
    [range(20), 95, 19], // 0.95 · 20 = 19 exactly: no float drift to rank 20
    [range(100), 50, 50],
    [range(100), 95, 95],
    [range(101), 95, 96],
    [[5, 5, 5, 9], 50, 5],
    [[1, 2, 3], 100, 3],
  ];
  for (const [values, p, expected] of cases) assert.equal(nearestRank(values, p), expected, `p${p} of [${values.join(',')}]`);
});

test('durationStats sorts numerically (not as strings) and leaves its input alone', () => {
  const input = [900, 10_000, 80, 1000];
  assert.deepEqual(durationStats(input), { count: 4, p50: 900, p95: 10_000, max: 10_000 });
  assert.deepEqual(input, [900, 10_000, 80, 1000]);
  assert.deepEqual(durationStats([]), { count: 0, p50: null, p95: null, max: null });
});

test('position is clamped to the window; a zero window puts everything at 0', () => {
  assert.equal(position(50, 0, 100), 0.5);
  assert.equal(position(-10, 0, 100), 0);
  assert.equal(position(150, 0, 100), 1);
  assert.equal(position(5, 10, 10), 0);
});

test('ticks fall on round UTC times strictly inside the window, at most 8, midnight labelled with the date', () => {
  const until = Date.parse('2026-11-20T09:00:00Z');
  const day = ticks(until - 86_400_000, until);
  assert.deepEqual(
    day.map((t) => t.label),
    ['12:00', '15:00', '18:00', '21:00', '11-20', '03:00', '06:00'],
  );
  assert.equal(day[0]!.x, 3 / 24);
  assert.equal(day.at(-1)!.x, 21 / 24);
  const odd = ticks(until - 86_400_000 + 7 * 60_000, until + 7 * 60_000);
  assert.deepEqual(
    odd.map((t) => t.label),
    ['12:00', '15:00', '18:00', '21:00', '11-20', '03:00', '06:00', '09:00'],
  );
  const week = ticks(until - 7 * 86_400_000, until);
  assert.deepEqual(
    week.map((t) => t.label),
    ['11-14', '11-15', '11-16', '11-17', '11-18', '11-19', '11-20'],
  );
  assert.equal(ticks(until - 60 * 60_000, until).length, 5, 'an hour: every 10 minutes');
  assert.deepEqual(ticks(until, until), []);
});

test('short forms: times, durations and window lengths', () => {
  assert.equal(shortTime('2026-11-20T09:00:05.123Z'), '2026-11-20 09:00:05Z');
  assert.equal(shortTime('not a time'), 'not a time');
  const table: Array<[number | null, string]> = [
    [null, '-'],
    [0, '0ms'],
    [250, '250ms'],
    [1234, '1.2s'],
    [9_940, '9.9s'],
    [45_000, '45s'],
    [200_000, '3m20s'],
    [3_900_000, '1h5m'],
  ];
  for (const [ms, text] of table) assert.equal(shortDuration(ms), text, String(ms));
  assert.equal(windowLabel(86_400_000), '24h');
  assert.equal(windowLabel(7 * 86_400_000), '7d');
  assert.equal(windowLabel(30 * 60_000), '30m');
  assert.equal(windowLabel(90 * 60_000), '1h30m');
});
