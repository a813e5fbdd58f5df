import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from '../../lib/rules/schedule/cron.ts';
import { offsetTransitions } from '../../lib/rules/systemd/dst.ts';
import { timespan, translateSchedule, type TranslateContext, type Translation } from '../../lib/rules/systemd/translate.ts';
import type { ScheduleSpec } from '../../lib/rules/schedule/types.ts';

const NOW = Date.parse('2026-11-23T08:00:00Z');
const ctx = (over: Partial<TranslateContext> = {}): TranslateContext => ({
  defaultTz: 'UTC',
  nowMs: NOW,
  zoneKnown: () => true,
  ...over,
});

const translate = (spec: ScheduleSpec, over: Partial<TranslateContext> = {}): Translation => translateSchedule(spec, ctx(over));

function events(spec: ScheduleSpec, over: Partial<TranslateContext> = {}): string[] {
  const t = translate(spec, over);
  assert.ok(t.ok, `${JSON.stringify(spec)} refused: ${t.ok ? '' : t.reason}`);
  assert.equal(t.trigger.kind, 'calendar');
  return t.trigger.kind === 'calendar' ? t.trigger.events : [];
}

function refusal(spec: ScheduleSpec, over: Partial<TranslateContext> = {}): string {
  const t = translate(spec, over);
  assert.ok(!t.ok, `${JSON.stringify(spec)} should be refused, got ${t.ok ? JSON.stringify(t.trigger) : ''}`);
  return t.ok ? '' : t.reason;
}

test("the zone: the job's own is appended; without one, the host zone stays implicit", () => {
  assert.deepEqual(events({ cron: '30 2 * * *', tz: 'UTC' }), ['*-*-* 02:30:00 UTC']);
  assert.deepEqual(events({ cron: '30 2 * * *', tz: 'Asia/Kolkata' }), ['*-*-* 02:30:00 Asia/Kolkata'], 'no DST: nothing to refuse');
  assert.deepEqual(events({ cron: '30 3 * * *', tz: 'Europe/Berlin' }), ['*-*-* 03:30:00 Europe/Berlin']);
  assert.deepEqual(events({ cron: '30 3 * * *' }, { defaultTz: 'Europe/Berlin' }), ['*-*-* 03:30:00']);
});

