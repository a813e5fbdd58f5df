// One parse function per valued tick/wrap option: its value, or a usage error naming the flag and what it expects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optionValue, parseGrace, parsePauseFor, parseSkipCode, parseTail, parseTimeout } from '../../bin/option-values.ts';

const refusal = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: Error & { exitCode?: number }) => e.exitCode === 2 && pattern.test(e.message));

test('duration options give milliseconds and refuse zero or a non-duration, naming the flag', () => {
  for (const [parse, flag] of [[parseGrace, '--grace'], [parseTimeout, '--timeout'], [parsePauseFor, '--for']] as const) {
    assert.equal(parse('1h30m'), 5_400_000);
    assert.equal(parse('90'), 90_000);
    refusal(() => parse('0'), new RegExp(`^${flag}: "0" is zero \\(expected a duration longer than 0`));
    refusal(() => parse('soon'), new RegExp(`^${flag}: "soon" is not a duration \\(expected e\\.g\\. 90s`));
  }
});

test('whole-number options take their range and refuse anything else, naming the flag and the range', () => {
  assert.equal(parseSkipCode('0'), 0);
  assert.equal(parseSkipCode('255'), 255);
  refusal(() => parseSkipCode('256'), /^--skip-code: expected a whole number from 0 to 255, found "256"$/);
  refusal(() => parseSkipCode('-1'), /^--skip-code: expected a whole number from 0 to 255, found "-1"$/);
  assert.equal(parseTail(String(1 << 20)), 1 << 20);
  refusal(() => parseTail('1.5'), /^--tail: expected a whole number from 0 to 1048576, found "1.5"$/);
  refusal(() => parseTail(''), /^--tail: expected a whole number from 0 to 1048576, found ""$/);
});

test('an option that was not given has no value and is not parsed', () => {
  assert.equal(optionValue(undefined, parseSkipCode), undefined);
  assert.equal(optionValue('7', parseSkipCode), 7);
});
