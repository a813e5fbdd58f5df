import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../lib/rules/errors.ts';
import { compileSchedule, ScheduleError, scheduleFromFlags, validateSchedule } from '../../lib/rules/schedule/compile.ts';
import type { ScheduleSpec } from '../../lib/rules/schedule/types.ts';
import { runNext, type NextOptions } from '../../bin/commands/next.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const M = 60_000;
const H = 60 * M;

test('every: due is last + P and the period is P', () => {
  const rows: Array<[string, number]> = [
    ['15m', 15 * M],
    ['90s', 90_000],
    ['1h30m', 90 * M],
    ['2d', 48 * H],
    ['300', 300_000],
  ];
  for (const [every, p] of rows) {
    const s = compileSchedule({ every }, 'UTC');
    const last = at('2026-03-29T00:50:00Z');
    assert.deepEqual(s.timing(last), { dueMs: last + p, periodMs: p }, every);
    assert.deepEqual(s.next(last, 2), [last + p, last + 2 * p], every);
  }
});

test('cron: due is the first fire after last, period the gap to the fire after it', () => {
  const rows: Array<[string, ScheduleSpec, string, string, number]> = [
    ['Friday run: due Monday, period Monday → Tuesday', { cron: '0 9 * * 1-5', tz: 'UTC' }, '2026-11-20T09:00:05Z', '2026-11-23T09:00:00Z', 24 * H],
    ['Thursday run: due Friday, period Friday → Monday', { cron: '0 9 * * 1-5', tz: 'UTC' }, '2026-11-19T09:00:00Z', '2026-11-20T09:00:00Z', 72 * H],
    ['every 15 minutes', { cron: '*/15 * * * *', tz: 'UTC' }, '2026-01-01T10:07:00Z', '2026-01-01T10:15:00Z', 15 * M],
    ['spring-forward day is 23 hours of wall clock', { cron: '30 2 * * *', tz: 'Europe/Berlin' }, '2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', 23.5 * H],
    ['fall-back: the repeated hour counts', { cron: '0 * * * *', tz: 'Europe/Berlin' }, '2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z', H],
    ['New York weekdays across the spring change', { cron: '0 9 * * 1-5', tz: 'America/New_York' }, '2026-03-06T14:00:00Z', '2026-03-09T13:00:00Z', 24 * H],
    ['the default zone (Athens, +03:00) applies without tz', { cron: '0 9 * * *' }, '2026-07-01T00:00:00Z', '2026-07-01T06:00:00Z', 24 * H],
    ['leap day', { cron: '0 0 29 2 *', tz: 'UTC' }, '2026-11-20T00:00:00Z', '2028-02-29T00:00:00Z', 1461 * 24 * H],
  ];
  for (const [what, spec, last, due, period] of rows) {
    const t = compileSchedule(spec, 'Europe/Athens').timing(at(last));
    assert.equal(iso(t.dueMs), due, what);
    assert.equal(t.periodMs, period, what);
  }
});

