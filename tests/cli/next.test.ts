// `hb next` through the built CLI: when Debian cron really fires, including the month ends and
// OR-ed day fields the evaluator once got wrong, in text and JSON; given a job, its maintenance windows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('a job instead of an expression: its next maintenance windows, its own and the global ones naming it, an open one first', () => {
  const s = sandbox();
  try {
    const config = join(s.root, 'hb.yaml');
    writeFileSync(
      config,
      [
        'maintenance:',
        '  - {cron: "0 2 * * 0", duration: 2h, tz: Europe/Berlin, jobs: [backup]}',
        '  - {cron: "0 5 * * *", duration: 1h, tz: UTC, jobs: [web]}',
        'jobs:',
        '  backup:',
        '    every: 1h',
        '    maintenance:',
        '      - {cron: "30 23 * * 6", duration: 30m, tz: UTC}',
        '  web:',
        '    every: 1h',
        '  quiet:',
        '    every: 1h',
        '',
      ].join('\n'),
    );
    const env = { ...s.env, HB_CONFIG: config };
    // Saturday 2026-03-28 23:40Z: the job's own window is open; Sunday's falls after the spring-forward gap.
    let r = hb(['next', 'backup', '--from', '2026-03-28T23:40:00Z', '-n', '3', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      job: 'backup',
      maintenance: [
        { opens: '2026-03-28T23:30:00+00:00', closes: '2026-03-29T00:00:00+00:00', window: '30 23 * * 6 for 30m (UTC)' },
        { opens: '2026-03-29T03:00:00+02:00', closes: '2026-03-29T05:00:00+02:00', window: '0 2 * * 0 for 2h (Europe/Berlin)' },
        { opens: '2026-04-04T23:30:00+00:00', closes: '2026-04-05T00:00:00+00:00', window: '30 23 * * 6 for 30m (UTC)' },
      ],
    });
    r = hb(['next', 'backup', '--from', '2026-03-29T00:00:00Z', '-n', '1'], { env });
    assert.equal(r.stdout, '2026-03-29T03:00:00+02:00 until 2026-03-29T05:00:00+02:00  (2026-03-29T01:00:00Z)  0 2 * * 0 for 2h (Europe/Berlin)\n');
    r = hb(['next', 'quiet'], { env });
    assert.deepEqual([r.code, r.stdout], [0, 'quiet: no maintenance window (maintenance: in the config gives some)\n']);
    r = hb(['next', 'nope'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^hb: no job named nope in the config \(hb next takes a cron expression such as "0 2 \* \* \*", or a configured job/);
    r = hb(['next', 'backup', '--tz', 'UTC'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tz applies to a cron expression; the windows of backup are shown in their own zones/);
  } finally {
    s.cleanup();
  }
});
