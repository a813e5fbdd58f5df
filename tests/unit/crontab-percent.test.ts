// Debian cron's `%` and backslash rules: what the shell and the command's stdin receive for a
// command as written. Every case here was run under a real `cron -f` (tests/system/cron-verdicts
// runs some of them again); adopt must write lines that keep exactly that meaning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { adoptCrontab } from '../../lib/rules/crontab/adopt.ts';
import { parseCrontab } from '../../lib/rules/crontab/parse.ts';
import { escapeForCron, splitPercent } from '../../lib/rules/crontab/percent.ts';
import { crontabCommand } from '../../lib/rules/crontab/words.ts';
import { escapePercent } from '../../lib/rules/doctor/line-rules.ts';

const spawnSh = (command: string) => spawnSync('sh', ['-n', '-c', command], { encoding: 'utf8' });

// As written in the crontab → [what the shell receives, the stdin cron writes].
const SEEN: Array<[string, string, string | null]> = [
  ['a\\%b', 'a%b', null],
  ['a\\\\%b%c', 'a\\', 'b\nc\n'],
  ['a\\\\\\%b', 'a\\%b', null],
  ['a\\\\b', 'a\\b', null],
  ['a\\\\\\\\b', 'a\\\\b', null],
  ['a\\b', 'a\\b', null],
  ['x\\\\', 'x\\', null],
  ['x%a\\\\%b\\%c\\\\d\\e%f', 'x', 'a\\%b%c\\\\d\\e\nf\n'],
  ['x%', 'x', ''],
  ['x%a%', 'x', 'a\n'],
  ['x%a\\', 'x', 'a\\\n'],
  ['x%a\\\\', 'x', 'a\\\\\n'],
  ['x%a%%', 'x', 'a\n\n'],
  ['\\\\\\\\\\\\%x', '\\\\\\', 'x\n'],
];

test('splitPercent gives what a real cron -f gave the shell and the stdin', () => {
  for (const [written, command, stdin] of SEEN) {
    assert.deepEqual(splitPercent(written), { command, stdin }, JSON.stringify(written));
  }
});

test('escapeForCron: cron hands the shell back exactly the text, whatever its backslashes and %', () => {
  for (const text of ['a\\', 'a\\\\', 'a\\%b', '100%', '\\%\\\\%%', "printf '%s\\n' x", '\\', 'plain']) {
    const written = escapeForCron(text);
    assert.deepEqual(splitPercent(written), { command: text, stdin: null }, `${JSON.stringify(text)} written as ${JSON.stringify(written)}`);
  }
  assert.equal(escapeForCron('a\\b'), 'a\\b', 'a backslash cron leaves alone is written once');
  assert.equal(crontabCommand(['sh', '-c', 'echo a\\\\%b']), "sh -c 'echo a\\\\\\\\\\%b'");
});

test("doctor's fix escapes only the % that start stdin, after a \\\\ too", () => {
  assert.equal(escapePercent('date +\\\\%F'), 'date +\\\\\\%F');
  const fixed = escapePercent('x \\\\%a %b \\%c');
  assert.deepEqual(splitPercent(fixed), { command: 'x \\%a %b %c', stdin: null });
});

test('adopt: a \\\\% line keeps its meaning — the same shell text, the same stdin', () => {
  const written = 'echo done \\\\%line one%line two';
  const r = adoptCrontab(parseCrontab(`0 3 * * * ${written}\n`, { kind: 'user', file: 'f' }), {
    exec: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' },
    hostTz: 'UTC',
    taken: new Set(),
  });
  assert.equal(r.adopted.length, 1);
  const line = parseCrontab(r.text, { kind: 'user', file: 'f' }).lines[0]!;
  assert.ok(line.kind === 'job', r.text);
  const before = splitPercent(written);
  assert.equal(before.command, 'echo done \\');
  assert.equal(line.stdin, before.stdin, 'cron feeds the same stdin');
  assert.deepEqual(line.hb[0]!.wrapped, ['/bin/sh', '-c', before.command], `the shell receives the same command: ${r.text}`);
  const sh = spawnSh(line.hb[0]!.wrapped[2]!);
  assert.equal(sh.status, 0, `sh -n accepts the adopted command: ${sh.stderr}`);
});
