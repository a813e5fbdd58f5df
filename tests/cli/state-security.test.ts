// A state directory nobody else can subvert, through the built CLI (these tests run as root):
// links planted under hb's own names never make hb write to the file they point to; root
// refuses a directory another user can write; secrets are private whatever the umask.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hb, sandbox, type Sandbox } from '../helpers.ts';

const PRECIOUS = "root:x:0:0:precious, not hb's\n";

/** A sandbox with a victim file outside the state directory. */
function withVictim(): { s: Sandbox; victim: string; outside: string } {
  const s = sandbox();
  const outside = join(s.root, 'outside');
  mkdirSync(outside);
  const victim = join(outside, 'victim');
  writeFileSync(victim, PRECIOUS, { mode: 0o600 });
  mkdirSync(s.state, { recursive: true, mode: 0o755 });
  return { s, victim, outside };
}

const assertVictim = (victim: string, what: string) => {
  assert.equal(readFileSync(victim, 'utf8'), PRECIOUS, `${what}: the victim is unchanged`);
  assert.equal(statSync(victim).mode & 0o7777, 0o600, `${what}: its mode too`);
};
const isLink = (path: string) => lstatSync(path).isSymbolicLink();

test('a symlinked <job>.last is reported corrupt (never read through), then replaced by the next tick, never written through', (t) => {
  const { s, victim } = withVictim();
  t.after(() => s.cleanup());
  symlinkSync(victim, join(s.state, 'j.last'));
  const check = hb(['check', 'j', '--json'], { env: s.env });
  assert.equal(check.code, 1);
  const job = JSON.parse(check.stdout).jobs[0];
  assert.equal(job.status, 'corrupt');
  assert.match(job.reason, /symbolic link/);
  assert.doesNotMatch(check.stdout, /precious/, 'nothing of the victim is shown');

  const tick = hb(['tick', 'j', '--every', '1h'], { env: s.env });
  assert.equal(tick.code, 0, tick.stderr);
  assert.equal(isLink(join(s.state, 'j.last')), false, 'the link itself was replaced by the new heartbeat');
  assert.equal(JSON.parse(readFileSync(join(s.state, 'j.last'), 'utf8')).job, 'j');
  assertVictim(victim, '.last');
});

test('symlinked .run, cycle counter, lock files and meta files are replaced or removed, never followed', (t) => {
  const { s, victim } = withVictim();
  t.after(() => s.cleanup());
  for (const sub of ['locks', 'cycles', 'meta']) mkdirSync(join(s.state, sub));
  const links = ['j.run', 'cycles/j.n', 'cycles/j.lock', 'locks/j.lock', 'locks/hb-check.lock', 'meta/timings.json', 'meta/first-seen.json', 'hb-check.last'];
  for (const name of links) symlinkSync(victim, join(s.state, name));
  const wrap = hb(['wrap', '--job', 'j', '--lock', '--every', '1h', '--', 'sh', '-c', 'echo ran'], { env: s.env });
  assert.equal(wrap.code, 0, wrap.stderr);
  assert.equal(wrap.stdout, 'ran\n', 'a symlink at the lock path is not a live holder: the job runs');
  assert.equal(existsSync(join(s.state, 'j.run')), false, 'the marker (which replaced the .run link) is removed after the run');
  assert.equal(existsSync(join(s.state, 'locks', 'j.lock')), false, 'the link at the lock path was taken over and released');
  assert.equal(JSON.parse(readFileSync(join(s.state, 'j.last'), 'utf8')).cycle, 1, 'a linked counter reads as no counter');
  assert.equal(isLink(join(s.state, 'cycles', 'j.n')), false);

  // The check judges before it records itself: a linked hb-check.last is reported, then replaced.
  const check = hb(['check'], { env: s.env });
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, /hb-check\s+CORRUPT\s+\S+hb-check\.last: is a symbolic link/);
  assert.equal(isLink(join(s.state, 'hb-check.last')), false);
  assert.equal(hb(['check'], { env: s.env }).code, 0, 'the next check is healthy');
  assertVictim(victim, 'run/cycle/lock/meta links');
});

test('a symlinked or hard-linked events.jsonl is refused with a reason; the heartbeat is still written', (t) => {
  const { s, victim, outside } = withVictim();
  t.after(() => s.cleanup());
  symlinkSync(victim, join(s.state, 'events.jsonl'));
  const tick = hb(['tick', 'j', '--every', '1h'], { env: s.env });
  assert.equal(tick.code, 0, 'the event log is not the heartbeat: the ping still succeeds');
  assert.match(
    tick.stderr,
    /^hb: could not append to the event log in \S+: \S+events\.jsonl is a symbolic link; hb does not follow links in its state directory$/m,
  );
  assert.ok(isLink(join(s.state, 'events.jsonl')), 'left for a person to look at');
  assert.ok(existsSync(join(s.state, 'j.last')));
  assertVictim(victim, 'symlinked events.jsonl');

  // A hard link (same file system) is the same file under two names: refused too.
  const other = join(outside, 'log');
  writeFileSync(other, PRECIOUS);
  const s2 = sandbox();
  t.after(() => s2.cleanup());
  mkdirSync(s2.state, { recursive: true });
  const hard = join(s2.state, 'events.jsonl');
  linkSync(other, hard);
  const again = hb(['tick', 'j', '--every', '1h'], { env: s2.env });
  assert.equal(again.code, 0);
  assert.match(again.stderr, /events\.jsonl has 2 hard links; hb appends only to a file that is nowhere else/);
  assert.equal(readFileSync(other, 'utf8'), PRECIOUS, 'the hard-linked file is unchanged');
});

