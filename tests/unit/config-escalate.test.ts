// `escalate:` in the config: steps global or per job, each a duration and its own sinks, refused
// at their key paths when out of order or malformed; which notification types those sinks take.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { allSinks, escalationOf } from '../../lib/rules/config/types.ts';
import { receives } from '../../lib/rules/sinks/validate.ts';
import { refused } from './config-refusals.ts';

const parse = (text: string) => parseConfigText(text, 'hb.yaml', 'UTC');

test('escalate: steps global and per job, a job’s list replacing the global one, each sink named by its path', async () => {
  const config = await parse(
    [
      'notify:',
      '  - webhook: http://127.0.0.1:1/first',
      'escalate:',
      '  - after: 30m',
      '    notify:',
      '      - webhook: http://127.0.0.1:1/lead',
      '  - after: 2h',
      '    notify:',
      '      - email: ops@example.net',
      'jobs:',
      '  backup:',
      '    every: 1h',
      '    escalate:',
      '      - {after: 1h, notify: [{command: "true"}]}',
      '  dump: {every: 1h}',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    escalationOf(config, 'dump').map((s) => [s.afterMs, s.notify.map((n) => `${n.kind} ${n.where}`)]),
    [
      [30 * 60_000, ['webhook escalate[0].notify[0]']],
      [2 * 3600_000, ['email escalate[1].notify[0]']],
    ],
  );
  assert.deepEqual(
    escalationOf(config, 'backup').map((s) => [s.afterMs, s.notify.map((n) => `${n.kind} ${n.where}`)]),
    [[3600_000, ['command jobs.backup.escalate[0].notify[0]']]],
  );
  assert.deepEqual(escalationOf(config, 'unknown').length, 2, 'a job outside the config has the global steps');
  // Delivery finds a sink by its key among allSinks: escalation sinks must be there.
  assert.deepEqual(
    allSinks(config).map((s) => s.where),
    ['notify[0]', 'escalate[0].notify[0]', 'escalate[1].notify[0]', 'jobs.backup.escalate[0].notify[0]'],
  );
  const none = await parse('jobs:\n  a: {every: 1h}\n');
  assert.deepEqual(escalationOf(none, 'a'), []);
});

test('an escalation sink receives escalate and resolve, the others neither escalate nor late unless on: asks', async () => {
  const config = await parse(
    [
      'notify:',
      '  - webhook: http://127.0.0.1:1/first',
      '  - webhook: {url: http://127.0.0.1:1/early, on: [late]}',
      'escalate:',
      '  - after: 30m',
      '    notify:',
      '      - webhook: http://127.0.0.1:1/lead',
      '      - webhook: {url: http://127.0.0.1:1/quiet, on: [escalate]}',
      '',
    ].join('\n'),
  );
  const [first, early, lead, quiet] = allSinks(config);
  const table = (s: typeof first) => ['alert', 'remind', 'escalate', 'resolve', 'late', 'message'].filter((type) => receives(s!, type));
  assert.deepEqual(table(first), ['alert', 'remind', 'resolve', 'message']);
  assert.deepEqual(table(early), ['late']);
  assert.deepEqual(table(lead), ['escalate', 'resolve']);
  assert.deepEqual(table(quiet), ['escalate']);
});

test('escalate: refusals at their key paths: not a list, empty, out of order, missing keys, bad sinks, misplaced on: types', async () => {
  assert.deepEqual(await refused('escalate: 5\n'), [
    '1:11 escalate: expected a list of steps such as - {after: 30m, notify: [- webhook: URL]}, found number 5',
  ]);
  assert.deepEqual(await refused('escalate: []\n'), [
    '1:11 escalate: expected a list of steps such as - {after: 30m, notify: [- webhook: URL]}, found an empty list',
  ]);
  assert.deepEqual(
    await refused(
      [
        'escalate:',
        '  - after: 1h',
        '    notify: [{webhook: "http://x/"}]',
        '  - after: 30m',
        '    notify: []',
        '  - {notify: [{webhook: {url: "http://x/", on: [alert]}}], bogus: 1}',
        '  - {after: 0, notify: [{webhook: bad}]}',
        '  - {after: 3h}',
        '  - nope',
        '',
      ].join('\n'),
    ),
    [
      '4:12 escalate[1].after: expected a longer time than the step before (1h): steps go in order, found 30m',
      '5:13 escalate[1].notify: expected at least one sink (- webhook: URL, - email: ADDRESS …), found an empty list',
      '6:60 escalate[2].bogus: unknown key "bogus" in an escalation step (expected after, notify)',
      '6:5 escalate[2]: after is required: how long an incident stays open before this step (e.g. after: 30m)',
      '6:48 escalate[2].notify[0].webhook.on: a sink of an escalate: step receives escalate and resolve only (alerts, reminders and the rest go to the job\'s own sinks), found ["alert"]',
      '7:13 escalate[3].after: expected a duration longer than 0 such as 30m, found number 0',
      '7:35 escalate[3].notify[0].webhook.url: expected an http:// or https:// URL, found "bad"',
      '8:5 escalate[4]: notify is required: the sinks this step reaches',
      '9:5 escalate[5]: expected a map with after and notify, found string "nope"',
    ],
  );
  assert.deepEqual(await refused('jobs:\n  backup:\n    every: 1h\n    escalate:\n      - {after: 10x, notify: [{webhook: "http://x/"}]}\n'), [
    '5:17 jobs.backup.escalate[0].after: "10x" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)',
  ]);
  assert.deepEqual(await refused('notify:\n  - webhook: {url: "http://x/", on: [alert, escalate]}\n'), [
    '2:37 notify[0].webhook.on: escalate notifications go to the sinks of an escalate: step only: list this sink under escalate: […].notify, found ["alert","escalate"]',
  ]);
  assert.deepEqual(await refused('notify:\n  - webhook: {url: "http://x/", on: [early]}\n'), [
    '2:37 notify[0].webhook.on: expected a list of alert, remind, resolve, message, run_start, run_end, escalate, late, found ["early"]',
  ]);
});
