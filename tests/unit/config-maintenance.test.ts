// `maintenance:` in the config: windows taken globally (with `jobs:`) and under a job, the zone
// defaulting to the host's, and every refusal at its key with what was expected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { refused } from './config-refusals.ts';

const H = 3_600_000;

test('global and per-job windows are taken, each with its zone (the host zone by default) and a text for reasons', async () => {
  const text = [
    'maintenance:',
    '  - cron: "0 2 * * 0"',
    '    duration: 2h',
    '    tz: Europe/Berlin',
    '  - {cron: "30 23 * * *", duration: 90m, jobs: [a, b]}',
    'jobs:',
    '  a:',
    '    every: 1m',
    '    maintenance:',
    '      - {cron: "0 3 1 * *", duration: 3600}',
    '  b:',
    '    every: 1m',
  ].join('\n');
  const config = await parseConfigText(text, 'hb.yaml', 'America/New_York');
  assert.deepEqual(config.maintenance, [
    { schedule: { cron: '0 2 * * 0', tz: 'Europe/Berlin' }, durationMs: 2 * H, text: '0 2 * * 0 for 2h (Europe/Berlin)' },
    { schedule: { cron: '30 23 * * *', tz: 'America/New_York' }, durationMs: 1.5 * H, jobs: ['a', 'b'], text: '30 23 * * * for 90m (America/New_York)' },
  ]);
  assert.deepEqual(config.jobs.get('a')!.maintenance, [
    { schedule: { cron: '0 3 1 * *', tz: 'America/New_York' }, durationMs: H, text: '0 3 1 * * for 1h (America/New_York)' },
  ]);
  assert.equal(config.jobs.get('b')!.maintenance, undefined);
  // The compiled config keeps the windows as JSON: they must survive a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(config.maintenance)), config.maintenance);
});

test('an empty list is no window; seven days is the longest window', async () => {
  const config = await parseConfigText(
    'maintenance: []\njobs:\n  a:\n    every: 1m\n    maintenance:\n      - {cron: "0 0 1 * *", duration: 7d}\n',
    'hb.yaml',
    'UTC',
  );
  assert.deepEqual(config.maintenance, []);
  assert.equal(config.jobs.get('a')!.maintenance![0]!.durationMs, 7 * 24 * H);
});

test('every refusal of a window is at its key and says what was expected', async () => {
  assert.deepEqual(await refused('maintenance: {cron: "0 2 * * *"}\n'), [
    '1:14 maintenance: expected a list of windows (- cron: "0 2 * * 0", duration: 2h), found a map',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - 5\n'), [
    '2:5 maintenance[0]: expected a window with keys cron, duration, tz, jobs (e.g. {cron: "0 2 * * 0", duration: 2h}), found number 5',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {duration: 1h}\n'), [
    '2:5 maintenance[0]: a maintenance window needs cron: when it opens (e.g. cron: "0 2 * * 0")',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *"}\n'), [
    '2:5 maintenance[0]: a maintenance window needs duration: how long it lasts (e.g. duration: 2h)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: 5, duration: 1h}\n'), [
    '2:12 maintenance[0].cron: expected a cron expression such as "0 2 * * 0", found number 5',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 25 * * *", duration: 1h}\n'), [
    '2:12 maintenance[0].cron: 25 in the hour field is out of range (expected 0-23)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, tz: Mars/Base}\n'), [
    '2:43 maintenance[0].tz: unknown time zone "Mars/Base" (expected an IANA name such as Europe/Berlin or UTC)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, tz: 5}\n'), [
    '2:43 maintenance[0].tz: expected a time zone name such as Europe/Berlin, found number 5',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: "0s"}\n'), [
    '2:35 maintenance[0].duration: "0s" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 0}\n'), [
    '2:35 maintenance[0].duration: expected a duration longer than 0 such as 2h, found number 0',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: soon}\n'), [
    '2:35 maintenance[0].duration: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 7d1s}\n'), [
    '2:35 maintenance[0].duration: "7d1s" is longer than a window can last (at most 7d): for longer, pause the job with hb pause JOB and end it with hb resume JOB',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, when: x}\n'), [
    '2:39 maintenance[0].when: unknown key "when" in a maintenance window (expected one of cron, duration, tz, jobs)',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, jobs: []}\n'), [
    '2:45 maintenance[0].jobs: expected a list of job names (leave jobs: out for every job), found an empty list',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, jobs: a}\n'), [
    '2:45 maintenance[0].jobs: expected a list of job names (leave jobs: out for every job), found string "a"',
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 2 * * *", duration: 1h, jobs: [a, "x y", 3]}\n'), [
    '2:49 maintenance[0].jobs[1]: invalid job name "x y": a job name must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ (letters, digits, dot, underscore, dash; starting with a letter or digit; at most 128 characters)',
    '2:56 maintenance[0].jobs[2]: expected a job name, found number 3',
  ]);
});

