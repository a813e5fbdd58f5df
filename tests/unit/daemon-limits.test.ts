// hb daemon's limits as config rules: no `every` below the floor for a job the daemon runs
// (located at file:line:col like any config problem), `overlap` a boolean. --max-concurrent is
// tests/unit/option-values.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { selectJobs } from '../../lib/rules/daemon/jobs.ts';
import { daemonConfigProblems, MIN_INTERVAL_MS } from '../../lib/rules/daemon/limits.ts';
import { ConfigError } from '../../lib/rules/errors.ts';

const problemsOf = async (text: string) => {
  try {
    await parseConfigText(text, 'hb.yaml', 'UTC', daemonConfigProblems);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  }
};

test('an every below 1s is refused for each job the daemon runs, hb-check included, with its location', async () => {
  assert.equal(MIN_INTERVAL_MS, 1000);
  const text = [
    'jobs:',
    '  fast:',
    '    every: 1ms',
    '    command: "sleep 3"',
    '  ok:',
    '    every: 1s',
    '    command: "true"',
    '  pinged:',
    '    every: 10ms',
    '  hb-check:',
    '    every: 999ms',
    '',
  ].join('\n');
  assert.deepEqual(
    await problemsOf(text),
    [
      "3:12 jobs.fast.every: 1ms is shorter than hb daemon's minimum interval of 1s (each run is a new process); use every: 1s or longer",
      "11:12 jobs.hb-check.every: 999ms is shorter than hb daemon's minimum interval of 1s (each run is a new process); use every: 1s or longer",
    ],
    'a job the daemon does not run (no command) is not its concern',
  );
  // The same config is fine for every other command: the floor is the daemon's.
  await parseConfigText(text, 'hb.yaml', 'UTC');
});

test("overlap: a boolean, carried to the daemon's job; absent means no overlap", async () => {
  assert.match(
    (await problemsOf('jobs:\n  a:\n    every: 1m\n    command: x\n    overlap: sometimes\n')).join('\n'),
    /^5:14 jobs\.a\.overlap: expected true or false \(may hb daemon start a run while the previous one goes\), found string "sometimes"$/,
  );
  const config = await parseConfigText(
    'jobs:\n  a:\n    every: 1m\n    command: x\n    overlap: true\n  b:\n    every: 1m\n    command: x\n',
    'hb.yaml',
    'UTC',
  );
  const jobs = selectJobs(config, 'UTC').jobs;
  assert.equal(jobs.find((j) => j.name === 'a')?.overlap, true);
  assert.equal(jobs.find((j) => j.name === 'b')?.overlap, undefined);
});
