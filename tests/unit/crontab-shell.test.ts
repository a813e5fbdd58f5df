// The sketch of sh that finds the programs a crontab command runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobNameForCommand } from '../../lib/rules/crontab/job-names.ts';
import { programsOf } from '../../lib/rules/crontab/programs.ts';
import { simpleCommands } from '../../lib/rules/crontab/shell.ts';

const words = (text: string) => simpleCommands(text).map((c) => c.words.map((w) => w.text));

test('words: quotes removed, operators split commands, redirections and comments dropped', () => {
  const cases: Array<[string, string[][]]> = [
    ['a b  c', [['a', 'b', 'c']]],
    [`echo 'a b' "c $HOME d" e\\ f`, [['echo', 'a b', 'c $HOME d', 'e f']]],
    ['a && b || c; d | e & f', [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]],
    ['a >> /var/log/x 2>&1', [['a']]],
    ['a >/dev/null 2>/dev/null < in', [['a']]],
    ['a &> /dev/null; b', [['a'], ['b']]],
    ['a # a comment && b', [['a']]],
    ['a#b', [['a#b']]],
    ['x=$(date +%s) cmd "$(echo a b)" `x y`', [['x=$(date +%s)', 'cmd', '$(echo a b)', '`x y`']]],
    ['test -x /a || { cd / && run-parts /etc/cron.daily; }', [['test', '-x', '/a'], ['{', 'cd', '/'], ['run-parts', '/etc/cron.daily'], ['}']]],
    ['(cd /tmp && ls)', [['cd', '/tmp'], ['ls']]],
  ];
  for (const [text, want] of cases) assert.deepEqual(words(text), want, text);
  assert.deepEqual(
    simpleCommands('a && b').map((c) => c.joinedBy),
    ['', '&&'],
  );
  assert.deepEqual(
    simpleCommands('echo "$X" *.log').map((c) => c.words.map((w) => w.dynamic)),
    [[false, true, true]],
  );
});

test('programs: keywords, assignments and wrappers looked through; scripts, cd and guards followed', () => {
  const progs = (text: string) => programsOf(text).map((p) => ({ w: p.word.text, script: p.script?.text ?? null, cwd: p.cwd, guarded: p.guarded }));
  assert.deepEqual(progs('FOO=1 BAR=2 /opt/x --y'), [{ w: '/opt/x', script: null, cwd: '~', guarded: false }]);
  assert.deepEqual(
    progs('nice -n 10 ionice -c3 timeout -s KILL 5m /opt/x').map((p) => p.w),
    ['nice', 'ionice', 'timeout', '/opt/x'],
  );
  assert.deepEqual(
    progs('env -u X A=1 /opt/x').map((p) => p.w),
    ['env', '/opt/x'],
  );
  assert.deepEqual(
    progs('exec /opt/x').map((p) => p.w),
    ['exec', '/opt/x'],
  );
  assert.deepEqual(
    progs('if /bin/true; then /opt/a; fi').map((p) => p.w),
    ['/bin/true', '/opt/a'],
  );
  assert.deepEqual(
    progs('for f in a b; do /opt/x "$f"; done').map((p) => p.w),
    ['/opt/x'],
  );
  assert.deepEqual(
    progs('/usr/bin/python3 -u -W ignore /opt/job.py --x').map((p) => p.script),
    ['/opt/job.py'],
  );
  assert.deepEqual(
    progs('python3 -m http.server').map((p) => p.script),
    [null],
  );
  assert.deepEqual(
    progs("bash -ec 'a; b'").map((p) => p.script),
    [null],
  );
  assert.deepEqual(
    progs('bash -o pipefail /opt/x.sh').map((p) => p.script),
    ['/opt/x.sh'],
  );
  assert.deepEqual(
    progs('node --require /opt/r.js /opt/hb/dist/hb.js tick x').map((p) => p.script),
    ['/opt/hb/dist/hb.js'],
  );
  assert.deepEqual(
    progs('cd /opt/app && ./run.sh; cd sub && ./b; cd $X && ./c').map((p) => p.cwd),
    ['~', '/opt/app', '/opt/app', '/opt/app/sub', '/opt/app/sub', null],
  );
  assert.deepEqual(
    progs('[ -x /usr/sbin/dma ] && /usr/sbin/dma -q').map((p) => p.guarded),
    [false, true],
  );
  assert.deepEqual(
    progs('command -v foo >/dev/null && foo --x').map((p) => [p.w, p.guarded]),
    [
      ['command', false],
      ['foo', true],
    ],
  );
});

