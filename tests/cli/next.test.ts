// `hb next` through the built CLI: when Debian cron really fires, including the month ends and
// OR-ed day fields the evaluator once got wrong, in text and JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hb, sandbox } from '../helpers.ts';

const next = (args: string[]) => {
  const s = sandbox();
  try {
    return hb(['next', ...args], { env: s.env });
  } finally {
    s.cleanup();
  }
};

test('month ends: the first days of a month after a short one are not lost', () => {
  const cases: Array<[expr: string, from: string, first: string[]]> = [
    ['0 0 1,31 * *', '2026-02-28T12:00:00Z', ['2026-03-01T00:00:00+00:00', '2026-03-31T00:00:00+00:00', '2026-04-01T00:00:00+00:00']],
    ['0 0 1,30 * *', '2026-02-28T12:00:00Z', ['2026-03-01T00:00:00+00:00', '2026-03-30T00:00:00+00:00', '2026-04-01T00:00:00+00:00']],
    ['0 0 */5 * *', '2026-02-28T12:00:00Z', ['2026-03-01T00:00:00+00:00', '2026-03-06T00:00:00+00:00', '2026-03-11T00:00:00+00:00']],
  ];
  for (const [expr, from, want] of cases) {
    const r = next([expr, '--tz', 'UTC', '--from', from, '-n', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).next, want, expr);
  }
});

test('both day fields restricted: Debian ORs them, so 1 March (a Sunday) fires for "1 * MON"', () => {
  for (const expr of ['0 0 1 * MON', '0 0 1,15 * MON', '0 0 1-7 * MON']) {
    const r = next([expr, '--tz', 'UTC', '--from', '2026-02-25T06:00:00Z', '-n', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^2026-03-01T00:00:00\+00:00 /, `${expr}: ${r.stdout}`);
    assert.match(lines[1]!, /^2026-03-02T00:00:00\+00:00 /, `${expr}: ${r.stdout}`);
  }
  // A day field that starts with `*` ANDs: Mondays that are odd days only.
  const and = next(['0 0 */2 * MON', '--tz', 'UTC', '--from', '2026-02-25T06:00:00Z', '-n', '1', '--json']);
  assert.deepEqual(JSON.parse(and.stdout).next, ['2026-03-09T00:00:00+00:00']);
});

test('at the end of year 9999: what there is, then one stderr line saying no more fall in range; exit 0', () => {
  const utc = next(['* * * * *', '--tz', 'UTC', '--from', '9999-12-31T23:58:00Z', '-n', '3']);
  assert.equal(utc.code, 0, utc.stderr);
  assert.equal(utc.stdout, '9999-12-31T23:59:00+00:00  (9999-12-31T23:59:00Z)\n');
  assert.equal(utc.stderr, "hb: next: only 1 of 3 fire times fall before year 10000 (UTC): hb's times end with year 9999\n");
  // Local 10000-01-01T00:59+01:00 is 9999-12-31T23:59Z: a time past year 9999 anywhere is not printed.
  const berlin = next(['* * * * *', '--tz', 'Europe/Berlin', '--from', '9999-12-31T23:58:00Z', '-n', '3', '--json']);
  assert.equal(berlin.code, 0, berlin.stderr);
  assert.deepEqual(JSON.parse(berlin.stdout), { next: [] });
  assert.equal(berlin.stderr, "hb: next: no fire time falls before year 10000 (in Europe/Berlin and in UTC): hb's times end with year 9999\n");
  const ny = next(['0 * * * *', '--tz', 'America/New_York', '--from', '9999-12-31T20:00:00Z', '-n', '5']);
  assert.deepEqual(
    ny.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]),
    ['9999-12-31T16:00:00-05:00', '9999-12-31T17:00:00-05:00', '9999-12-31T18:00:00-05:00'],
  );
  assert.match(ny.stderr, /only 3 of 5 fire times/);
  const plenty = next(['0 0 * * *', '--tz', 'UTC', '--from', '9999-12-01T00:00:00Z', '-n', '3']);
  assert.equal(plenty.stderr, '', 'no word when all asked fall in range');
});