test('a window under a job takes no jobs: list, and is refused at the job key', async () => {
  assert.deepEqual(await refused('jobs:\n  a:\n    every: 1m\n    maintenance:\n      - {cron: "0 2 * * *", duration: 1h, jobs: [a]}\n'), [
    '5:43 jobs.a.maintenance[0].jobs: unknown key "jobs" in a maintenance window (expected one of cron, duration, tz): a window under a job applies to that job; list jobs in a top-level maintenance: entry',
  ]);
  assert.deepEqual(await refused('jobs:\n  a:\n    every: 1m\n    maintenance: 2h\n'), [
    '4:18 jobs.a.maintenance: expected a list of windows (- cron: "0 2 * * 0", duration: 2h), found string "2h"',
  ]);
});

test('a window that never closes is refused: each one opens before, or as, the one before it ends', async () => {
  const never = (cron: string, duration: string) =>
    `a window of ${duration} opening at "${cron}" never closes (each one opens before the one before it ends), so its jobs would never be watched: make duration shorter than the time between the cron's fires, or pause the job with hb pause JOB`;
  assert.deepEqual(await refused('maintenance:\n  - {cron: "*/5 * * * *", duration: 10m}\n'), [`2:37 maintenance[0].duration: ${never('*/5 * * * *', '10m')}`]);
  // Windows that abut are one stretch, as a check sees them.
  assert.deepEqual(await refused('jobs:\n  a:\n    every: 1m\n    maintenance:\n      - {cron: "0 0 * * 0", duration: 7d}\n'), [
    `5:39 jobs.a.maintenance[0].duration: ${never('0 0 * * 0', '7d')}`,
  ]);
  assert.deepEqual(await refused('maintenance:\n  - {cron: "0 */6 * * *", duration: 6h}\n'), [`2:37 maintenance[0].duration: ${never('0 */6 * * *', '6h')}`]);
  // Windows that chain for a while and then close are taken: overnight, at weekends, in December.
  const closing = [
    '{cron: "*/5 * * * *", duration: 4m}',
    '{cron: "* 8-17 * * 1-5", duration: 2m}',
    '{cron: "* * * * 1-5", duration: 90s}',
    '{cron: "0 * * 1-11 *", duration: 1h, tz: Europe/Berlin}',
    // A window lasts real time: in Berlin, the night the clocks go back leaves 7h between 00:00 and 06:00.
    '{cron: "0 */6 * * *", duration: 6h, tz: Europe/Berlin}',
  ];
  const config = await parseConfigText(`maintenance:\n${closing.map((w) => `  - ${w}\n`).join('')}`, 'hb.yaml', 'UTC');
  assert.equal(config.maintenance!.length, closing.length);
});

test('every problem of a window is reported at once', async () => {
  const found = await refused('maintenance:\n  - {cron: "0 99 * * *", duration: 9d, tz: Nowhere/Land}\n');
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0]!, /maintenance\[0\]\.cron: 99 in the hour field/);
  assert.match(found[1]!, /maintenance\[0\]\.tz: unknown time zone "Nowhere\/Land"/);
  assert.match(found[2]!, /maintenance\[0\]\.duration: "9d" is longer than a window can last/);
});
