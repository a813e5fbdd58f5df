// hb check as a real unprivileged user whose jobs get their schedules only from the user's own
// crontab, installed through crontab(1) the way Ansible's cron module writes one. The spool file
// is root's to read: the check must learn the crontab through `crontab -l`, and judge the jobs
// late by it rather than call them unscheduled and all healthy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, requireTool, throwAwayUser, type Run } from '../helpers.ts';

const USER = `hblk${process.pid}`;
const HOME = `/home/${USER}`;
const NODE = process.execPath;

test("a user's own crontab (crontab -l, its spool file unreadable) gives its jobs their schedules; without one, or without crontab(1), nothing breaks", (t) => {
  if (!requireTool(t, 'crontab') || !requireTool(t, 'faketime') || !requireTool(t, 'setpriv')) return;
  if (!throwAwayUser(t, USER, { home: true })) return;
  // By absolute path: one of the runs below has a PATH without them.
  const [setpriv, faketime] = ['setpriv', 'faketime'].map((name) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim());
  const asUser = [setpriv!, `--reuid=${USER}`, `--regid=${USER}`, '--init-groups'];
  // cron's environment for the user's lines, and nothing from this test's: no HB_CRONTAB_PATHS.
  const env = { HOME, PATH: '/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8' };
  const run = (args: string[], iso: string, e: NodeJS.ProcessEnv = env): Run =>
    hb(args, { env: e, prefix: [...asUser, faketime!, '-f', `@${iso.replace('T', ' ').replace('Z', '')}`] });
  const asUserSync = (...argv: string[]) => spawnSync(setpriv!, [...asUser.slice(1), ...argv], { encoding: 'utf8' });
  const probe = asUserSync(NODE, '-e', `require('fs').accessSync(${JSON.stringify(HB)}, require('fs').constants.R_OK)`);
  if (probe.status !== 0) {
    const why = `the built hb cannot be read as ${USER}: ${probe.error?.message ?? probe.stderr.trim()}`;
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error(why);
    return t.skip(why);
  }

  // What Ansible's cron module writes: a `#Ansible: NAME` comment above each job, env lines first.
  const crontab = [
    'PATH=/usr/bin:/bin',
    'SHELL=/bin/sh',
    '#Ansible: sync',
    `*/15 * * * * /bin/true && ${NODE} ${HB} tick sync`,
    '#Ansible: backup',
    `30 2 * * * ${NODE} ${HB} wrap --job backup -- /bin/true`,
    '',
  ].join('\n');
  const installed = spawnSync('crontab', ['-u', USER, '-'], { input: crontab, encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  assert.notEqual(asUserSync('cat', `/var/spool/cron/crontabs/${USER}`).status, 0, 'the spool file is not readable by its owner');

  assert.equal(run(['tick', 'sync'], '2026-11-20T09:00:05Z').code, 0);
  const wrapped = run(['wrap', '--job', 'backup', '--', '/bin/true'], '2026-11-20T02:30:05Z');
  assert.equal(wrapped.code, 0, wrapped.stderr);

  // Three days on: both jobs are long past due by their crontab schedules.
  const later = '2026-11-23T09:00:00Z';
  const judge = (what: string, PATH = env.PATH) => {
    const r = run(['check', '--json'], later, { ...env, PATH });
    // Nothing on stderr: cron would mail it every minute.
    assert.equal(r.stderr, '', what);
    const jobs = Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { job: string }) => [j.job, j]));
    return { code: r.code, sync: jobs.sync, backup: jobs.backup };
  };

  // The first tick asked crontab(1) already (is the job scheduled, or does it need a hint?) and
  // kept the answer: forget it, so each check below asks afresh.
  const kept = join(HOME, '.local', 'state', 'hb', 'meta', 'crontab.json');
  assert.ok(existsSync(kept), "the first tick kept crontab -l's answer");
  // crontab(1) missing from PATH, or failing: no crash, the jobs stay unscheduled.
  const fakeBin = join(HOME, 'fake-bin');
  mkdirSync(fakeBin, { mode: 0o755 });
  writeFileSync(join(fakeBin, 'crontab'), '#!/bin/sh\necho "crontab: something went wrong" >&2\nexit 1\n', { mode: 0o755 });
  for (const [what, PATH] of [
    ['crontab(1) not installed', '/nonexistent'],
    ['crontab -l failing', `${fakeBin}:/usr/bin:/bin`],
  ] as const) {
    rmSync(kept, { force: true });
    const r = judge(what, PATH);
    assert.deepEqual([r.code, r.sync.status, r.backup.status], [0, 'unscheduled', 'unscheduled'], what);
  }

  const check = judge('crontab -l');
  assert.equal(check.code, 1);
  assert.deepEqual([check.sync.status, check.sync.schedule, check.sync.schedule_source], ['stale', { cron: '*/15 * * * *' }, 'crontab']);
  assert.deepEqual([check.backup.status, check.backup.schedule, check.backup.schedule_source], ['stale', { cron: '30 2 * * *' }, 'crontab']);
  const text = run(['check'], later);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^backup\s+STALE/m);
  assert.match(text.stdout, /^sync\s+STALE/m);

  // crontab(1)'s answer is kept, for this user only, until the spool changes: no crontab(1) needed now.
  assert.deepEqual(judge('kept', '/nonexistent').sync.schedule, { cron: '*/15 * * * *' });
  assert.equal(statSync(join(HOME, '.local', 'state', 'hb', 'meta', 'crontab.json')).mode & 0o777, 0o600);

  // A crontab replaced or removed through crontab(1) is noticed by the next check.
  assert.equal(spawnSync('crontab', ['-u', USER, '-'], { input: crontab.replace('*/15 * * * *', '0 * * * *') }).status, 0);
  assert.deepEqual(judge('replaced').sync.schedule, { cron: '0 * * * *' });
  assert.equal(spawnSync('crontab', ['-u', USER, '-r']).status, 0);
  const none = judge('no crontab for the user');
  assert.deepEqual([none.code, none.sync.status, none.backup.status], [0, 'unscheduled', 'unscheduled']);
});
