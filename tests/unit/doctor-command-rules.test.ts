// Which commands doctor asks the shell about, and when $USER is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { surelyReadable, syntaxChecks } from '../../lib/rules/doctor/command-rules.ts';
import { doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import type { CrontabSource, DoctorFacts } from '../../lib/rules/doctor/types.ts';
import { seededRandom } from '../helpers.ts';

const crontab = (text: string, over: Partial<CrontabSource> = {}): CrontabSource => ({
  path: '/etc/cron.d/jobs',
  kind: 'system',
  cronD: true,
  text,
  mode: 0o644,
  uid: 0,
  owner: null,
  ...over,
});

function facts(c: CrontabSource, over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    crontabs: [c],
    config: { file: null, problems: [], jobs: new Map() },
    stateDir: null,
    probe: () => 'executable',
    users: new Map([['root', '/root']]),
    userPath: ['/usr/bin', '/bin'],
    self: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js' },
    hostTz: 'UTC',
    host: null,
    shellSyntax: (_shell, command) => (command.includes('BAD') ? 'sh: 1: Syntax error' : null),
    ...over,
  };
}

test('the shell is asked about every command cron would hand it, with the SHELL of its line', () => {
  const text = [
    '* * * * * root /bin/a "BAD"',
    '# hb: ignore',
    '* * * * * root /bin/b "BAD"',
    '* * * * * root /bin/c %stdin "BAD"',
    '* * * * * root',
    'SHELL=/bin/bash',
    '* * * * * root /bin/d "$X"',
    'SHELL=/usr/bin/zsh',
    '* * * * * root /bin/e "BAD"',
    '',
  ].join('\n');
  assert.deepEqual(syntaxChecks([crontab(text)]), [
    { shell: '/bin/sh', command: '/bin/a "BAD"' },
    { shell: '/bin/bash', command: '/bin/d "$X"' },
  ]);
  const found = doctorFindings(facts(crontab(text)));
  assert.deepEqual(
    found.filter((f) => f.code === 'shell-syntax').map((f) => f.line),
    [1],
  );
  assert.deepEqual(
    doctorFindings(facts(crontab('* * * * * nobody /bin/a "BAD"\n'))).map((f) => f.code),
    ['unknown-user'],
    'a line cron skips is not also a syntax error',
  );
  assert.deepEqual(doctorFindings(facts(crontab('* * * * * root /bin/a "BAD"\n'), { shellSyntax: undefined })), [], 'not asked: nothing said');
});

test("$USER: reported for Debian's cron, not for cronie (crond), nor where the crontab sets USER", () => {
  const text = '* * * * * root /bin/a "$USER"\n';
  const host = { cronDaemon: 'cron', hbDaemon: false, mta: true, checkAgeMs: 0, unscheduled: [], unreadable: [] };
  assert.deepEqual(
    doctorFindings(facts(crontab(text), { host })).map((f) => f.code),
    ['user-variable'],
  );
  assert.match(doctorFindings(facts(crontab(text), { host })).find((f) => f.code === 'user-variable')!.fix, /USER=root above this line/);
  assert.deepEqual(
    doctorFindings(facts(crontab(text), { host: { ...host, cronDaemon: 'crond' } })).map((f) => f.code),
    [],
  );
  assert.deepEqual(
    doctorFindings(facts(crontab(`USER=root\n${text}`))).map((f) => f.code),
    [],
  );
});

test('commands doctor does not ask about are ones sh and bash always read', () => {
  const tokens = [
    'a',
    '/usr/bin/x',
    '--flag',
    'A=1',
    '%',
    '1',
    'fi',
    'then',
    'do',
    'done',
    'in',
    'time',
    'esac',
    '2>&1',
    '>',
    '>>',
    '<',
    '/dev/null',
    '&&',
    '||',
    ';',
    '|',
    '&',
    ';;',
    '{',
    '}',
    '(',
    ')',
    '"q"',
    '$x',
    '!',
  ];
  const random = seededRandom(15);
  let sure = 0;
  for (let n = 0; n < 1500; n++) {
    const words = Array.from({ length: 1 + Math.floor(random() * 7) }, () => tokens[Math.floor(random() * tokens.length)]!);
    const command = words.reduce((text, w) => text + (text && random() < 0.8 ? ' ' : '') + w, '');
    if (!surelyReadable(command)) continue;
    sure++;
    for (const shell of ['/bin/sh', '/bin/bash']) {
      const r = spawnSync(shell, ['-n', '-c', command], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${shell} refuses ${JSON.stringify(command)}, which hb does not ask about: ${r.stderr}`);
    }
  }
  assert.ok(sure > 60, `only ${sure} commands judged plain`);
  for (const command of ['/usr/local/bin/backup.sh --full >> /var/log/backup.log 2>&1', 'cd /srv/app && ./run.sh >/dev/null 2>&1', 'a; b & c | d || e'])
    assert.ok(surelyReadable(command), command);
  for (const command of ['a &&', 'fi', 'a; done', '{ a }', 'a |', 'a ;;', 'time a']) assert.ok(!surelyReadable(command), command);
});
