// Properties of the job-name rule: exactly the documented pattern, never a path out of the state
// directory, and names derived from any command always valid.
// Seeded (tests/helpers.ts propertyRuns): a failure prints fast-check's seed; FC_SEED=<seed> replays it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';
import { jobNameFromCommand, validateJobName } from '../../lib/rules/job-name.ts';

const RUNS = propertyRuns(3000);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const REST = `${ALNUM}._-`;

// The rule ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ spelled out character by character, apart from its regex.
function followsRule(name: string): boolean {
  if (name.length < 1 || name.length > 128) return false;
  if (!ALNUM.includes(name[0]!)) return false;
  for (const c of name.slice(1)) if (!REST.includes(c)) return false;
  return true;
}

// Names near the rule: its own characters, path characters, lookalikes, controls; lengths around 128.
const nearChar = fc.constantFrom(...REST.slice(0, 8), '.', '_', '-', '/', '\\', '\0', '\n', ' ', 'é', 'İ', 'Ａ', '٣', '\u200b', '$', '~');
const nearName = fc.oneof(
  fc.array(nearChar, { maxLength: 12 }).map((cs) => cs.join('')),
  fc.tuple(fc.constantFrom(...ALNUM), fc.integer({ min: 125, max: 130 })).map(([c, n]) => c.repeat(n)),
  fc.constantFrom('.', '..', '', '../x', 'a/b', '/', './a', 'a/..', '.hidden', '-x', '_x'),
);
const anyName = fc.oneof(nearName, fc.string({ unit: 'binary', maxLength: 140 }));
const validName = fc.tuple(fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...REST), { maxLength: 127 })).map(([first, rest]) => first + rest.join(''));

test('validateJobName accepts exactly the rule', () => {
  fc.assert(
    fc.property(fc.oneof(anyName, validName), (name) => {
      assert.equal(validateJobName(name) === null, followsRule(name), JSON.stringify(name));
    }),
    RUNS,
  );
});

test('a refused name gets one line naming the rule, whatever the name holds', () => {
  fc.assert(
    fc.property(anyName, (name) => {
      const message = validateJobName(name);
      if (message === null) return;
      assert.match(message, /must match \^\[A-Za-z0-9\]\[A-Za-z0-9\._-\]\{0,127\}\$/);
      // Controls (a newline, ESC) would break the one-line error or reach the terminal.
      assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u, JSON.stringify(message));
    }),
    RUNS,
  );
});

test('an accepted name cannot leave the directory: its files sit directly in it', () => {
  const dir = '/var/lib/hb';
  fc.assert(
    fc.property(fc.oneof(anyName, validName), (name) => {
      if (validateJobName(name) !== null) return;
      assert.ok(!name.includes('/') && !name.includes('\\') && !name.includes('\0'), name);
      assert.ok(name !== '.' && name !== '..' && !name.startsWith('.'), name);
      for (const file of [`${name}.last`, `${name}.run`, name]) {
        const path = join(dir, file);
        assert.equal(dirname(path), dir, path);
        assert.equal(basename(path), file, path);
      }
    }),
    RUNS,
  );
});

test('jobNameFromCommand always yields a valid name, taken from the base name when it has one', () => {
  const command = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.oneof(nearName, fc.constantFrom('usr', 'bin', 'backup.sh', '')), { maxLength: 6 }).map((parts) => parts.join('/')),
  );
  fc.assert(
    fc.property(command, (cmd) => {
      const name = jobNameFromCommand(cmd);
      assert.equal(validateJobName(name), null, `${JSON.stringify(cmd)} → ${JSON.stringify(name)}`);
      const base = cmd.split('/').filter(Boolean).pop() ?? '';
      if (followsRule(base)) assert.equal(name, base, 'a valid base name is kept as it is');
    }),
    RUNS,
  );
});