test("a fixed-time job in a spring-forward gap is refused: cron runs it at the gap's end, systemd skips it", () => {
  const reason = refusal({ cron: '30 2 * * *', tz: 'Europe/Berlin' });
  assert.match(reason, /on 2027-03-28 Europe\/Berlin skips 02:00-02:59 \(clocks go forward\)/);
  assert.match(reason, /runs this job's 02:30 at 03:00, a systemd timer does not run it/);
  assert.match(reason, /tz: UTC/, 'says what would work');
  assert.match(refusal({ cron: '0 2 * * *' }, { defaultTz: 'Europe/Berlin' }), /Europe\/Berlin skips/, 'the host zone is checked too');
  assert.match(refusal({ cron: '30 2 * * *', tz: 'America/New_York' }), /on 2027-03-14 America\/New_York skips 02:00-02:59/);
  // Chile moves its clocks at midnight: even @daily meets a gap there.
  assert.match(refusal({ cron: '@daily', tz: 'America/Santiago' }), /America\/Santiago skips 00:00-00:59/);
});

test('only the dates a job runs on count: the first conflict is found up to 28 years ahead', () => {
  assert.deepEqual(events({ cron: '30 2 * * 1-5', tz: 'Europe/Berlin' }), ['Mon..Fri *-*-* 02:30:00 Europe/Berlin'], 'EU clocks change on Sundays');
  assert.deepEqual(events({ cron: '30 2 1 1 *', tz: 'Europe/Berlin' }), ['*-01-01 02:30:00 Europe/Berlin']);
  assert.match(refusal({ cron: '30 2 29 3 *', tz: 'Europe/Berlin' }), /on 2037-03-29/, '29 March is the last Sunday again in 2037');
});

test('fixed-time jobs in a fall-back overlap run once, at the first instant, under both: accepted', () => {
  assert.deepEqual(events({ cron: '30 2 25-31 10 *', tz: 'Europe/Berlin' }), ['*-10-25..31 02:30:00 Europe/Berlin']);
});

test('wildcard jobs: both skip a gap; an overlap runs twice under cron and once under systemd', () => {
  assert.deepEqual(events({ cron: '*/30 2 25-31 3 *', tz: 'Europe/Berlin' }), ['*-03-25..31 02:00,30:00 Europe/Berlin'], 'gap only: same');
  const reason = refusal({ cron: '*/30 2 25-31 10 *', tz: 'Europe/Berlin' });
  assert.match(reason, /on 2027-10-31 Europe\/Berlin repeats 02:00-02:59 \(clocks go back\): cron runs this job's 02:00 twice/);
  assert.match(refusal({ cron: '0 */2 * * *', tz: 'Europe/Berlin' }), /repeats 02:00-02:59/, '*/2 on the hour is a wildcard (Debian)');
  assert.match(refusal({ cron: '*/10 1 * * *', tz: 'America/New_York' }), /America\/New_York repeats 01:00-01:59/);
});

test('wildcard jobs on every hour of every day are written in UTC when that is the same instants', () => {
  for (const cron of ['*/15 * * * *', '@hourly', '* * * * *', '5,35 * * * *']) {
    const t = translate({ cron, tz: 'Europe/Berlin' });
    assert.ok(t.ok && t.trigger.kind === 'calendar', cron);
    if (t.ok && t.trigger.kind === 'calendar') {
      assert.ok(
        t.trigger.events.every((e) => e.endsWith(' UTC')),
        `${cron}: ${t.trigger.events.join(',')}`,
      );
      assert.match(t.trigger.note ?? '', /same instants as in UTC/);
    }
  }
  assert.deepEqual(events({ cron: '*/15 * * * *', tz: 'Europe/Berlin' }), ['*-*-* *:00/15:00 UTC']);
  // Lord Howe Island moves its clocks by 30 minutes (01:30-01:59 repeats): */15 reads the same
  // on both clocks, :30 does not, and :00 never meets the repeated half hour.
  assert.deepEqual(events({ cron: '*/15 * * * *', tz: 'Australia/Lord_Howe' }), ['*-*-* *:00/15:00 UTC']);
  assert.match(refusal({ cron: '30 * * * *', tz: 'Australia/Lord_Howe' }), /Australia\/Lord_Howe repeats 01:30-01:59/);
  assert.deepEqual(events({ cron: '0 * * * *', tz: 'Australia/Lord_Howe' }), ['*-*-* *:00:00 Australia/Lord_Howe']);
  // Restricted days follow local dates, which UTC cannot say.
  assert.match(refusal({ cron: '*/15 * * * 0', tz: 'Europe/Berlin' }), /repeats 02:00-02:59/);
  assert.deepEqual(events({ cron: '*/15 * * * 1-5', tz: 'Europe/Berlin' }), ['Mon..Fri *-*-* *:00/15:00 Europe/Berlin'], 'never meets a Sunday change');
});

test('a zone systemd cannot read is refused', () => {
  const reason = refusal({ cron: '0 3 * * *', tz: 'europe/berlin' }, { zoneKnown: (tz) => tz === 'Europe/Berlin' });
  assert.match(reason, /systemd does not know the time zone "europe\/berlin"/);
});

test('every: a monotonic timer counted from each start; sub-second periods refused', () => {
  const t = translate({ every: '15m' });
  assert.deepEqual(t, { ok: true, trigger: { kind: 'monotonic', periodMs: 900_000 } });
  assert.match(refusal({ every: '1500ms' }), /not a whole number of seconds/);
});

test('systemd time spans', () => {
  assert.equal(timespan(900_000), '15min');
  assert.equal(timespan(90_000), '1min 30s');
  assert.equal(timespan(86_400_000), '1d');
  assert.equal(timespan(90_000_000), '1d 1h');
  assert.equal(timespan(7 * 86_400_000), '7d');
});

test('offset transitions are pinned to the second', () => {
  const ts = offsetTransitions('Europe/Berlin', Date.parse('2027-01-01T00:00:00Z'), Date.parse('2028-01-01T00:00:00Z'));
  assert.deepEqual(
    ts.map((t) => [new Date(t.atMs).toISOString(), t.beforeMs / 3_600_000, t.afterMs / 3_600_000]),
    [
      ['2027-03-28T01:00:00.000Z', 1, 2],
      ['2027-10-31T01:00:00.000Z', 2, 1],
    ],
  );
  assert.deepEqual(offsetTransitions('UTC', 0, 1e12), []);
  assert.ok(parseCron('@hourly').wildcard);
});
