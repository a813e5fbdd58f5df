// What hb doctor says about a command against what the real Debian cron daemon does with it:
// a program found on the PATH the line sets in front of it, or through a variable the crontab
// sets, runs; a command the shell cannot read never does; $USER is empty in cron's environment
// (for a line of /etc/cron.d and for an unprivileged user's crontab alike).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, throwAwayUser, waitFor, type Sandbox } from '../helpers.ts';
import { ensureCron, placeCronFile, type CronDaemon } from '../cron-daemon.ts';

// No dot in the name: cron ignores /etc/cron.d files whose names hold one.
const CRON_FILE = `/etc/cron.d/hb-systest-commands-${process.pid}`;
// Up to two cron wake-ups: a file written late in a minute may be read only at the next one.
const CRON_WAIT_MS = 135_000;

let box: Sandbox | null = null;
let cron: CronDaemon | null = null;
after(async () => {
  rmSync(CRON_FILE, { force: true });
  await cron?.stop();
  box?.cleanup();
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

const vars = (text: string) =>
  new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

test('cron runs what doctor finds and not what the shell cannot read; its jobs have no $USER', { timeout: 200_000 }, async (t) => {
  if (!requireTool(t, 'cron')) return;
  const user = throwAwayUser(t, `hbcmds${process.pid % 100_000}`, { home: true });
  if (!user) return;
  const s = (box = sandbox());
  const dir = s.root;
  chmodSync(dir, 0o755);
  // A program only a PATH set on the line finds; it records that it ran.
  const sbin = join(dir, 'sbin');
  mkdirSync(sbin);
  writeFileSync(join(sbin, 'only-here'), '#!/bin/sh\necho ran > "$1"\n');
  chmodSync(join(sbin, 'only-here'), 0o755);
  const lines = [
    `TOOL=${sbin}/only-here`,
    `* * * * * root env > ${dir}/env-root.txt`,
    `* * * * * root PATH="$PATH:${sbin}" only-here ${dir}/prefix-ran`,
    `* * * * * root $TOOL ${dir}/variable-ran`,
    `* * * * * root { touch ${dir}/group-ran; }`,
    `* * * * * root { touch ${dir}/broken-group-ran }`,
    `* * * * * root echo "user=$USER logname=$LOGNAME" > ${dir}/user.txt`,
  ];
  const text = `${lines.join('\n')}\n`;
  const staged = join(dir, 'cron-d-file');
  writeFileSync(staged, text);

  // hb doctor's verdict, line by line.
  const r = hb(['doctor', '--json', '--system', '--crontab', staged], { env: s.env });
  const findings = (JSON.parse(r.stdout) as { findings: Array<{ line: number; code: string }> }).findings.map((f) => `${f.line} ${f.code}`);
  assert.deepEqual(findings, ['6 shell-syntax', '7 user-variable'], r.stdout);

  // The real cron's: the same file in /etc/cron.d, and the user's crontab.
  await placeCronFile(CRON_FILE, text);
  const home = spawnSync('sh', ['-c', `getent passwd ${user} | cut -d: -f6`], { encoding: 'utf8' }).stdout.trim();
  const installed = spawnSync('crontab', ['-u', user, '-'], { input: `* * * * * env > ${home}/env.txt\n`, encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  cron = await ensureCron();
  const ran = ['env-root.txt', 'prefix-ran', 'variable-ran', 'group-ran', 'user.txt'].map((n) => join(dir, n));
  // A file exists as soon as the shell opens it: the env dumps count once they are whole.
  const whole = (p: string) => read(p).includes('LOGNAME=');
  await waitFor(
    () => ran.every((p) => existsSync(p)) && whole(join(dir, 'env-root.txt')) && whole(join(home, 'env.txt')) && read(join(dir, 'user.txt')).endsWith('\n'),
    'cron to run the lines',
    CRON_WAIT_MS,
  ).catch((e) => assert.fail(`${e}\nran: ${ran.filter((p) => existsSync(p)).join(', ')}; user env: ${existsSync(join(home, 'env.txt'))}`));
  // Started in the same second as { touch …; }, which is done: this one failed to parse.
  assert.equal(existsSync(join(dir, 'broken-group-ran')), false, 'the command sh cannot read never ran');
  assert.equal(read(join(dir, 'user.txt')), 'user= logname=root\n');
  for (const [who, env] of [
    ['root', read(join(dir, 'env-root.txt'))],
    [user, read(join(home, 'env.txt'))],
  ] as const) {
    const v = vars(env);
    assert.equal(v.has('USER'), false, `${who}'s job ran with\n${env}`);
    assert.equal(v.get('LOGNAME'), who, env);
    assert.equal(v.get('PATH'), '/usr/bin:/bin', env);
  }
});
