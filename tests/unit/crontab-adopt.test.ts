import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adoptCrontab, uniqueName, wrappedArgv, type AdoptContext } from '../../lib/rules/crontab/adopt.ts';
import { parseCrontab, type CrontabKind } from '../../lib/rules/crontab/parse.ts';
import { splitPercent } from '../../lib/rules/crontab/percent.ts';

const EXEC = { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' };
const HB = '/usr/bin/node /opt/hb/dist/hb.js';
const ctx = (taken: string[] = []): AdoptContext => ({ exec: EXEC, hostTz: 'Europe/Berlin', taken: new Set(taken) });
const adopt = (text: string, kind: CrontabKind = 'user', c = ctx()) => adoptCrontab(parseCrontab(text, { kind, file: 'f' }), c);

test('names: made unique against configured jobs, hb lines and each other; hb-check is never given', () => {
  const taken = new Set(['backup']);
  assert.equal(uniqueName('backup', taken), 'backup-2');
  assert.equal(uniqueName('backup', taken), 'backup-3');
  assert.equal(uniqueName('sync', taken), 'sync');
  assert.equal(uniqueName('hb-check', taken), 'hb-check-2');
  const long = 'x'.repeat(128);
  assert.equal(uniqueName(long, new Set([long])), `${'x'.repeat(126)}-2`, 'a suffix never makes a name too long');
});

test('names: a line under an #Ansible: marker is named after its entry (in the job: value for the playbook); the command names the rest', () => {
  const r = adopt('#Ansible: Nightly DB dump\n0 2 * * * /usr/local/bin/dump.sh\n# dump again\n0 3 * * * /usr/local/bin/dump.sh\n');
  assert.match(r.leftAlone[0]!.reason, /job: ".* wrap --job nightly-db-dump --cron '0 2 \* \* \*' -- \/usr\/local\/bin\/dump\.sh"$/);
  assert.deepEqual(
    r.adopted.map((a) => a.job),
    ['dump.sh'],
  );
});

test("argv: plain words run without a shell; anything the shell must read runs through the line's SHELL", () => {
  assert.deepEqual(wrappedArgv('/usr/local/bin/backup.sh --full', '/bin/sh'), ['/usr/local/bin/backup.sh', '--full']);
  assert.deepEqual(wrappedArgv('backup.sh  ', '/bin/sh'), ['backup.sh']);
  for (const cmd of ['a > /tmp/x', 'a | b', 'a && b', 'echo "$HOME"', "echo 'x y'", 'FOO=1 /bin/x', 'cd /srv', '~/bin/x', 'echo a;b']) {
    assert.deepEqual(wrappedArgv(cmd, '/bin/bash'), ['/bin/bash', '-c', cmd], cmd);
  }
});

test('adopt: each job line wrapped with its schedule; comments, settings, blank lines and spacing kept', () => {
  const text = '# nightly\nMAILTO=ops\n\n30 2\t* * *\t/usr/local/bin/backup.sh --full\n*/5 * * * * /usr/bin/rsync -a /a /b >/dev/null 2>&1\n';
  const r = adopt(text);
  assert.deepEqual(
    r.adopted.map((a) => [a.line, a.job]),
    [
      [4, 'backup.sh'],
      [5, 'rsync'],
    ],
  );
  assert.equal(
    r.text,
    [
      '# nightly',
      'MAILTO=ops',
      '',
      `30 2\t* * *\t${HB} wrap --job backup.sh --cron '30 2 * * *' -- /usr/local/bin/backup.sh --full`,
      `*/5 * * * * ${HB} wrap --job rsync --cron '*/5 * * * *' -- /bin/sh -c '/usr/bin/rsync -a /a /b >/dev/null 2>&1'`,
      '',
    ].join('\n'),
  );
  const again = adopt(r.text);
  assert.equal(again.adopted.length, 0, 'adopting twice changes nothing');
  assert.deepEqual(
    again.leftAlone.map((l) => l.reason),
    ['already runs hb wrap', 'already runs hb wrap'],
  );
});

test('adopt: the user field stays; the config and state dir of the adopting hb are passed on', () => {
  const r = adoptCrontab(parseCrontab('0 4 * * * backup /usr/local/bin/dump\n', { kind: 'system', file: 'f' }), {
    ...ctx(),
    exec: { ...EXEC, config: '/etc/hb/hb.yaml', stateDir: '/var/lib/hb' },
  });
  assert.equal(r.text, `0 4 * * * backup ${HB} wrap --job dump --cron '0 4 * * *' --config /etc/hb/hb.yaml --state-dir /var/lib/hb -- /usr/local/bin/dump\n`);
  const parsed = parseCrontab(r.text, { kind: 'system', file: 'f' }).lines[0]!;
  assert.ok(parsed.kind === 'job' && parsed.user === 'backup' && parsed.hb[0]!.job === 'dump');
});

test('adopt: % keeps its meaning — the command part escaped, the stdin part kept byte for byte', () => {
  const r = adopt('0 3 * * * /usr/bin/mail -s "report \\% done" root%line one%line \\% two\n');
  const line = parseCrontab(r.text, { kind: 'user', file: 'f' }).lines[0]!;
  assert.ok(line.kind === 'job');
  const before = splitPercent('/usr/bin/mail -s "report \\% done" root%line one%line \\% two');
  assert.equal(line.stdin, before.stdin, 'cron feeds the same stdin');
  assert.deepEqual(line.hb[0]!.wrapped, ['/bin/sh', '-c', before.command], 'the shell receives the same command');
});

test('adopt: under CRON_TZ or TZ= (Debian cron schedules by neither) the line keeps the host zone as --tz; SHELL is used', () => {
  const r = adopt('SHELL=/bin/bash\nTZ=America/New_York\n0 9 * * * a | b\nCRON_TZ=Asia/Tokyo\n0 9 * * * /bin/c\n');
  assert.match(r.adopted[0]!.after, /--cron '0 9 \* \* \*' --tz Europe\/Berlin -- \/bin\/bash -c 'a \| b'$/);
  assert.match(r.adopted[1]!.after, /--cron '0 9 \* \* \*' --tz Europe\/Berlin -- \/bin\/c$/);
  const only = adopt('CRON_TZ=UTC\n30 4 * * * /usr/local/bin/report\n');
  assert.match(only.adopted[0]!.after, /--cron '30 4 \* \* \*' --tz Europe\/Berlin -- \/usr\/local\/bin\/report$/);
  assert.doesNotMatch(only.text, /--tz UTC/);
  assert.doesNotMatch(adopt('30 4 * * * /usr/local/bin/report\n').text, /--tz/, 'no zone setting: no --tz, the host zone applies');
});

test('adopt: macros stay; @reboot, # hb: ignore, never-firing, CRLF and hb lines are left alone with a reason', () => {
  const r = adopt('@daily /bin/a\n@reboot /bin/b\n# hb: ignore\n0 * * * * /bin/c\n0 0 31 2 * /bin/d\n0 1 * * * /bin/e\r\n* * * * * hb check\n');
  assert.deepEqual(
    r.adopted.map((a) => a.job),
    ['a'],
  );
  assert.match(r.adopted[0]!.after, /^@daily \/usr\/bin\/node .* --cron @daily -- \/bin\/a$/);
  assert.deepEqual(
    r.leftAlone.map((l) => l.line),
    [2, 4, 5, 6, 7],
  );
  assert.match(r.leftAlone[0]!.reason, /@reboot/);
  assert.match(r.leftAlone[1]!.reason, /# hb: ignore/);
  assert.match(r.leftAlone[2]!.reason, /never fires/);
  assert.match(r.leftAlone[3]!.reason, /CRLF/);
  assert.match(r.leftAlone[4]!.reason, /already runs hb check/);
  assert.equal(r.hasCheck, true);
  assert.ok(r.text.includes('0 1 * * * /bin/e\r\n'), 'the CRLF line is untouched');
});

test('adopt: a file cron ignores (no final newline) is left as it is', () => {
  const r = adopt('0 1 * * * /bin/a');
  assert.equal(r.adopted.length, 0);
  assert.equal(r.text, '0 1 * * * /bin/a');
  assert.match(r.leftAlone[0]!.reason, /cron ignores this whole file: line 1: missing newline/);
});

test('adopt: names already taken get a suffix; a file with no job lines is unchanged', () => {
  const r = adopt('0 1 * * * /bin/backup\n0 2 * * * /bin/backup\n', 'user', ctx(['backup']));
  assert.deepEqual(
    r.adopted.map((a) => a.job),
    ['backup-2', 'backup-3'],
  );
  assert.equal(adopt('# nothing\nPATH=/bin\n').text, '# nothing\nPATH=/bin\n');
  assert.equal(adopt('').text, '');
});

test('adopt: a line under an #Ansible:, # Puppet Name: or # Chef Name: marker is left alone, with the value to put in the playbook', () => {
  const text = [
    '#Ansible: nightly backup',
    '30 2 * * * /usr/local/bin/backup.sh --full',
    '# Puppet Name: rotate',
    '0 4 * * * /usr/sbin/logrotate /etc/app.conf',
    '# Chef Name: sync',
    '*/5 * * * * /usr/bin/rsync -a /a /b%now',
    "# a comment of the owner's",
    '0 5 * * * /usr/local/bin/backup.sh --quick',
    '',
  ].join('\n');
  const r = adopt(text);
  assert.deepEqual(
    r.adopted.map((a) => a.line),
    [8],
    'only the line no tool owns is rewritten',
  );
  assert.equal(r.text.split('\n').slice(0, 6).join('\n'), text.split('\n').slice(0, 6).join('\n'), 'owned lines stay byte for byte');
  assert.deepEqual(
    r.leftAlone.map((l) => l.line),
    [2, 4, 6],
  );
  const [ansible, puppet, chef] = r.leftAlone.map((l) => l.reason);
  assert.match(ansible!, /^owned by Ansible \(#Ansible: nightly backup\), which puts the line back at its next run: change it in the playbook, job: /);
  const job = JSON.parse(/job: (".*")$/.exec(ansible!)![1]!) as string;
  const named = /^\/usr\/bin\/node \/opt\/hb\/dist\/hb\.js wrap --job (\S+) --cron '30 2 \* \* \*' -- \/usr\/local\/bin\/backup\.sh --full$/.exec(job);
  assert.ok(named, job);
  assert.match(
    puppet!,
    /^owned by Puppet \(# Puppet Name: rotate\), .*: change it in the manifest, command => '.* wrap --job rotate --cron \\'0 4 \* \* \*\\' -- \/usr\/sbin\/logrotate \/etc\/app\.conf'$/,
  );
  assert.match(chef!, /^owned by Chef \(# Chef Name: sync\), .*: change it in the recipe, command '.* -- \/usr\/bin\/rsync -a \/a \/b%now'$/);
  assert.notEqual(r.adopted[0]!.job, named[1], 'the name proposed for an owned line stays taken: it goes into the playbook');
  assert.equal(adopt('#Ansible: x\n\n0 1 * * * /bin/a\n').adopted.length, 1, 'a marker counts only right above its line');
  const jinja = adopt('#Ansible: count\n0 1 * * * a=(1 2); echo ${#a[@]}\n').leftAlone[0]!.reason;
  assert.match(jinja, /job: !unsafe "/, 'Ansible would read {# as the start of a Jinja comment');
});
