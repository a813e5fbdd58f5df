// Durations (parse/format) and the job-name rule (validate, derive from a command) as tables.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationHint, formatDuration, parseDuration } from '../../lib/rules/duration.ts';
import { JOB_NAME_RULE, jobNameFromCommand, validateJobName } from '../../lib/rules/job-name.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('parseDuration: units, compounds and plain seconds', () => {
  const rows: Array<[string, number]> = [
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1w', 7 * D],
    ['1h30m', 90 * M],
    ['500ms', 500],
    ['120', 120 * S],
    ['0', 0],
    ['1m30s', 90 * S],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['1.5h', 90 * M],
    [' 15m\n', 15 * M],
    ['1s500ms', 1500],
    ['0.5s', 500],
  ];
  for (const [text, ms] of rows) assert.equal(parseDuration(text), ms, JSON.stringify(text));
});

test('parseDuration refuses what is not a duration', () => {
  for (const text of ['soon', '', '   ', '-5m', '1x', 'm', '15 m', '1m30', '15M', '1.5', '1e3', '1h 30m', 'Infinity', '5m-', '.5m', '1,5h']) {
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
  // The parser keeps no state between calls (its regex is global and sticky).
  assert.equal(parseDuration('1x'), undefined);
  assert.equal(parseDuration('15m'), 15 * M);
  assert.equal(durationHint('soon'), '"soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)');
});

test('formatDuration: compact, at most two units, rounded to seconds above one second', () => {
  const rows: Array<[number, string]> = [
    [0, '0ms'],
    [250, '250ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1499, '1s'],
    [45 * S, '45s'],
    [59_999, '1m'],
    [90 * S, '1m30s'],
    [15 * M, '15m'],
    [2 * H, '2h'],
    [90 * M, '1h30m'],
    [3 * D + 4 * H + 5 * M, '3d4h'],
    [D + 5 * M, '1d5m'],
    [7 * D, '7d'],
    [-90 * S, '-1m30s'],
    [-250, '-250ms'],
    [Infinity, '-'],
    [NaN, '-'],
  ];
  for (const [ms, text] of rows) assert.equal(formatDuration(ms), text, String(ms));
  for (const text of ['15m', '2h', '1h30m', '45s', '250ms', '3d4h']) {
    assert.equal(formatDuration(parseDuration(text)!), text, `round trip ${text}`);
  }
});

test('validateJobName: the SPEC §2 rule', () => {
  for (const name of ['a', 'backup', 'A1', '9lives', 'db.backup-daily_2', 'x.', 'a..b', 'x'.repeat(128)]) {
    assert.equal(validateJobName(name), null, name);
  }
  for (const name of ['', '.hidden', '.', '..', '-x', '_x', '../x', 'a/b', '/abs', 'a b', 'x'.repeat(129), 'bäckup', 'a\n', 'a\0', 'a\\b', 'a:b']) {
    const why = validateJobName(name);
    assert.ok(why !== null, JSON.stringify(name));
    assert.ok(why.includes(JOB_NAME_RULE), `names the rule: ${why}`);
  }
  assert.match(validateJobName('')!, /^invalid job name an empty name: /);
  assert.match(validateJobName('../x')!, /^invalid job name "\.\.\/x": a job name must match/);
});

test('jobNameFromCommand: the base name, made to fit the rule', () => {
  const rows: Array<[string, string]> = [
    ['/usr/local/bin/backup.sh', 'backup.sh'],
    ['./.hidden', 'hidden'],
    ['backup', 'backup'],
    ['/opt/dir/', 'dir'],
    ['my script (v2)!.sh', 'my_script_v2_.sh'],
    ['bäckup', 'b_ckup'],
    ['__init__.py', 'init__.py'],
    ['-rf', 'rf'],
    ['ä.sh', 'sh'],
    ['', 'job'],
    ['/', 'job'],
    ['...', 'job'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ];
  for (const [command, name] of rows) {
    const got = jobNameFromCommand(command);
    assert.equal(got, name, command);
    assert.equal(validateJobName(got), null, `${JSON.stringify(command)} → ${got} is valid`);
  }
});
