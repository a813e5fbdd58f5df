// Durations in the config: one parser (configDuration) with the minimum as a parameter, and each
// config key's minimum — longer than 0 for the job, defaults and sink keys and recovery's
// timeout, 0 allowed for recovery's settle (a wait) — refused with its message at file:line:col.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { ABOVE_ZERO, configDuration } from '../../lib/rules/duration.ts';
import { refused } from './config-refusals.ts';

test('configDuration: seconds or a duration string, in ms, at least the minimum', () => {
  assert.equal(configDuration(90, ABOVE_ZERO), 90_000);
  assert.equal(configDuration(1.5, ABOVE_ZERO), 1500);
  assert.equal(configDuration('1h30m', ABOVE_ZERO), 5_400_000);
  assert.equal(configDuration(0.0001, ABOVE_ZERO), 0.1, 'ABOVE_ZERO: anything longer than 0');
  for (const zero of [0, '0', '0s', -0]) assert.equal(configDuration(zero, ABOVE_ZERO), undefined, `ABOVE_ZERO refuses ${String(zero)}`);
  for (const zero of [0, '0', '0s']) assert.equal(configDuration(zero, 0), 0, `minimum 0 takes ${String(zero)}`);
  assert.equal(configDuration(0.0001, 1), undefined, 'minimum 1 ms refuses 0.1 ms');
  assert.equal(configDuration('1ms', 1), 1);
  assert.equal(configDuration(999, 1_000_000), undefined);
  assert.equal(configDuration(1000, 1_000_000), 1_000_000);
  for (const bad of [-5, Number.NaN, '-5m', 'soon', '', true, null, [], {}]) {
    for (const min of [ABOVE_ZERO, 0, 1]) assert.equal(configDuration(bad, min), undefined, `${JSON.stringify(bad)} at minimum ${min}`);
  }
});

test('job and defaults durations must be longer than 0, each refusal located', async () => {
  for (const key of ['grace', 'timeout', 'max_runtime', 'min_duration', 'remind']) {
    assert.deepEqual(
      await refused(`jobs:\n  a:\n    every: 1m\n    ${key}: 0\n`),
      [`4:${7 + key.length} jobs.a.${key}: expected a duration such as 15m, found number 0`],
      key,
    );
    assert.deepEqual(
      await refused(`jobs:\n  a:\n    ${key}: "0s"\n`),
      [`3:${7 + key.length} jobs.a.${key}: "0s" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)`],
      key,
    );
    const c = await parseConfigText(`jobs:\n  a:\n    ${key}: 1ms\n`, 'hb.yaml', 'UTC');
    assert.ok(Object.values(c.jobs.get('a')!).includes(1), `${key}: 1ms is taken`);
  }
  assert.deepEqual(await refused('defaults:\n  grace: -5\n  timeout: soon\n'), [
    '2:10 defaults.grace: expected a duration such as 15m, found number -5',
    '3:12 defaults.timeout: "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)',
  ]);
});

test('a sink timeout must be longer than 0, located', async () => {
  const sink = (timeout: string) => `notify:\n  - webhook:\n      url: http://127.0.0.1:9/h\n      timeout: ${timeout}\n`;
  assert.deepEqual(await refused(sink('0')), ['4:16 notify[0].webhook.timeout: expected a duration such as 10s, found 0']);
  assert.deepEqual(await refused(sink('"0s"')), [
    '4:16 notify[0].webhook.timeout: "0s" is zero (expected a duration longer than 0, e.g. 90s, 15m, 2h, 1d, 1h30m)',
  ]);
  const c = await parseConfigText(sink('1ms'), 'hb.yaml', 'UTC');
  assert.equal(c.notify[0]?.timeoutMs, 1);
});

test('recovery: settle (a wait) may be 0, timeout must be at least 1ms, each refusal located', async () => {
  const job = (extra: string) =>
    `jobs:\n  agent:\n    every: 5m\n    command: "true"\n    recover:\n      config: [/etc/agent.conf]\n      restart: "true"\n${extra}`;
  const c = await parseConfigText(job('      settle: 0\n      timeout: 1ms\n'), '/etc/hb/hb.yaml', 'UTC');
  const policy = c.jobs.get('agent')?.recover;
  assert.deepEqual([policy?.settleMs, policy?.timeoutMs], [0, 1]);
  assert.deepEqual(await refused(job('      settle: -1\n      timeout: 0\n')), [
    '8:15 jobs.agent.recover.settle: expected a duration such as 10s (how long to wait after a restart before checking health again), found number -1',
    '9:16 jobs.agent.recover.timeout: expected a duration such as 1m (the limit for the health check and the restart command), found number 0',
  ]);
});

test('events_keep: how long the event log is kept, a duration longer than 0, refused where it stands; absent, no setting', async () => {
  assert.equal((await parseConfigText('events_keep: 30d\n', 'hb.yaml', 'UTC')).eventsKeepMs, 30 * 86_400_000);
  assert.equal((await parseConfigText('events_keep: 36h\njobs: {}\n', 'hb.yaml', 'UTC')).eventsKeepMs, 36 * 3_600_000);
  assert.equal((await parseConfigText('jobs: {}\n', 'hb.yaml', 'UTC')).eventsKeepMs, undefined, 'the default week comes from lib/rules/events/retention.ts');
  assert.deepEqual(await refused('events_keep: 0\n'), ['1:14 events_keep: expected a duration such as 15m, found number 0']);
  assert.deepEqual(await refused('events_keep: forever\n'), ['1:14 events_keep: "forever" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)']);
});
