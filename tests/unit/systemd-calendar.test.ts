import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from '../../lib/rules/schedule/cron.ts';
import { calendarEvents, renderComponent, renderWeekdays } from '../../lib/rules/systemd/calendar.ts';

const events = (expr: string, zone?: string) => calendarEvents(parseCron(expr), zone);

type Row = [what: string, expr: string, want: string[]];

function table(rows: Row[]): void {
  for (const [what, expr, want] of rows) assert.deepEqual(events(expr), want, `${what}: "${expr}"`);
}

test('one numeric component: star, open step, stepped range, runs and lists', () => {
  const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);
  assert.equal(renderComponent(range(0, 59), 0, 59), '*');
  assert.equal(renderComponent(range(0, 59, 15), 0, 59), '00/15');
  assert.equal(renderComponent(range(5, 59, 15), 0, 59), '05/15', 'an open step may start anywhere');
  assert.equal(renderComponent(range(1, 30, 5), 0, 59), '01..26/5', 'a stepped range stops at its last value, as systemd normalizes it');
  assert.equal(renderComponent(range(1, 31, 2), 1, 31), '01/2');
  assert.equal(renderComponent([0, 30], 0, 59), '00,30', 'two values stay a list');
  assert.equal(renderComponent([1, 2, 3, 5], 0, 23), '01..03,05');
  assert.equal(renderComponent([9], 0, 23), '09');
  assert.equal(renderComponent([1, 3, 5, 7, 9, 20], 0, 59), '01,03,05,07,09,20', 'mixed steps become a list: always exact');
});

test('weekdays in systemd order, Sunday last, 0 and 7 the same day', () => {
  assert.equal(renderWeekdays([1, 2, 3, 4, 5]), 'Mon..Fri');
  assert.equal(renderWeekdays([0, 6]), 'Sat,Sun');
  assert.equal(renderWeekdays([0, 1, 2]), 'Mon,Tue,Sun');
  assert.equal(renderWeekdays([7]), 'Sun');
  assert.equal(renderWeekdays([0, 7]), 'Sun');
  assert.equal(renderWeekdays([1, 2, 3, 5]), 'Mon..Wed,Fri');
  assert.equal(renderWeekdays([0, 1, 2, 3, 4, 5, 6]), undefined, 'every day: no weekday at all');
  assert.equal(renderWeekdays([1, 2, 3, 4, 5, 6, 7]), undefined);
});

test('every field form', () => {
  table([
    ['every minute', '* * * * *', ['*-*-* *:*:00']],
    ['step on the minute', '*/15 * * * *', ['*-*-* *:00/15:00']],
    ['range with step on the minute', '1-30/5 * * * *', ['*-*-* *:01..26/5:00']],
    ['list of minutes', '5,35 * * * *', ['*-*-* *:05,35:00']],
    ['step on the hour', '0 */6 * * *', ['*-*-* 00/6:00:00']],
    ['range of hours', '0 8-17 * * *', ['*-*-* 08..17:00:00']],
    ['fixed time', '30 2 * * *', ['*-*-* 02:30:00']],
    ['weekdays', '0 9 * * 1-5', ['Mon..Fri *-*-* 09:00:00']],
    ['a weekday by name', '5 4 * * sun', ['Sun *-*-* 04:05:00']],
    ['7 is Sunday', '0 12 * * 7', ['Sun *-*-* 12:00:00']],
    ['days of the month', '0 0 1,15 * *', ['*-*-01,15 00:00:00']],
    ['step on days', '0 0 */10 * *', ['*-*-01/10 00:00:00']],
    ['month names', '0 0 1 jan,jul *', ['*-01,07-01 00:00:00']],
    ['month range with step', '0 0 1 jan-dec/3 *', ['*-01/3-01 00:00:00']],
    ['29 February', '0 0 29 2 *', ['*-02-29 00:00:00']],
    ['a full range that does not start with * is still every value', '0 0-23 1-31 1-12 0-6', ['*-*-* *:00:00']],
  ]);
});

test('macros: @weekly is Sunday (systemd\'s "weekly" would be Monday)', () => {
  table([
    ['@yearly', '@yearly', ['*-01-01 00:00:00']],
    ['@annually', '@annually', ['*-01-01 00:00:00']],
    ['@monthly', '@monthly', ['*-*-01 00:00:00']],
    ['@weekly', '@weekly', ['Sun *-*-* 00:00:00']],
    ['@daily', '@daily', ['*-*-* 00:00:00']],
    ['@midnight', '@midnight', ['*-*-* 00:00:00']],
    ['@hourly', '@hourly', ['*-*-* *:00:00']],
  ]);
});

test('day-of-month and day-of-week: cron ORs them when both are restricted, systemd ANDs one event', () => {
  table([
    ['both restricted: two events', '0 0 1,15 * mon', ['Mon *-*-* 00:00:00', '*-*-01,15 00:00:00']],
    ['OR inside a month restriction', '0 0 13 jun fri', ['Fri *-06-* 00:00:00', '*-06-13 00:00:00']],
    ['day-of-month */2 counts as a star: AND', '0 0 */2 * mon', ['Mon *-*-01/2 00:00:00']],
    ['day-of-week */2 counts as a star: AND', '0 0 15 * */2', ['Tue,Thu,Sat,Sun *-*-15 00:00:00']],
    ['day-of-week * with a date: the date only', '0 0 15 * *', ['*-*-15 00:00:00']],
    ['all weekdays ORed with a date: every day', '0 0 15 * 0-6', ['*-*-* 00:00:00']],
    ['every date ORed with a weekday: every day', '0 0 1-31 * mon', ['*-*-* 00:00:00']],
    ['a date the month never has adds nothing', '0 0 31 2 mon', ['Mon *-02-* 00:00:00']],
  ]);
});

test('a zone is appended to every event', () => {
  assert.deepEqual(events('0 0 1,15 * mon', 'Europe/Berlin'), ['Mon *-*-* 00:00:00 Europe/Berlin', '*-*-01,15 00:00:00 Europe/Berlin']);
  assert.deepEqual(events('30 2 * * *', 'UTC'), ['*-*-* 02:30:00 UTC']);
  assert.deepEqual(events('30 2 * * *'), ['*-*-* 02:30:00'], 'no zone: the host zone, as cron');
});
