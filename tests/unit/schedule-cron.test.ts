import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronSyntaxError, nextFires, parseCron } from '../../lib/rules/schedule/cron.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const fires = (expr: string, tz: string, from: string, n: number) => nextFires(parseCron(expr), tz, at(from), n).map(iso);

type Row = [what: string, expr: string, tz: string, from: string, want: string[]];

function table(rows: Row[]): void {
  for (const [what, expr, tz, from, want] of rows) {
    assert.deepEqual(fires(expr, tz, from, want.length), want, `${what}: "${expr}" in ${tz} after ${from}`);
  }
}

test('plain fields, ranges, steps and lists', () => {
  table([
    ['weekdays after Friday 09:00', '0 9 * * 1-5', 'UTC', '2026-11-20T09:00:00Z', ['2026-11-23T09:00:00Z', '2026-11-24T09:00:00Z']],
    ['strictly after', '0 9 * * *', 'UTC', '2026-01-01T09:00:00Z', ['2026-01-02T09:00:00Z']],
    ['a millisecond before', '0 9 * * *', 'UTC', '2026-01-01T08:59:59.999Z', ['2026-01-01T09:00:00Z']],
    [
      'range with step',
      '0-30/15 8-10/2 * * *',
      'UTC',
      '2026-01-01T00:00:00Z',
      ['2026-01-01T08:00:00Z', '2026-01-01T08:15:00Z', '2026-01-01T08:30:00Z', '2026-01-01T10:00:00Z'],
    ],
    ['list', '5,35 * * * *', 'UTC', '2026-01-01T00:10:00Z', ['2026-01-01T00:35:00Z', '2026-01-01T01:05:00Z']],
    ['half-hour zone', '0 9 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00Z', ['2026-01-01T03:30:00Z']],
    ['29 February', '0 0 29 2 *', 'UTC', '2026-11-20T00:00:00Z', ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']],
  ]);
});

test('month and day names, in any case; Sunday is 0 or 7', () => {
  table([
    ['day names', '0 9 * * mon-fri', 'UTC', '2026-11-20T09:00:00Z', ['2026-11-23T09:00:00Z']],
    ['month names', '0 0 1 JAN,Jul *', 'UTC', '2026-03-01T00:00:00Z', ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z']],
    ['month name range with step', '0 0 1 jan-dec/6 *', 'UTC', '2026-03-01T00:00:00Z', ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z']],
    ['7 is Sunday', '0 12 * * 7', 'UTC', '2026-11-20T00:00:00Z', ['2026-11-22T12:00:00Z', '2026-11-29T12:00:00Z']],
    ['0 is Sunday', '0 12 * * 0', 'UTC', '2026-11-20T00:00:00Z', ['2026-11-22T12:00:00Z', '2026-11-29T12:00:00Z']],
    ['sun is Sunday', '0 12 * * Sun', 'UTC', '2026-11-20T00:00:00Z', ['2026-11-22T12:00:00Z']],
    [
      'range ending in 7',
      '0 12 * * 5-7',
      'UTC',
      '2026-11-20T00:00:00Z',
      ['2026-11-20T12:00:00Z', '2026-11-21T12:00:00Z', '2026-11-22T12:00:00Z', '2026-11-27T12:00:00Z'],
    ],
    ['sun-sun is only Sunday', '0 12 * * sun-sun', 'UTC', '2026-11-20T00:00:00Z', ['2026-11-22T12:00:00Z', '2026-11-29T12:00:00Z']],
  ]);
});

test('macros translate to their five fields', () => {
  const from = '2026-11-20T09:10:00Z';
  table([
    ['@yearly', '@yearly', 'UTC', from, ['2027-01-01T00:00:00Z']],
    ['@annually', '@annually', 'UTC', from, ['2027-01-01T00:00:00Z']],
    ['@monthly', '@monthly', 'UTC', from, ['2026-12-01T00:00:00Z']],
    ['@weekly', '@weekly', 'UTC', from, ['2026-11-22T00:00:00Z']],
    ['@daily', '@daily', 'UTC', from, ['2026-11-21T00:00:00Z']],
    ['@midnight', '@midnight', 'UTC', from, ['2026-11-21T00:00:00Z']],
    ['@hourly', '@hourly', 'UTC', from, ['2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z']],
  ]);
  assert.equal(parseCron('@weekly').fields, '0 0 * * 0');
  assert.equal(parseCron('@hourly').wildcard, true);
  assert.equal(parseCron('@daily').wildcard, false);
});

test('day-of-month and day-of-week: OR unless either starts with *', () => {
  table([
    // */2 counts as a star, so AND: the 15th when it is Sun, Tue, Thu or Sat.
    [
      'AND with */2',
      '0 0 15 * */2',
      'UTC',
      '2026-01-01T00:00:00Z',
      ['2026-01-15T00:00:00Z', '2026-02-15T00:00:00Z', '2026-03-15T00:00:00Z', '2026-08-15T00:00:00Z'],
    ],
    // Neither starts with *, so OR: every Monday, and the 15th.
    [
      'OR with a name',
      '0 0 15 * mon',
      'UTC',
      '2026-01-01T00:00:00Z',
      ['2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z', '2026-01-15T00:00:00Z', '2026-01-19T00:00:00Z'],
    ],
    // */10 (1, 11, 21, 31) is a star too: only those days that are Mondays.
    ['AND with a day-of-month step', '0 0 */10 * mon', 'UTC', '2026-01-01T00:00:00Z', ['2026-05-11T00:00:00Z']],
    ['day-of-week * leaves day-of-month alone', '0 0 1 * *', 'UTC', '2026-01-05T00:00:00Z', ['2026-02-01T00:00:00Z']],
    ['OR makes 31 February fire on Mondays', '0 0 31 2 mon', 'UTC', '2026-01-01T00:00:00Z', ['2026-02-02T00:00:00Z']],
  ]);
});

test('Europe/Berlin spring forward (2026-03-29, 02:00 → 03:00 local, 01:00Z)', () => {
  table([
    [
      'fixed time in the gap fires once at its end',
      '30 2 * * *',
      'Europe/Berlin',
      '2026-03-28T00:00:00Z',
      ['2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z'],
    ],
    [
      'several gap times collapse into one',
      '0,30 2 * * *',
      'Europe/Berlin',
      '2026-03-28T12:00:00Z',
      ['2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z', '2026-03-30T00:30:00Z'],
    ],
    [
      'wildcard skips 02:00 and 02:30',
      '*/30 * * * *',
      'Europe/Berlin',
      '2026-03-29T00:00:00Z',
      ['2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z', '2026-03-29T01:30:00Z'],
    ],
    ['wildcard minute in the gap hour skips the day', '* 2 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', ['2026-03-30T00:00:00Z']],
    ['from inside the gap collapse', '30 2 * * *', 'Europe/Berlin', '2026-03-29T00:59:59Z', ['2026-03-29T01:00:00Z']],
    ['from the gap end itself', '30 2 * * *', 'Europe/Berlin', '2026-03-29T01:00:00Z', ['2026-03-30T00:30:00Z']],
  ]);
});

test('Europe/Berlin fall back (2026-10-25, 03:00 → 02:00 local, overlap 02:00-03:00)', () => {
  table([
    [
      'fixed time in the overlap fires once, first instant',
      '30 2 * * *',
      'Europe/Berlin',
      '2026-10-24T12:00:00Z',
      ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    ],
    ['fixed 02:00 fires once', '0 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', ['2026-10-25T00:00:00Z', '2026-10-26T01:00:00Z']],
    [
      'wildcard fires at both instants',
      '30 * * * *',
      'Europe/Berlin',
      '2026-10-24T23:00:00Z',
      ['2026-10-24T23:30:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T02:30:00Z'],
    ],
    [
      'wildcard results stay in order',
      '*/30 * * * *',
      'Europe/Berlin',
      '2026-10-24T23:50:00Z',
      ['2026-10-25T00:00:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:00:00Z', '2026-10-25T01:30:00Z', '2026-10-25T02:00:00Z', '2026-10-25T02:30:00Z'],
    ],
    ['from inside the second pass', '30 * * * *', 'Europe/Berlin', '2026-10-25T01:00:00Z', ['2026-10-25T01:30:00Z', '2026-10-25T02:30:00Z']],
  ]);
});

test('America/New_York DST (2026-03-08 spring, 2026-11-01 fall)', () => {
  table([
    ['fixed time in the gap', '30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z']],
    [
      'hourly skips the missing hour',
      '@hourly',
      'America/New_York',
      '2026-03-08T05:00:00Z',
      ['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'],
    ],
    ['fixed time in the overlap', '30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']],
    [
      'hourly runs the repeated hour twice',
      '@hourly',
      'America/New_York',
      '2026-11-01T04:00:00Z',
      ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    ],
  ]);
});

test('expressions are normalised (names to numbers, macros to fields) and compiled once', () => {
  assert.equal(parseCron('0 0 * jan-mar mon-fri').fields, '0 0 * 1-3 1-5');
  assert.equal(parseCron('  */5   *  * * *  ').fields, '*/5 * * * *');
  assert.equal(parseCron('0 */2 * * *').wildcard, true);
  assert.equal(parseCron('0 9 * * *').wildcard, false);
  assert.equal(parseCron('*/15 * * * *'), parseCron('*/15 * * * *'));
  assert.deepEqual(nextFires(parseCron('* * * * *'), 'UTC', at('2026-01-01T00:00:00Z'), 0), []);
});

test('what Debian cron does not accept is refused, naming the field and what is valid', () => {
  const rows: Array<[string, RegExp | string]> = [
    ['61 * * * *', '61 in the minute field is out of range (expected 0-59)'],
    ['0 24 * * *', '24 in the hour field is out of range (expected 0-23)'],
    ['0 0 0 * *', '0 in the day-of-month field is out of range (expected 1-31)'],
    ['0 0 * 13 *', '13 in the month field is out of range (expected 1-12)'],
    ['0 0 * * 8', '8 in the day-of-week field is out of range (expected 0-7)'],
    ['* 5-1 * * *', 'range 5-1 in the hour field is reversed: cron never fires it'],
    ['0 0 * * sat-sun', /^range sat-sun in the day-of-week field is reversed: cron never fires it \(Sunday is also 7: write 6-7\)$/],
    ['*/0 * * * *', /^step 0 in "\*\/0" in the minute field never advances/],
    ['0-30/0 * * * *', /^step 0 in "0-30\/0" in the minute field/],
    ['*/61 * * * *', /^step 61 in "\*\/61" in the minute field is larger than the field \(a step can be 1-60\)$/],
    ['5/10 * * * *', '"5/10" in the minute field: a step needs * or a range before it (write */10 or 5-59/10)'],
    ['0 0 * * mon/2', /^"mon\/2" in the day-of-week field: a step needs \* or a range/],
    ['0 0 L * *', /^"L" in the day-of-month field: "L" \(last day of the month\) is not Debian cron syntax \(expected \*, a number 1-31/],
    ['0 0 LW * *', /^"LW" in the day-of-month field: "L"/],
    ['0 0 * * 5L', /^"5L" in the day-of-week field: "L" \(last such weekday of the month\)/],
    ['0 0 15W * *', /^"15W" in the day-of-month field: "W" \(nearest weekday\) is not Debian cron syntax/],
    ['0 0 * * 5#3', /^"5#3" in the day-of-week field: "#" \(nth weekday of the month\) is not Debian cron syntax .*0 and 7 are Sunday/],
    ['0 0 ? * *', /^"\?" in the day-of-month field: "\?" \(no specific value\)/],
    ['x * * * *', /^"x" in the minute field is not valid \(expected \*, a number 0-59, a range/],
    ['0 0 * foo *', /^"foo" in the month field is not a month name \(expected jan, feb/],
    ['0 0 * * monday', /^"monday" in the day-of-week field is not a day name \(expected sun, mon/],
    ['1,,2 * * * *', 'empty item in the minute field (a comma needs a value on both sides)'],
    ['0 0 31 2 *', 'day-of-month 31 never falls in month 2: cron never fires it'],
    ['0 0 30 feb *', 'day-of-month 30 never falls in month feb: cron never fires it'],
    ['0 0 31 4,6,9,11 *', /never falls in month 4,6,9,11: cron never fires it/],
    ['0 0 31 2 */2', /never falls in month 2/],
    ['@reboot', '@reboot has no schedule to be late against'],
    ['@Daily', /^unknown macro "@Daily" \(expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly\)$/],
    ['@every 5m', /^unknown macro/],
    ['0 0 0 * * *', /^expected 5 fields \(minute hour day-of-month month day-of-week\) or a macro such as @daily, found 6 \(cron has no seconds field/],
    ['* * * *', /^expected 5 fields .*, found 4$/],
    ['', /^empty cron expression/],
    ['   ', /^empty cron expression/],
  ];
  for (const [expr, message] of rows) {
    assert.throws(
      () => parseCron(expr),
      (e: unknown) => {
        assert.ok(e instanceof CronSyntaxError, `${expr}: ${String(e)}`);
        if (typeof message === 'string') assert.equal(e.message, message, expr);
        else assert.match(e.message, message, expr);
        return true;
      },
    );
  }
});