test('alert state and outbox links: replaced by rename, never written through or read as an item', (t) => {
  const { s, victim } = withVictim();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, 'notify:\n  - command: "exit 1"\njobs:\n  j:\n    every: 1m\n');
  s.env.HB_CONFIG = cfg;
  // A heartbeat two hours old: j is late, so the check opens an incident and enqueues its alert.
  writeFileSync(join(s.state, 'j.last'), '');
  const old = new Date(Date.now() - 2 * 3600_000);
  spawnSync('touch', ['-d', old.toISOString(), join(s.state, 'j.last')]);
  for (const sub of ['alerts', 'outbox']) mkdirSync(join(s.state, sub));
  symlinkSync(victim, join(s.state, 'alerts', 'state.json'));
  writeFileSync(victim.replace(/victim$/, 'item.json'), JSON.stringify({ v: 1, name: 'x', notification: { job: 'forged' } }));
  symlinkSync(victim.replace(/victim$/, 'item.json'), join(s.state, 'outbox', '000000000000001-000-forged.json'));
  const check = hb(['check'], { env: s.env });
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.equal(isLink(join(s.state, 'alerts', 'state.json')), false, 'the alert state replaced the link');
  assert.ok(JSON.parse(readFileSync(join(s.state, 'alerts', 'state.json'), 'utf8')).jobs.j);
  assert.doesNotMatch(check.stderr, /forged/, 'a linked outbox item is never read as a notification');
  const items = readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json') && !n.includes('forged'));
  assert.ok(items.length >= 1, 'the real alert waits in the outbox');
  for (const item of items) assert.equal(lstatSync(join(s.state, 'outbox', item)).mode & 0o777, 0o600);
  assertVictim(victim, 'alert state and outbox');
});

test('root refuses a state dir others can write (0777, 1777, group-writable, another owner): SPEC §2 fallback with a reason', (t) => {
  for (const [what, setup, reason] of [
    ['mode 0777', (d: string) => chmodSync(d, 0o777), /writable by group and others \(mode 0777\)/],
    ['mode 1777 (sticky)', (d: string) => chmodSync(d, 0o1777), /writable by group and others \(mode 1777\)/],
    ['mode 0775', (d: string) => chmodSync(d, 0o775), /writable by group \(mode 0775\)/],
    ['owned by uid 65534', (d: string) => chownSync(d, 65534, 65534), /owned by uid 65534, not root/],
  ] as const) {
    const s = sandbox();
    t.after(() => s.cleanup());
    mkdirSync(s.state, { recursive: true, mode: 0o755 });
    chmodSync(s.state, 0o755);
    setup(s.state);
    const userDir = join(s.root, 'xdg-state', 'hb');
    const tick = hb(['tick', 'j', '--every', '1h'], { env: s.env });
    assert.equal(tick.code, 0, `${what}: ${tick.stderr}`);
    assert.ok(tick.stderr.startsWith(`hb: state directory ${s.state} is not used by root: it is `), what);
    assert.ok(tick.stderr.endsWith(` could plant links in it (fix: chown root: ${s.state} && chmod 0755 ${s.state}); writing to ${userDir} instead\n`), what);
    assert.equal(tick.stderr.split('\n').length, 2, `${what}: one line`);
    assert.match(tick.stderr, reason, what);
    assert.deepEqual(readdirSync(s.state), [], `${what}: root wrote nothing there`);
    assert.ok(existsSync(join(userDir, 'j.last')), `${what}: the heartbeat is in the per-user dir`);

    // The check reads root's fallback only, and the directory it would not read is a problem of its own.
    const check = hb(['check', '--json'], { env: s.env });
    assert.equal(check.code, 1, `${what}: ${check.stderr}`);
    assert.equal(check.stderr, '', what);
    assert.deepEqual(readdirSync(s.state), [], `${what}: the check wrote nothing there either`);
    const doc = JSON.parse(check.stdout);
    assert.ok(
      doc.jobs.some((j: { job: string }) => j.job === 'j'),
      `${what}: the check sees the job`,
    );
    assert.deepEqual(doc.state_dirs, [userDir], what);
    assert.deepEqual(
      doc.untrusted_state_dirs.map((u: { dir: string }) => u.dir),
      [s.state],
      what,
    );
    assert.match(doc.untrusted_state_dirs[0].why, reason, what);
  }
});

