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
