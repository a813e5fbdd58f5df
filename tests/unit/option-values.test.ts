// One parse function per valued option of hb: its value, or a usage error naming the flag and what it expects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_PAUSE_MS,
  parseCrontabUser,
  parseCycle,
  parseGrace,
  parseMaxConcurrent,
  parseNextCount,
  parsePauseFor,
  parsePing,
  parseSince,
  parseSkipCode,
  parseStopTimeout,
  parseStopWait,
  parseSystemdUser,
  parseTail,
  parseTimeout,
} from '../../bin/option-values.ts';
import { UsageError } from '../../lib/rules/errors.ts';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';

const refusal = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: Error & { exitCode?: number }) => e instanceof UsageError && e.exitCode === 2 && pattern.test(e.message), String(pattern));

test('a period, a tolerance, a window or a limit on a run must be longer than 0: --grace, --timeout (wrap), --since', () => {
  for (const [parse, flag] of [
    [parseGrace, '--grace'],
    [parseTimeout, '--timeout'],
    [parseSince, '--since'],
  ] as const) {
    assert.equal(parse('1h30m'), 5_400_000, flag);
    assert.equal(parse('90'), 90_000, flag);
    assert.equal(parse('1ms'), 1, flag);
    for (const zero of ['0', '0s', '0m'])
      refusal(() => parse(zero), new RegExp(`^${flag}: "${zero}" is zero \\(expected a duration longer than 0, e\\.g\\. 90s`));
    refusal(() => parse('soon'), new RegExp(`^${flag}: "soon" is not a duration \\(expected e\\.g\\. 90s, 15m`));
    refusal(() => parse(''), new RegExp(`^${flag}: "" is not a duration`));
    refusal(() => parse('-5m'), new RegExp(`^${flag}: "-5m" is not a duration`));
    refusal(() => parse('99999999999999999d'), new RegExp(`^${flag}: "99999999999999999d" is too long for a duration`));
  }
});

test('a wait may be 0, meaning do not wait: --stop-timeout (daemon start), --timeout (daemon stop)', () => {
  for (const [parse, flag] of [
    [parseStopTimeout, '--stop-timeout'],
    [parseStopWait, '--timeout'],
  ] as const) {
    for (const zero of ['0', '0s', '0ms']) assert.equal(parse(zero), 0, `${flag} ${zero}`);
    assert.equal(parse('300ms'), 300, flag);
    assert.equal(parse('2m'), 120_000, flag);
    refusal(() => parse('soon'), new RegExp(`^${flag}: "soon" is not a duration \\(expected e\\.g\\. 90s, 15m, 2h, 1d, 1h30m\\)$`));
    refusal(() => parse('-1s'), new RegExp(`^${flag}: "-1s" is not a duration`));
  }
});

test('--for (pause): longer than 0 and at most 100 years, each refusal saying how to pause until hb resume', () => {
  assert.equal(parsePauseFor('2h'), 7_200_000);
  assert.equal(parsePauseFor('36500d'), MAX_PAUSE_MS);
  for (const zero of ['0', '0s', '0m']) {
    refusal(() => parsePauseFor(zero), new RegExp(`^--for: a pause must be longer than 0, found "${zero}" \\(leave --for out to pause until hb resume\\)$`));
  }
  for (const long of ['99999999d', '36501d', '9999999999999999999999d']) {
    refusal(() => parsePauseFor(long), new RegExp(`^--for: a pause can last at most 36500d \\(100 years\\), found "${long}" \\(leave --for out`));
  }
  refusal(() => parsePauseFor('soon'), /^--for: "soon" is not a duration/);
});

test('whole-number options take their range and refuse anything else, naming the flag and the range', () => {
  const ranges: Array<[(text: string) => number, string, number, number]> = [
    [parseSkipCode, '--skip-code', 0, 255],
    [parseTail, '--tail', 0, 1 << 20],
    [parseMaxConcurrent, '--max-concurrent', 1, 1000],
    [parseNextCount, '-n', 1, 1000],
  ];
  for (const [parse, flag, min, max] of ranges) {
    assert.equal(parse(String(min)), min, flag);
    assert.equal(parse(String(max)), max, flag);
    assert.equal(parse(` ${max} `), max, `${flag}: blanks around the digits, as around a duration`);
    for (const bad of [String(min - 1), String(max + 1), '1.5', 'many', '', '+3', '0x10', '1e3']) {
      refusal(() => parse(bad), new RegExp(`^${flag}: expected a whole number from ${min} to ${max}, found "${bad.replace(/[.+]/g, '\\$&')}"$`));
    }
  }
  refusal(() => parseTail('1\u001b[2J'), /^--tail: expected a whole number from 0 to 1048576, found "1\\u001b\[2J"$/);
});

test('--user: a login name for hb crontab; a login name or a numeric uid for hb systemd', () => {
  assert.equal(parseCrontabUser('backup'), 'backup');
  assert.equal(parseSystemdUser('backup'), 'backup');
  assert.equal(parseSystemdUser('1000'), '1000');
  refusal(() => parseCrontabUser('1000'), /^--user: "1000" is not a login name \(e\.g\. backup\)$/);
  for (const bad of ['a b', '', '-x', 'x'.repeat(33)]) {
    refusal(() => parseCrontabUser(bad), /^--user: ".*" is not a login name \(e\.g\. backup\)$/);
    refusal(() => parseSystemdUser(bad), /^--user: ".*" is not a user name \(expected a login name such as backup, or a numeric uid\)$/);
  }
});

test('for any text, each parse function gives its value or one line naming its flag (a UsageError, never another error)', () => {
  const parsers: Array<[(text: string) => unknown, string]> = [
    [parseGrace, '--grace'],
    [parseTimeout, '--timeout'],
    [parseSince, '--since'],
    [parsePauseFor, '--for'],
    [parseStopTimeout, '--stop-timeout'],
    [parseStopWait, '--timeout'],
    [parseSkipCode, '--skip-code'],
    [parseTail, '--tail'],
    [parseMaxConcurrent, '--max-concurrent'],
    [parseNextCount, '-n'],
    [parseCrontabUser, '--user'],
    [parseSystemdUser, '--user'],
    [parseCycle, '--cycle'],
    [parsePing, '--ping'],
  ];
  const text = fc.oneof(fc.string(), fc.stringMatching(/^\s?\d{0,20}(\.\d)?(ms|s|m|h|d|w)?\s?$/), fc.constantFrom('\u001b[31m', '\n', '\u200b', '１'));
  fc.assert(
    fc.property(fc.constantFrom(...parsers), text, ([parse, flag], t) => {
      try {
        parse(t);
      } catch (e) {
        assert.ok(e instanceof UsageError, `${flag} ${JSON.stringify(t)}: ${String(e)}`);
        assert.ok(e.message.startsWith(`${flag}: `) && !e.message.includes('\n'), e.message);
      }
    }),
    propertyRuns(2000),
  );
});