test('compileSchedule refuses bad schedules with a ScheduleError naming the key', () => {
  const rows: Array<[ScheduleSpec, string, string]> = [
    [{ every: 'soon' }, 'every', '"soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [{ every: '0s' }, 'every', '"0s" is not a period: it must be longer than 0'],
    [{ cron: '* * * * *', tz: 'Mars/Base' }, 'tz', 'unknown time zone "Mars/Base" (expected an IANA name such as Europe/Berlin or UTC)'],
    [{ cron: '61 * * * *' }, 'cron', '61 in the minute field is out of range (expected 0-59)'],
    [{ cron: '@reboot' }, 'cron', '@reboot has no schedule to be late against'],
    [{ every: '5m', cron: '* * * * *' }, 'every', 'a schedule has either every or cron, not both'],
  ];
  for (const [spec, key, message] of rows) {
    assert.throws(
      () => compileSchedule(spec, 'UTC'),
      (e: unknown) => {
        assert.ok(e instanceof ScheduleError);
        assert.equal(e.key, key);
        assert.equal(e.message, message);
        return true;
      },
    );
  }
  assert.throws(() => compileSchedule({ cron: '* * * * *' }, 'Nowhere/Land'), /unknown time zone "Nowhere\/Land"/);
});

test('validateSchedule reports every problem at once', () => {
  const problems = validateSchedule({ cron: '61 * * * *', tz: 'Mars/Base' }, 'UTC');
  assert.deepEqual(
    problems.map((p) => p.key),
    ['cron', 'tz'],
  );
  assert.deepEqual(validateSchedule({ cron: '@daily', tz: 'Europe/Berlin' }, 'UTC'), []);
  assert.deepEqual(validateSchedule({ every: '15m' }, 'UTC'), []);
});

test('scheduleFromFlags returns the spec or a UsageError naming the flag', () => {
  assert.equal(scheduleFromFlags({}), undefined);
  assert.deepEqual(scheduleFromFlags({ every: '15m' }), { every: '15m' });
  assert.deepEqual(scheduleFromFlags({ cron: '*/5 * * * *' }), { cron: '*/5 * * * *' });
  assert.deepEqual(scheduleFromFlags({ cron: '@daily', tz: 'Europe/Berlin' }), { cron: '@daily', tz: 'Europe/Berlin' });
  const rows: Array<[Parameters<typeof scheduleFromFlags>[0], string]> = [
    [{ every: 'soon' }, '--every: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)'],
    [{ cron: '* 5-1 * * *' }, '--cron: range 5-1 in the hour field is reversed: cron never fires it'],
    [{ cron: '@daily', tz: 'Mars/Base' }, '--tz: unknown time zone "Mars/Base" (expected an IANA name such as Europe/Berlin or UTC)'],
    [{ every: '5m', cron: '* * * * *' }, '--every and --cron both given: a job has one schedule, choose one'],
    [{ every: '5m', tz: 'UTC' }, '--tz applies only to --cron (an --every interval has no time zone)'],
  ];
  for (const [flags, message] of rows) {
    assert.throws(
      () => scheduleFromFlags(flags),
      (e: unknown) => e instanceof UsageError && e.message === message,
    );
  }
});

async function next(expr: string, opts: NextOptions): Promise<string> {
  let out = '';
  let err = '';
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), now: () => at('2026-03-28T00:00:00Z'), defaultTz: 'Europe/Berlin' };
  assert.equal(await runNext(expr, opts, io), 0);
  assert.equal(err, '', 'every asked fire time was found');
  return out;
}

test('hb next prints fire times with their offsets, as text or JSON', async () => {
  assert.equal(
    await next('30 2 * * *', { n: 3 }),
    '2026-03-28T02:30:00+01:00  (2026-03-28T01:30:00Z)\n' +
      '2026-03-29T03:00:00+02:00  (2026-03-29T01:00:00Z)\n' +
      '2026-03-30T02:30:00+02:00  (2026-03-30T00:30:00Z)\n',
  );
  assert.equal(
    await next('@daily', { tz: 'America/New_York', from: '2026-03-07T12:00:00Z', n: 2, json: true }),
    '{"next":["2026-03-08T00:00:00-05:00","2026-03-09T00:00:00-04:00"]}\n',
  );
  // --from without an offset is read in the zone.
  assert.equal(await next('0 * * * *', { from: '2026-10-25T02:30', n: 1, json: true }), '{"next":["2026-10-25T02:00:00+01:00"]}\n');
  assert.equal((await next('* * * * *', {})).split('\n').length - 1, 5);
});

test('hb next refuses bad input with a UsageError naming it', async () => {
  const rows: Array<[string, NextOptions, string]> = [
    ['61 * * * *', {}, 'cron expression "61 * * * *": 61 in the minute field is out of range (expected 0-59)'],
    ['* * * * *', { tz: 'Mars/Base' }, '--tz: unknown time zone "Mars/Base" (expected an IANA name such as Europe/Berlin or UTC)'],
    [
      '* * * * *',
      { from: 'soon' },
      '--from: "soon" is not an ISO 8601 time (expected e.g. 2026-03-29T01:30:00Z, 2026-03-29T03:30:00+02:00, or 2026-03-29T03:30 read in Europe/Berlin)',
    ],
  ];
  for (const [expr, opts, message] of rows) {
    await assert.rejects(next(expr, opts), (e: unknown) => e instanceof UsageError && e.message === message && e.exitCode === 2);
  }
});
