// Quiet mode's pure parts: the line a failed quiet run ends with, and wrap's --quiet merged over
// a job's configured rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietExitReason } from '../../lib/rules/outcome/quiet.ts';
import { mergeRules, wrapPlan } from '../../lib/rules/run/plan.ts';

const exit = { code: 0, signal: null, timedOut: false, spawnFailed: false };

test('a failed quiet run says its exit code, the signal that killed it or its timeout; nothing for a success or a command that never started', () => {
  assert.equal(quietExitReason({ ...exit, code: 3 }, undefined), 'exit code 3');
  assert.equal(quietExitReason({ ...exit, code: 137, signal: 'SIGKILL' }, undefined), 'killed by SIGKILL');
  assert.equal(quietExitReason({ ...exit, code: 143, signal: 'SIGTERM', timedOut: true }, 90_000), 'timed out after 90s');
  assert.equal(quietExitReason({ ...exit, code: 143, signal: 'SIGTERM', timedOut: true }, undefined), 'timed out');
  assert.equal(quietExitReason({ ...exit, code: 127, spawnFailed: true }, undefined), null);
  assert.equal(quietExitReason(exit, undefined), null);
});

test("wrap's rule flags win over the job's configured rules key by key; a flag not given leaves the config's", () => {
  assert.equal(mergeRules(undefined, undefined), undefined);
  assert.equal(mergeRules(undefined, { quiet: undefined }), undefined);
  assert.deepEqual(mergeRules(undefined, { quiet: true }), { quiet: true });
  const configured = { quiet: false, okCodes: [0, 1] };
  assert.equal(mergeRules(configured, { quiet: undefined }), configured);
  assert.deepEqual(mergeRules(configured, { quiet: true }), { quiet: true, okCodes: [0, 1] });
  const wrap = { command: ['run'], lock: false, skipCode: 0 };
  assert.deepEqual(wrapPlan({ ...wrap, rules: { quiet: true } }, { name: 'j', outcome: { okCodes: [1] } }, {}).rules, { okCodes: [1], quiet: true });
  assert.deepEqual(wrapPlan(wrap, { name: 'j', outcome: { quiet: true } }, {}).rules, { quiet: true });
  assert.equal('rules' in wrapPlan(wrap, undefined, {}), false, 'no rules key without rules');
});
