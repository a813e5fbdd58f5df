// The crontab parser: Debian cron's rules for settings, job lines, `%`, line ends and macros,
// hb's own lines recognised, and the files a Debian machine really ships in /etc/cron.d.

import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvLine } from '../../lib/rules/crontab/env-line.ts';
import { parseCrontab, type CrontabLine, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { splitPercent } from '../../lib/rules/crontab/percent.ts';

const user = (text: string) => parseCrontab(text, { kind: 'user', file: 'f' });
const one = (text: string, kind: 'user' | 'system' = 'user'): CrontabLine => parseCrontab(`${text}\n`, { kind, file: 'f' }).lines[0]!;
const job = (text: string, kind: 'user' | 'system' = 'user'): JobLine => {
  const l = one(text, kind);
  assert.equal(l.kind, 'job', `${text}: ${l.kind === 'invalid' ? l.reason : l.kind}`);
  return l;
};

test("settings: Debian cron's NAME = VALUE rule, quotes and all", () => {
  const cases: Array<[string, { name: string; value: string } | null]> = [
    ['SHELL=/bin/sh', { name: 'SHELL', value: '/bin/sh' }],
    ['  A = b c  ', { name: 'A', value: 'b c' }],
    ['A=b=c', { name: 'A', value: 'b=c' }],
    ['MAILTO=""', { name: 'MAILTO', value: '' }],
    ["A='  kept  '", { name: 'A', value: '  kept  ' }],
    ['"A"=1', { name: 'A', value: '1' }],
    ['X=1 # not a comment', { name: 'X', value: '1 # not a comment' }],
    ['=x', { name: '', value: 'x' }],
    ['MAILTO=', null],
    ['A =', null],
    ['A B=1', null],
    ['A="x" y', null],
    ['A="x', null],
    ['*/5 * * * * FOO=bar cmd', null],
    ['@daily FOO=1 cmd', null],
  ];
  for (const [text, want] of cases) {
    const got = parseEnvLine(text);
    assert.deepEqual(got && { name: got.name, value: got.value }, want, text);
  }
});

test('`%` ends the command; what follows is stdin with `%` as newlines; `\\%` is a literal %', () => {
  assert.deepEqual(splitPercent('date +\\%F'), { command: 'date +%F', stdin: null });
  assert.deepEqual(splitPercent('mail -s hi joe%Joe,%%Where are you?%'), { command: 'mail -s hi joe', stdin: 'Joe,\n\nWhere are you?\n' });
  assert.deepEqual(splitPercent('a%b\\%c'), { command: 'a', stdin: 'b%c\n' }, 'cron ends the stdin with a newline');
  const l = job('0 1 * * * date +%s > /tmp/x');
  assert.equal(l.command, 'date +');
  assert.equal(l.stdin, 's > /tmp/x\n');
  assert.equal(l.written, 'date +%s > /tmp/x');
});

test('job lines: fields, macros, the user field of system crontabs, the command as written', () => {
  const a = job('*/15\t8-18 * * mon-fri\t/usr/local/bin/x --y  ');
  assert.deepEqual([a.schedule, a.cronSchedule, a.user, a.written], ['*/15 8-18 * * mon-fri', '*/15 8-18 * * mon-fri', null, '/usr/local/bin/x --y  ']);
  const b = job('@daily root /usr/bin/true', 'system');
  assert.deepEqual([b.schedule, b.macro, b.cronSchedule, b.user, b.command], ['@daily', '@daily', '@daily', 'root', '/usr/bin/true']);
  const r = job('@reboot /usr/bin/true');
  assert.equal(r.cronSchedule, null, '@reboot has no schedule');
  assert.equal(job('* * * * *').command, '', 'cron accepts a line with no command');
  assert.equal(one('  # indented comment').kind, 'comment');
  assert.equal(one(' \t ').kind, 'blank');
});

test('invalid lines say what cron says, and why', () => {
  const reason = (text: string, kind: 'user' | 'system' = 'user') => {
    const l = one(text, kind);
    assert.equal(l.kind, 'invalid', text);
    return (l as { reason: string }).reason;
  };
  assert.match(reason('60 * * * * x'), /^bad minute: 60 in the minute field is out of range/);
  assert.match(reason('* * L * * x'), /^bad day-of-month: .*"L" \(last day of the month\) is not Debian cron syntax/);
  assert.match(reason('* * * * 5L x'), /^bad day-of-week/);
  assert.match(reason('* * * *'), /^bad day-of-week: a job line needs 5 time fields/);
  assert.match(reason('X'), /^bad minute/);
  assert.match(reason('@DAILY x'), /^bad time specifier: "@DAILY"/);
  assert.match(reason('MAILTO='), /NAME=""/);
  assert.match(reason('@hourly', 'system'), /^bad command: .*needs a user field and then the command/);
  assert.match(reason('*/6 * * * * * echo hi'), /^bad command: "\*" after the 5 time fields looks like a sixth one/);
  assert.match(reason('*/6 * * * * * root echo hi', 'system'), /^bad username: "\*" after the 5 time fields/);
});

test('system lines as a real cron -f took them: a user that ends the line is "bad command", a "*" after the schedule "bad username"', () => {
  const seen: Array<[string, boolean]> = [
    ['* * * * * root', false],
    ['@daily root', false],
    ['0 0 1 1 *    ', false],
    ['*/6 * * * * * root echo hi', false],
    ['* * * * * root ', true],
    ['0 0 1 1 * root\t ', true],
    ['0 0 1 1 * root *x', true],
    ['0 0 1 1 *\troot\techo hi', true],
  ];
  for (const [text, runs] of seen) assert.equal(one(text, 'system').kind === 'job', runs, JSON.stringify(text));
  assert.equal(job('* * * * * root ', 'system').command, '');
});

test('what cron accepts but does not do as written: truncated fields, never, a step past the field', () => {
  const t = job('0 2 * * 5#3 x');
  assert.deepEqual(t.truncated, [{ field: 'day-of-week', written: '5#3', kept: '5' }]);
  assert.equal(t.cronSchedule, '0 2 * * 5');
  assert.equal(t.schedule, '0 2 * * 5#3');
  assert.deepEqual(job('*/5#2 * * * * x').truncated[0]?.kept, '*/5');
  assert.equal(job('5-1 * * * * x').oddity?.kind, 'never-fires');
  assert.equal(job('0 0 31 2 * x').oddity?.kind, 'never-fires');
  assert.equal(job('0 0 31 2 1 x').oddity, null, 'day fields ORed: Mondays in February fire');
  assert.equal(job('*/61 * * * * x').oddity?.kind, 'step-too-large');
  assert.equal(job('5-1,30 * * * * x').oddity?.kind, 'never-fires');
  assert.equal(one('5-1,70 * * * * x').kind, 'invalid', 'a refused item refuses the line, whatever came before it');
});

test('settings apply to the lines below them; CRON_TZ is the zone of the jobs after it', () => {
  const p = user('0 1 * * * a\nCRON_TZ=Europe/Berlin\nPATH=/opt/bin:/usr/bin\n0 2 * * * b\nCRON_TZ=UTC\n0 3 * * * c\n');
  const jobs = p.lines.filter((l): l is JobLine => l.kind === 'job');
  assert.deepEqual(
    jobs.map((j) => j.cronTz),
    [null, 'Europe/Berlin', 'UTC'],
  );
  assert.deepEqual(
    jobs.map((j) => j.env.PATH ?? null),
    [null, '/opt/bin:/usr/bin', '/opt/bin:/usr/bin'],
  );
});

test('line ends: CRLF flagged and kept in raw, a missing final newline flagged, numbers 1-based', () => {
  const p = user('A=1\r\n0 1 * * * /bin/x\r\n0 2 * * * /bin/y');
  assert.equal(p.crlf, true);
  assert.equal(p.finalNewline, false);
  assert.deepEqual(
    p.lines.map((l) => [l.line, l.crlf, l.kind]),
    [
      [1, true, 'env'],
      [2, true, 'job'],
      [3, false, 'job'],
    ],
  );
  assert.equal((p.lines[0] as { value: string }).value, '1', 'the \\r is not part of what hb reads');
  assert.equal(p.lines[1]!.raw, '0 1 * * * /bin/x\r');
  assert.equal((p.lines[1] as JobLine).command, '/bin/x');
  assert.deepEqual([user('').finalNewline, user('').lines.length, user('\n').lines.length], [true, 0, 1]);
});

test('`# hb: ignore` marks the next job line, across comments and settings', () => {
  const p = user('# hb: ignore\n# why: stdin on purpose\nA=1\n0 1 * * * mail x%hi\n0 2 * * * y\n');
  const jobs = p.lines.filter((l): l is JobLine => l.kind === 'job');
  assert.deepEqual(
    jobs.map((j) => j.ignored),
    [true, false],
  );
  assert.equal((p.lines[0] as { hbIgnore: boolean }).hbIgnore, true);
});

test("hb's own lines: tick, wrap and check, however hb is started", () => {
  const hb = (command: string) =>
    job(`* * * * * ${command}`).hb.map((h) => ({ sub: h.subcommand, job: h.job, flags: h.flags, script: h.script?.text ?? null }));
  assert.deepEqual(hb('hb tick backup'), [{ sub: 'tick', job: 'backup', flags: {}, script: null }]);
  assert.deepEqual(hb('/usr/bin/node /opt/hb/dist/hb.js tick backup --every 15m --grace=5m'), [
    { sub: 'tick', job: 'backup', flags: { every: '15m', grace: '5m' }, script: '/opt/hb/dist/hb.js' },
  ]);
  assert.deepEqual(hb("/usr/local/bin/hb --state-dir /var/lib/hb wrap --job sync --cron '*/5 * * * *' --tz UTC --lock -- rsync -a a b"), [
    { sub: 'wrap', job: 'sync', flags: { 'state-dir': '/var/lib/hb', job: 'sync', cron: '*/5 * * * *', tz: 'UTC', lock: 'true' }, script: null },
  ]);
  assert.deepEqual(
    hb('hb wrap -- /usr/local/bin/backup.sh --full').map((h) => h.job),
    ['backup.sh'],
    'wrap without --job: the base name',
  );
  assert.deepEqual(
    hb('nodejs --enable-source-maps /srv/hb/hb.js check --textfile /x.prom >/dev/null 2>&1 || logger hb').map((h) => [h.sub, h.job]),
    [['check', null]],
  );
  assert.deepEqual(
    hb('/usr/local/bin/backup.sh && /usr/bin/node /opt/hb/dist/hb.js tick backup').map((h) => h.job),
    ['backup'],
  );
  assert.deepEqual(
    hb('cd /tmp; nice -n 5 hb tick a; env X=1 hb tick b').map((h) => h.job),
    ['a', 'b'],
  );
  assert.deepEqual(hb('/usr/bin/node /opt/app/server.js tick x'), [], 'node running another script');
  assert.deepEqual(hb('echo hb tick x'), [], 'hb as an argument');
  assert.deepEqual(hb("sh -c 'hb tick x'"), [], 'inside sh -c: not looked into');
});

test('the files a Debian machine ships in /etc/cron.d and /etc/crontab parse with no invalid line', (t) => {
  const present = [
    ...(existsSync('/etc/crontab') ? ['/etc/crontab'] : []),
    ...(existsSync('/etc/cron.d') ? readdirSync('/etc/cron.d').map((n) => join('/etc/cron.d', n)) : []),
  ].filter((p) => statSync(p).isFile());
  // Only what Debian packages ship: system tests running beside this one put files of their own
  // (some deliberately broken) into /etc/cron.d for a while.
  const owned = present.length > 0 ? spawnSync('dpkg', ['-S', ...present], { encoding: 'utf8' }) : null;
  const files = owned?.stdout ? present.filter((p) => owned.stdout.split('\n').some((l) => l.endsWith(`: ${p}`))) : present;
  if (files.length === 0) {
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error('no /etc/crontab or /etc/cron.d files: install cron');
    t.skip('no /etc/crontab or /etc/cron.d on this machine');
    return;
  }
  let jobs = 0;
  for (const path of files) {
    const p = parseCrontab(readFileSync(path, 'utf8'), { kind: 'system', file: path });
    assert.deepEqual(
      p.lines.filter((l) => l.kind === 'invalid'),
      [],
      path,
    );
    assert.ok(p.finalNewline && !p.crlf, `${path} ends as cron wants`);
    for (const l of p.lines)
      if (l.kind === 'job') {
        jobs++;
        assert.ok(l.user && l.command.length > 0, `${path}:${l.line} has a user and a command`);
      }
  }
  t.diagnostic(`${files.length} files, ${jobs} job lines: ${files.join(', ')}`);
});
