// What the shell makes of a word when the variables are known, against dash itself: every word
// hb claims to know is handed to the real /bin/sh with the same variables, and must come out
// as the same fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { assignedValue, lineLookup, wordFields } from '../../lib/rules/crontab/expand.ts';
import { programsOf } from '../../lib/rules/crontab/programs.ts';

const VARS: Record<string, string> = { HOME: '/home/alice', PATH: '/usr/bin:/bin', PY: '/usr/bin/python3', OPTS: '-u  -W ignore', EMPTY: '', SPACED: ' a b ' };
const lookup = (name: string) => VARS[name] ?? null;

// Words hb knows (its fields must match sh's) and words it must leave to the shell (null).
const KNOWN = [
  'plain',
  '$PY',
  '${PY}',
  '"$PY"',
  "'$PY'",
  '\\$PY',
  '$PY/x',
  '"$HOME/a b"',
  '~/bin/x',
  '~',
  "'~/x'",
  'a~',
  '$OPTS',
  '"$OPTS"',
  'x$OPTS',
  '$EMPTY',
  '"$EMPTY"',
  '$SPACED',
  'x${SPACED}y',
  '$',
  'a$',
  '$/x',
  'a\\ b',
  '"a\\"b"',
  '"\\x"',
  '~:x',
];
const UNKNOWN = ['$UNSET', '$(date)', '`date`', '$((1+1))', '${PY:-x}', '$1', '$$', '*.log', 'a?', '"$(id)"', '~bob/x', '$[1]'];

test('words hb expands come out as sh makes them; the rest are left to the shell', () => {
  for (const raw of KNOWN) {
    const ours = wordFields(raw, lookup);
    assert.ok(ours !== null, `${raw}: hb should know it`);
    const sh = spawnSync('/bin/sh', ['-c', `set -- ${raw}; for a do printf '%s\\0' "$a"; done`], { env: VARS, encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    assert.deepEqual(ours, sh.stdout.split('\0').slice(0, -1), raw);
  }
  for (const raw of UNKNOWN) assert.equal(wordFields(raw, lookup), null, raw);
});

test("an assignment's value: no splitting, ~ after = and :, as sh assigns it", () => {
  for (const raw of ['$PATH:/usr/sbin', '"$PATH:/usr/sbin"', '~/bin:$PATH:~/x', '$OPTS', '*.log', "'$PY'"]) {
    const sh = spawnSync('/bin/sh', ['-c', `V=${raw}; printf '%s' "$V"`], { env: VARS, encoding: 'utf8' });
    assert.equal(assignedValue(raw, lookup), sh.stdout, raw);
  }
});

test("a line's variables: each assignment reads the values before it, over the crontab's", () => {
  const base = { PATH: '/usr/bin:/bin', HOME: '/home/alice' };
  const pathOf = (command: string) => programsOf(command).map((u) => lineLookup(base, u.env)('PATH'));
  assert.deepEqual(pathOf('PATH="$PATH:/usr/sbin" prog'), ['/usr/bin:/bin:/usr/sbin']);
  assert.deepEqual(pathOf('PATH=$HOME/bin:$PATH; PATH=/opt:$PATH prog; other'), ['/opt:/home/alice/bin:/usr/bin:/bin', '/home/alice/bin:/usr/bin:/bin']);
  assert.deepEqual(pathOf('export PATH=$HOME/bin:$PATH; PATH=/opt:$PATH prog; other'), [
    '/usr/bin:/bin',
    '/opt:/home/alice/bin:/usr/bin:/bin',
    '/home/alice/bin:/usr/bin:/bin',
  ]);
  assert.deepEqual(pathOf('PATH=$(getconf PATH) prog'), [null]);
  assert.deepEqual(pathOf('env PATH=/opt/bin prog'), ['/usr/bin:/bin', '/opt/bin']);
});