test('programs: the variables a line sets for each program, prefixes over earlier exports', () => {
  const envOf = (text: string) =>
    programsOf(text).map((p) => Object.fromEntries(Object.entries(p.env).map(([k, w]) => [k, w.dynamic ? `${w.text} (dynamic)` : w.text])));
  assert.deepEqual(envOf('A=1 /opt/x'), [{ A: '1' }]);
  assert.deepEqual(envOf('export A=1 B; A=2 /opt/x; /opt/y'), [{}, { A: '2' }, { A: '1' }]);
  assert.deepEqual(envOf('A=1; B="$HOME/b" /opt/x'), [{ A: '1', B: '$HOME/b (dynamic)' }]);
  assert.deepEqual(envOf('A=~/a /opt/x'), [{ A: '~/a' }], "sh expands ~ after an assignment's =");
  assert.deepEqual(envOf('env -u C A=~/a B=1 /opt/x'), [{}, { C: '', A: '~/a (dynamic)', B: '1' }], 'but not in a word given to env');
});

test('expansions are whole words, never programs: $[ ] (bash arithmetic), $(( )), $( ), backquotes', () => {
  const cases: Array<[string, string[][]]> = [
    ['sleep $[($RANDOM%60)]m; /opt/x', [['sleep', '$[($RANDOM%60)]m'], ['/opt/x']]],
    ['sleep $[ ( RANDOM % 60 ) ] && /opt/x', [['sleep', '$[ ( RANDOM % 60 ) ]'], ['/opt/x']]],
    ['sleep $[ $[RANDOM%3] * 10 ]', [['sleep', '$[ $[RANDOM%3] * 10 ]']]],
    ['sleep $(( (RANDOM % 60) + 1 )); /opt/x', [['sleep', '$(( (RANDOM % 60) + 1 ))'], ['/opt/x']]],
    ['x=$( (cd /a; ls) ) /opt/x', [['x=$( (cd /a; ls) )', '/opt/x']]],
    ['sleep `expr $RANDOM % 9`; /opt/x', [['sleep', '`expr $RANDOM % 9`'], ['/opt/x']]],
  ];
  for (const [text, want] of cases) assert.deepEqual(words(text), want, text);
  for (const text of ['sleep $[($RANDOM%60)]m; /opt/x', 'sleep $[ ( RANDOM % 60 ) ] && /opt/x', 'sleep $(( (RANDOM % 60) + 1 )); /opt/x']) {
    assert.deepEqual(
      programsOf(text).map((p) => p.word.text),
      ['sleep', '/opt/x'],
      text,
    );
  }
  assert.equal(jobNameForCommand('sleep $[ ( RANDOM % 60 ) ]; /opt/app/sync.sh'), 'sync.sh', 'adopt names the job after what it runs');
});

test('each word keeps its text as written, quotes and all', () => {
  const raws = (text: string) => simpleCommands(text).map((c) => c.words.map((w) => w.raw));
  assert.deepEqual(raws(`PATH="$PATH:/usr/sbin" prog 'a b' c\\ d && e >/dev/null 2>&1; "A=1" f`), [
    ['PATH="$PATH:/usr/sbin"', 'prog', "'a b'", 'c\\ d'],
    ['e'],
    ['"A=1"', 'f'],
  ]);
});

test('a quoted NAME=VALUE is a program, not an assignment', () => {
  assert.deepEqual(
    programsOf('"A=1" /opt/x').map((p) => p.word.text),
    ['A=1'],
  );
  assert.deepEqual(
    programsOf('A=1 /opt/x').map((p) => p.word.text),
    ['/opt/x'],
  );
});

test('a backslash at the very end of an unclosed double quote is kept as a backslash, never read past the text', () => {
  const texts = (text: string) => simpleCommands(text).map((c) => c.words.map((w) => w.text));
  assert.deepEqual(texts('echo "foo\\'), [['echo', 'foo\\']]);
  assert.deepEqual(texts('echo "a\\"b" "c\\$d"'), [['echo', 'a"b', 'c$d']]);
});