test("files of another user inside root's state dir are replaced atomically (they become root's), never written in place", (t) => {
  const { s } = withVictim();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'j', '--every', '1h'], { env: s.env }).code, 0);
  chownSync(join(s.state, 'j.last'), 65534, 65534);
  const inode = statSync(join(s.state, 'j.last')).ino;
  assert.equal(hb(['tick', 'j', '--every', '1h'], { env: s.env }).code, 0);
  const st = statSync(join(s.state, 'j.last'));
  assert.equal(st.uid, 0, "the new heartbeat is root's");
  assert.notEqual(st.ino, inode, 'a new file, renamed over the old one');
});

test('with umask 000: heartbeats and events 0640 in 0750 folders, outbox 0600 in 0700, snapshots 0600 in 0700', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const umask0 = ['sh', '-c', 'umask 000; exec "$@"', 'sh'];
  const guarded = join(s.root, 'secret.conf');
  writeFileSync(guarded, 'password=hunter2\n', { mode: 0o600 });
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(
    cfg,
    [
      'notify:',
      '  - command: "exit 1"',
      'jobs:',
      '  agent:',
      '    every: 1h',
      '    recover:',
      '      health: "true"',
      `      config: [${guarded}]`,
      '      restart: "true"',
      '  late:',
      '    every: 1m',
      '',
    ].join('\n'),
  );
  s.env.HB_CONFIG = cfg;
  const wrap = hb(['wrap', '--job', 'agent', '--lock', '--', 'sh', '-c', 'echo token=SECRET'], { env: s.env, prefix: umask0 });
  assert.equal(wrap.code, 0, wrap.stderr);
  writeFileSync(join(s.state, 'late.last'), '');
  spawnSync('touch', ['-d', new Date(Date.now() - 3600_000).toISOString(), join(s.state, 'late.last')]);
  const check = hb(['check'], { env: s.env, prefix: umask0 });
  assert.equal(check.code, 1, check.stdout + check.stderr);

  const mode = (rel: string) => (lstatSync(join(s.state, rel)).mode & 0o7777).toString(8);
  assert.equal(mode('.'), '750', 'the state dir');
  assert.equal(mode('agent.last'), '640', 'a heartbeat holds an output tail: not for other users, never writable by the group');
  assert.match(readFileSync(join(s.state, 'agent.last'), 'utf8'), /SECRET/, 'the tail is in it');
  for (const dir of ['locks', 'cycles', 'alerts']) assert.equal(mode(dir), '750', dir);
  assert.equal(mode('events.jsonl'), '640');
  assert.equal(mode('alerts/state.json'), '640');
  assert.equal(mode('outbox'), '700', 'the outbox holds notifications with output tails');
  const items = readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json'));
  assert.ok(items.length > 0, 'an undelivered alert waits');
  for (const item of items) assert.equal(mode(`outbox/${item}`), '600', item);

  const recover = join(s.state, 'recover');
  assert.ok(existsSync(recover), 'a healthy check snapshotted the guarded config');
  for (const rel of readdirSync(recover, { recursive: true, encoding: 'utf8' })) {
    const st = lstatSync(join(recover, rel));
    assert.equal((st.mode & 0o7777).toString(8), st.isDirectory() ? '700' : '600', `recover/${rel}`);
  }
  assert.equal(mode('recover'), '700');
});

const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

test('another user reads no heartbeat, and says so instead of reporting "all healthy"; a group let in on purpose reads them', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  chmodSync(s.root, 0o755);
  const env = { ...s.env, HOME: '/nonexistent' };
  assert.equal(hb(['tick', 'backup', '--every', '1h', '--message', 'token=SECRET'], { env: s.env }).code, 0);
  const denied = spawnSync(asNobody[0]!, [...asNobody.slice(1), 'sh', '-c', `cat ${join(s.state, 'backup.last')}`], { encoding: 'utf8' });
  assert.notEqual(denied.status, 0, 'the heartbeat and its tail are not readable by other users');
  assert.doesNotMatch(denied.stdout, /SECRET/);
  const blind = hb(['check', '--format', 'nagios', '--no-notify', '--no-recover'], { env, prefix: asNobody });
  assert.equal(blind.code, 3, blind.stdout + blind.stderr);
  assert.match(blind.stdout, /^HB UNKNOWN - cannot read the state directory .* \(EACCES\)/);

  // The documented way to let a monitoring user in: the directory's group, setgid.
  chownSync(s.state, 0, 65534);
  chmodSync(s.state, 0o2750);
  spawnSync('chgrp', ['-R', '65534', s.state]);
  assert.equal(hb(['tick', 'sync', '--every', '1h'], { env: s.env }).code, 0);
  assert.equal(statSync(join(s.state, 'sync.last')).gid, 65534, "new files take the directory's group");
  const seen = hb(['check', '--format', 'nagios', '--no-notify', '--no-recover'], { env, prefix: asNobody });
  assert.equal(seen.code, 0, seen.stdout + seen.stderr);
  assert.match(seen.stdout, /^HB OK - 2 jobs healthy/);
  assert.equal(seen.stderr, '', 'a monitoring user that may not write is not warned at every run');
});
