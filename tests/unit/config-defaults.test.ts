// `defaults:` in the config: every key it takes is read and used — grace, timeout, max_runtime and
// tail — never accepted and then ignored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { refused } from './config-refusals.ts';
import { tickPlan, wrapPlan } from '../../lib/rules/run/plan.ts';
import { evaluateJob, type EvalContext } from '../../lib/rules/health/evaluate.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';

test('defaults.tail is every job’s tail unless it sets its own, for tick and wrap; a flag still wins', async () => {
  const config = await parseConfigText(
    'defaults: {tail: 100}\njobs:\n  a: {every: 1h, command: "true"}\n  b: {every: 1h, command: "true", tail: 7}\n',
    'hb.yaml',
    'UTC',
  );
  assert.equal(config.defaults.tailBytes, 100);
  assert.equal(tickPlan(config.jobs.get('a'), config.defaults).tailBytes, 100);
  assert.equal(tickPlan(config.jobs.get('b'), config.defaults).tailBytes, 7);
  assert.equal(wrapPlan({ command: ['true'], lock: false, skipCode: 0 }, undefined, config.defaults).tailBytes, 100);
  assert.equal(wrapPlan({ command: ['true'], lock: false, skipCode: 0, tailBytes: 9 }, undefined, config.defaults).tailBytes, 9);
});

test('defaults.max_runtime is the overrunning limit of a job that sets no max_runtime, ahead of its timeout', async () => {
  const config = await parseConfigText('defaults: {max_runtime: 10m}\njobs:\n  a: {every: 1h}\n  b: {every: 1h, max_runtime: 1h}\n', 'hb.yaml', 'UTC');
  assert.equal(config.defaults.maxRuntimeMs, 600_000);
  const now = Date.parse('2026-12-03T12:00:00Z');
  const ctx: EvalContext = { nowMs: now, defaults: config.defaults, timing: (spec, anchor) => compileSchedule(spec, 'UTC').timing(anchor) };
  const started = new Date(now - 20 * 60_000).toISOString();
  const judge = (job: 'a' | 'b') =>
    evaluateJob(
      {
        job,
        heartbeat: null,
        file: null,
        run: { job, pid: process.pid, started_at: started, host: 'h', cycle: 1, timeout_ms: 3600_000, boot_id: null, pid_started_ms: null },
        runGone: { gone: false, reason: '' },
        config: config.jobs.get(job)!,
        firstSeenMs: now - 20 * 60_000,
        pausedUntilMs: null,
      },
      ctx,
    ).status;
  assert.equal(judge('a'), 'overrunning', '20 minutes is past the default 10m, whatever the run’s 1h timeout');
  assert.equal(judge('b'), 'running', 'its own max_runtime wins');
});

test('defaults.tail and defaults.max_runtime are checked; tail 0 with a job’s output rules and no tail of its own is refused', async () => {
  assert.deepEqual(await refused('defaults: {tail: -1, max_runtime: 0}\n'), [
    '1:35 defaults.max_runtime: expected a duration such as 15m, found number 0',
    '1:18 defaults.tail: expected a whole number from 0 to 1048576, found number -1',
  ]);
  assert.deepEqual(await refused('defaults: {tail: 0}\njobs:\n  a:\n    every: 1h\n    output: {fail_on: [ERROR]}\n'), [
    '5:13 jobs.a.output: output rules read the output tail, but defaults.tail: 0 keeps none (give the job its own tail)',
  ]);
  const own = await parseConfigText('defaults: {tail: 0}\njobs:\n  a:\n    every: 1h\n    tail: 64\n    output: {fail_on: [ERROR]}\n', 'hb.yaml', 'UTC');
  assert.equal(own.jobs.get('a')?.tailBytes, 64, 'a job with its own tail is taken');
});
