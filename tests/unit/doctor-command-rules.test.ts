// Which commands doctor asks the shell about, and when $USER is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntaxChecks } from '../../lib/doctor/command-rules.ts';
import { runDoctor } from '../../lib/doctor/doctor.ts';
import type { CrontabFile, DoctorFacts } from '../../lib/doctor/types.ts';

const crontab = (text: string, over: Partial<CrontabFile> = {}): CrontabFile => ({ path: '/etc/cron.d/jobs', kind: 'system', cronD: true, text, mode: 0o644, uid: 0, owner: null, ...over });

function facts(c: CrontabFile, over: Partial<DoctorFacts> = {}): DoctorFacts {
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
    '* * * * * root /bin/a BAD',
    '# hb: ignore',
    '* * * * * root /bin/b BAD',
    '* * * * * root /bin/c %stdin BAD',
    '* * * * * root',
    'SHELL=/bin/bash',
    '* * * * * root /bin/d',
    'SHELL=/usr/bin/zsh',
    '* * * * * root /bin/e BAD',
    '',
  ].join('\n');
  assert.deepEqual(syntaxChecks([crontab(text)]), [{ shell: '/bin/sh', command: '/bin/a BAD' }, { shell: '/bin/bash', command: '/bin/d' }]);
  const found = runDoctor(facts(crontab(text)));
  assert.deepEqual(found.filter((f) => f.code === 'shell-syntax').map((f) => f.line), [1]);
  assert.deepEqual(runDoctor(facts(crontab('* * * * * nobody /bin/a BAD\n'))).map((f) => f.code), ['unknown-user'], 'a line cron skips is not also a syntax error');
  assert.deepEqual(runDoctor(facts(crontab('* * * * * root /bin/a BAD\n'), { shellSyntax: undefined })), [], 'not asked: nothing said');
});

test('$USER: reported for Debian\'s cron, not for cronie (crond), nor where the crontab sets USER', () => {
  const text = '* * * * * root /bin/a "$USER"\n';
  const host = { cronDaemon: 'cron', hbDaemon: false, mta: true, checkAgeMs: 0, unscheduled: [], unreadable: [] };
  assert.deepEqual(runDoctor(facts(crontab(text), { host })).map((f) => f.code), ['user-variable']);
  assert.match(runDoctor(facts(crontab(text), { host })).find((f) => f.code === 'user-variable')!.fix, /USER=root above this line/);
  assert.deepEqual(runDoctor(facts(crontab(text), { host: { ...host, cronDaemon: 'crond' } })).map((f) => f.code), []);
  assert.deepEqual(runDoctor(facts(crontab(`USER=root\n${text}`))).map((f) => f.code), []);
});
