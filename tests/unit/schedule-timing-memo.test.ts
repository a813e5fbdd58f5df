// Remembered cron due times must give exactly what computing them gives, and never trust a bad store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import { timingMemo } from '../../lib/rules/schedule/timing-memo.ts';
import type { ScheduleSpec } from '../../lib/rules/schedule/types.ts';

const specs: ScheduleSpec[] = [
  { cron: '*/5 * * * *', tz: 'UTC' },
  { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' },
  { cron: '30 2 * * *', tz: 'Europe/Berlin' },
  { cron: '30 * * * *', tz: 'America/New_York' },
  { every: '15m' },
];
const anchors = ['2026-03-29T00:59:30Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:10.500Z', '2026-11-20T08:00:00.045Z', '2026-11-06T05:59:59.999Z'].map(
  Date.parse,
);
const noZone = () => {
  throw new Error('not asked: every spec here has a zone');
};

test('the memo answers exactly as compileSchedule does, from scratch and from the store', () => {
  const first = timingMemo(null, 'tzdata-1', noZone);
  for (const spec of specs)
    for (const at of anchors)
      assert.deepEqual(first.timing(spec, at), compileSchedule(spec, 'UTC').timing(at), `${JSON.stringify(spec)} @ ${new Date(at).toISOString()}`);
  const stored = JSON.parse(JSON.stringify(first.toStore()));
  assert.equal(stored.tzdata, 'tzdata-1');
  assert.equal(Object.keys(stored.entries).length, 4 * anchors.length, 'cron answers only, one per (schedule, minute)');
  const second = timingMemo(stored, 'tzdata-1', noZone);
  for (const spec of specs) for (const at of anchors) assert.deepEqual(second.timing(spec, at), compileSchedule(spec, 'UTC').timing(at));
  assert.equal(second.toStore(), null, 'nothing new to write when every answer was remembered');
});

test('every-schedules: the same answers as compileSchedule for any period and anchor, from fresh spec objects; an invalid one throws the same error each time', () => {
  const memo = timingMemo(null, 'tzdata-1', noZone);
  const periods = ['15m', '1h', '90s', '1d', '1h30m', '7d', '250ms', '2w'];
  for (let i = 0; i < 2000; i++) {
    const every = periods[i % periods.length]!;
    const at = Date.parse('2026-01-01T00:00:00Z') + i * 7_777_777 + (i % 1000);
    // A new object each time, as every heartbeat's parsed record brings its own.
    assert.deepEqual(memo.timing({ every: `${every}` }, at), compileSchedule({ every }, 'UTC').timing(at), `${every} @ ${at}`);
  }
  for (const every of ['15x', '0s', '', '-5m']) {
    const expected = (() => {
      try {
        compileSchedule({ every }, 'UTC');
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert.ok(expected, `"${every}" is invalid`);
    for (let i = 0; i < 2; i++) assert.throws(() => memo.timing({ every }, 0), { message: expected }, `"${every}", time ${i + 1}`);
  }
  assert.throws(() => memo.timing({ every: 15 } as unknown as ScheduleSpec, 0), /expected a duration such as 15m, found number/);
  assert.equal(memo.toStore(), null, 'every-schedules are arithmetic: nothing to store');
});

test('a cron without a zone asks for the host zone once per use and stores under it', () => {
  let asked = 0;
  const memo = timingMemo(null, 't', () => (asked++, 'Europe/Berlin'));
  const at = Date.parse('2026-11-20T07:00:00Z');
  assert.deepEqual(memo.timing({ cron: '0 9 * * *' }, at), compileSchedule({ cron: '0 9 * * *', tz: 'Europe/Berlin' }, 'UTC').timing(at));
  assert.ok(asked >= 1);
  assert.match(Object.keys(memo.toStore()!.entries)[0]!, /Europe\/Berlin/);
});

test('a store from other tz data, or with garbage entries, is not trusted', () => {
  const at = Date.parse('2026-11-20T08:00:00Z');
  const spec = { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' };
  const truth = compileSchedule(spec, 'UTC').timing(at);
  const key = `${spec.cron}\u0000${spec.tz}\u0000${at}`;
  const lie = { v: 1, tzdata: 'old', entries: { [key]: [0, 1] } };
  assert.deepEqual(timingMemo(lie, 'new', noZone).timing(spec, at), truth);
  for (const bad of [[null, 1], ['x', 'y'], 'nope', [1], [at - 60_000, 86_400_000], [at + 60_000, -5]]) {
    const store = { v: 1, tzdata: 't', entries: { [key]: bad } };
    assert.deepEqual(timingMemo(store, 't', noZone).timing(spec, at), truth, JSON.stringify(bad));
  }
  for (const junk of [null, 42, 'x', { v: 2 }, { v: 1, tzdata: 't', entries: null }]) {
    assert.deepEqual(timingMemo(junk, 't', noZone).timing(spec, at), truth);
  }
});

test('old entries drop out: the store keeps only what this run used', () => {
  const a = timingMemo(null, 't', noZone);
  a.timing(specs[0]!, anchors[0]!);
  const b = timingMemo(a.toStore(), 't', noZone);
  b.timing(specs[0]!, anchors[3]!);
  const keys = Object.keys(b.toStore()!.entries);
  assert.equal(keys.length, 1);
  assert.ok(keys[0]!.endsWith(String(Math.floor(anchors[3]! / 60_000) * 60_000)));
});
