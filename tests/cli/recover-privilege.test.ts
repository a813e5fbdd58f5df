// Recovery never gives the agent's user more than it had: hb runs as root (as from root's
// crontab), the agent's files live in a directory a real unprivileged user owns, and that user
// tries to make root's snapshot and restore hand it a setuid root shell, /etc/shadow, or a file
// in a directory only root can write.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hbRun, sandbox, throwAwayUser, type Sandbox } from '../helpers.ts';

/** The agent's user, its home, and a sandbox whose hb.yaml guards `<home>/agent/config` as root. */
function agentOfUser(t: TestContext, name: string) {
  const user = throwAwayUser(t, name, { home: true });
  if (!user) return null;
  const id = (flag: string) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  const home = `/home/${user}`;
  const as = (script: string) => {
    const r = spawnSync('sh', ['-c', script], { uid, gid, cwd: home, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home } });
    assert.equal(r.status, 0, `as ${user}: ${script}: ${r.stderr}`);
    return r.stdout;
  };
  as('mkdir agent');
  const config = join(home, 'agent', 'config');
  const s = sandbox();
  t.after(s.cleanup);
  // The health marker is the test's (root's): it decides when the agent is healthy.
  const ok = join(s.root, 'healthy');
  writeFileSync(ok, '');
  const yaml = [
    'jobs:',
    '  agent:',
    '    every: 1h',
    '    recover:',
    `      health: "test -e ${ok}"`,
    `      config: [${config}]`,
    '      restart: "true"',
    '      settle: 0s',
    '',
  ].join('\n');
  writeFileSync(join(s.root, 'hb.yaml'), yaml);
  const env = { ...s.env, HB_CONFIG: join(s.root, 'hb.yaml') };
  return { user, uid, gid, home, config, s, ok, env, as };
}

/** Every blob of the job's snapshot store, as bytes. */
function blobs(s: Sandbox): Buffer[] {
  const dir = join(s.state, 'recover', 'agent', 'blobs');
  return existsSync(dir) ? readdirSync(dir).map((name) => readFileSync(join(dir, name))) : [];
}

test('a setuid copy of /bin/sh snapshotted while healthy never comes back as a root-owned setuid shell', async (t) => {
  const a = agentOfUser(t, 'hbsec-rc-suid');
  if (!a) return;
  a.as('cp /bin/sh agent/config && chmod 4755 agent/config');
  const healthy = await hbRun(['check'], { env: a.env });
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /^recovery: agent: saved the guarded files as known-good snapshot /m);
  const snapshots = readdirSync(join(a.s.state, 'recover', 'agent', 'snapshots'));
  const manifest = JSON.parse(readFileSync(join(a.s.state, 'recover', 'agent', 'snapshots', snapshots[0]!, 'manifest.json'), 'utf8'));
  assert.equal(manifest.files[0].mode, 0o755, 'the setuid bit is not snapshotted');

  // The user deletes it and the agent goes down: hb puts the file back.
  a.as('rm agent/config');
  rmSync(a.ok);
  const r = await hbRun(['check'], { env: a.env });
  assert.match(r.stdout, /^recovery: agent: restored .*agent\/config from the known-good copy/m, r.stdout + r.stderr);
  const st = statSync(a.config);
  assert.deepEqual(readFileSync(a.config), readFileSync('/bin/sh'), 'the known-good bytes are back');
  assert.equal(st.mode & 0o7777, 0o755, 'no setuid, setgid or sticky bit is restored');
  assert.deepEqual([st.uid, st.gid], [a.uid, a.gid], 'written as the user who controls the directory, not as root');
});

test('a guarded path that is a symlink to /etc/shadow is never read: no snapshot, refused and reported', async (t) => {
  const a = agentOfUser(t, 'hbsec-rc-shadow');
  if (!a) return;
  const shadow = readFileSync('/etc/shadow');
  a.as('ln -s /etc/shadow agent/config');
  const healthy = await hbRun(['check'], { env: a.env });
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(
    healthy.stdout,
    /^recovery: agent: no snapshot taken: hb will not touch .*agent\/config \(is a symbolic link: hb never follows a link at a guarded path\)$/m,
  );
  assert.ok(!blobs(a.s).some((b) => b.equals(shadow)), 'the shadow file is not in the snapshot store');
  const again = await hbRun(['check'], { env: a.env });
  assert.doesNotMatch(again.stdout, /no snapshot taken/, 'said once, not on every check');
  const doctor = await hbRun(['doctor', '--json'], { env: a.env });
  const found = JSON.parse(doctor.stdout).findings.filter((f: { code: string }) => f.code === 'recover-unsafe-path');
  assert.equal(found.length, 1, doctor.stdout);
  assert.match(found[0].message, /job "agent": recovery will not touch .*agent\/config: is a symbolic link/);

  // The user swaps the link for a file of its own and the agent goes down.
  a.as('rm agent/config && echo mine > agent/config');
  rmSync(a.ok);
  const r = await hbRun(['check'], { env: a.env });
  assert.doesNotMatch(r.stdout, /restored/, r.stdout);
  assert.equal(a.as('cat agent/config'), 'mine\n', "the shadow file did not reach the agent's directory");
  assert.ok(!blobs(a.s).some((b) => b.equals(shadow)));
});

test('a guarded path turned into a symlink to a missing file in a root-only directory makes root create nothing', async (t) => {
  const a = agentOfUser(t, 'hbsec-rc-plant');
  if (!a) return;
  a.as('echo good > agent/config');
  assert.equal((await hbRun(['check'], { env: a.env })).code, 0, 'healthy: snapshot taken');
  const rootOnly = join(a.s.root, 'root-only');
  mkdirSync(rootOnly, { mode: 0o700 });
  const planted = join(rootOnly, 'planted');
  a.as(`rm agent/config && ln -s ${planted} agent/config`);
  rmSync(a.ok);
  const r = await hbRun(['check'], { env: a.env });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(existsSync(planted), false, 'root created no file through the link');
  assert.match(r.stdout, /^agent\s+RECOVERY_REFUSED\s+.*left alone: .*agent\/config \(is a symbolic link/m);
  const json = JSON.parse((await hbRun(['check', '--json', '--no-recover'], { env: a.env })).stdout).jobs.find((j: { job: string }) => j.job === 'agent');
  assert.equal(json.status, 'recovery_refused');
  assert.match(json.reason, /agent\/config \(is a symbolic link/);
});
