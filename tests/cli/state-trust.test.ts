// Root acts only on state no other user can change (these tests run hb as root): a state
// directory another user can write, or whose path leads through one, is never read, written or
// deleted through by root. The attacks are made by a real unprivileged user.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, hbRun, sandbox, throwAwayUser, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

/** A user made for this test, and a way to run hb (or anything) as that user. */
interface Attacker {
  uid: number;
  gid: number;
  hb(args: string[], env: NodeJS.ProcessEnv): Run;
  run(cmd: string, args: string[]): Run;
}

function attacker(t: Parameters<typeof throwAwayUser>[0], tag: string): Attacker | null {
  const name = throwAwayUser(t, `hbtrust${tag}${process.pid % 10000}`);
  if (name === null) return null;
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv): Run => {
    const r = spawnSync(cmd, args, { uid, gid, env: env ?? { PATH: process.env.PATH }, cwd: '/', encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    uid,
    gid,
    run,
    // The attacker's own hb, with no config and no home of its own: only the shared directory.
    hb: (args, env) =>
      run(process.execPath, [HB, ...args], {
        PATH: process.env.PATH,
        HOME: '/nonexistent',
        XDG_CONFIG_HOME: '/nonexistent',
        TZ: 'UTC',
        HB_CRONTAB_PATHS: '',
        ...env,
      }),
  };
}

/** A sandbox others can reach, with `shared`: a directory every user can write, sticky or not. */
function withShared(mode: number): Sandbox & { shared: string } {
  const s = sandbox();
  chmodSync(s.root, 0o755);
  const shared = join(s.root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, mode);
  return { ...s, shared };
}

const must = (r: Run, what: string, code = 0) => assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);

test("a state dir others can write (1777): another user's tick never resolves root's failed job", async (t) => {
  const bad = attacker(t, 'r');
  if (!bad) return;
  const rec = await startRecorder();
  t.after(() => rec.close());
  const s = withShared(0o1777);
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, `notify:\n  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}\n`);
  Object.assign(s.env, { HB_CONFIG: cfg, HB_STATE_DIR: s.shared });

  must(hb(['tick', 'backup', '--every', '1d', '--status', 'error'], { env: s.env }), "root's failed backup");
  const first = await hbRun(['check'], { env: s.env });
  must(first, 'the first check', 1);
  const types = () => rec.requests.map((r) => (r.body as { type?: string }).type);
  assert.deepEqual(types(), ['alert'], "root's backup failure is alerted");

  // Another user says root's backup is fine, in the directory root was told to use.
  must(bad.hb(['tick', 'backup', '--every', '100d'], { HB_STATE_DIR: s.shared }), "the other user's tick");
  assert.ok(existsSync(join(s.shared, 'backup.last')), 'the planted heartbeat is there');

  const second = await hbRun(['check'], { env: s.env });
  assert.deepEqual(types(), ['alert'], "no resolve: root never takes the other user's word for it");
  must(second, 'the check after the planted heartbeat', 1);
  assert.match(second.stdout, /^backup\s+FAILED/m, second.stdout);
  assert.ok(second.stdout.includes(`${s.shared}  UNTRUSTED`), second.stdout);
  assert.ok(second.stdout.includes(`fix: chown root: ${s.shared} && chmod 0755 ${s.shared}`), second.stdout);
});

test("a failed heartbeat planted in a state dir others can write never makes root's check restart anything", async (t) => {
  const bad = attacker(t, 'p');
  if (!bad) return;
  const s = withShared(0o1777);
  t.after(() => s.cleanup());
  const restarted = join(s.root, 'restarted');
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, `jobs:\n  agent:\n    every: 1h\n    recover:\n      restart: "touch ${restarted}"\n      settle: 0s\n`);
  chmodSync(cfg, 0o644);
  Object.assign(s.env, { HB_CONFIG: cfg, HB_STATE_DIR: s.shared });

  must(bad.hb(['tick', 'agent', '--every', '1h', '--status', 'error'], { HB_STATE_DIR: s.shared }), 'the planted failure');
  const check = await hbRun(['check'], { env: s.env });
  assert.equal(existsSync(restarted), false, `root ran no restart\n${check.stdout}${check.stderr}`);
  must(check, 'the check', 1);
  assert.doesNotMatch(check.stdout, /recovery:/, check.stdout);
  assert.ok(check.stdout.includes(`${s.shared}  UNTRUSTED`), check.stdout);
});

/** Root's own state in a private directory, and another user's link to it in a directory everyone can write. */
function linkedState(t: Parameters<typeof throwAwayUser>[0], mode: number, tag: string) {
  const bad = attacker(t, tag);
  if (!bad) return null;
  const s = withShared(mode);
  t.after(() => s.cleanup());
  const precious = join(s.root, 'precious');
  must(hb(['tick', 'x', '--every', '1h', '--state-dir', precious], { env: s.env }), "root's own heartbeat");
  const link = join(s.shared, 'hb');
  must(bad.run('ln', ['-s', precious, link]), "the other user's link");
  const before = readFileSync(join(precious, 'x.last'), 'utf8');
  const listing = readdirSync(precious).sort();
  const untouched = (what: string) => {
    assert.equal(readFileSync(join(precious, 'x.last'), 'utf8'), before, `${what}: the heartbeat it points to is untouched`);
    assert.deepEqual(readdirSync(precious).sort(), listing, `${what}: nothing added or removed there`);
  };
  return { bad, s, link, untouched, userDir: join(s.root, 'xdg-state', 'hb') };
}

for (const mode of [0o1777, 0o777]) {
  const m = mode.toString(8);
  test(`a symlinked state dir in a directory others can write (${m}): root's tick writes to its own fallback, never where the link points`, (t) => {
    const c = linkedState(t, mode, mode === 0o777 ? 'a' : 'b');
    if (!c) return;
    const tick = hb(['tick', 'x', '--every', '1h', '--status', 'error', '--state-dir', c.link], { env: c.s.env });
    must(tick, "root's tick through the link");
    c.untouched('tick');
    assert.match(
      tick.stderr,
      new RegExp(
        `^hb: state directory ${c.link} is not used by root: (it is a symbolic link owned by uid ${c.bad.uid}|${c.s.shared} is writable by group and others)`,
      ),
      tick.stderr,
    );
    assert.ok(tick.stderr.endsWith(`writing to ${c.userDir} instead\n`), tick.stderr);
    assert.ok(existsSync(join(c.userDir, 'x.last')), "the heartbeat went to root's fallback");
  });

  test(`a symlinked state dir in a directory others can write (${m}): root's forget and pause change nothing where the link points`, (t) => {
    const c = linkedState(t, mode, mode === 0o777 ? 'c' : 'd');
    if (!c) return;
    for (const cmd of ['forget', 'pause']) {
      const r = hb([cmd, 'x', '--state-dir', c.link], { env: c.s.env });
      c.untouched(cmd);
      // Nothing named x in root's fallback, and the link is never looked through: refused.
      must(r, cmd, 2);
      assert.match(r.stderr, new RegExp(`^hb: state directory ${c.link} is not used by root: `), r.stderr);
      assert.ok(r.stderr.endsWith(`hb: no job named x: no heartbeat in ${c.userDir} and not in the config\n`), r.stderr);
    }
  });
}

test("root's check, status, report and log say which state directory they do not trust, and why", async (t) => {
  const s = withShared(0o777);
  t.after(() => s.cleanup());
  Object.assign(s.env, { HB_STATE_DIR: s.shared });
  // Planted directly: what root must not read.
  writeFileSync(join(s.shared, 'ghost.last'), '');
  must(hb(['tick', 'x', '--every', '1h'], { env: s.env }), "root's tick falls back");
  const fix = `chown root: ${s.shared} && chmod 0755 ${s.shared}`;

  const json = hb(['check', '--json'], { env: s.env });
  must(json, 'check --json', 1);
  const doc = JSON.parse(json.stdout);
  assert.deepEqual(
    doc.jobs.map((j: { job: string }) => j.job).filter((j: string) => j !== 'hb-check'),
    ['x'],
    'the planted job is not read',
  );
  assert.equal(doc.healthy, false);
  assert.deepEqual(
    doc.untrusted_state_dirs.map((u: { dir: string; fix: string }) => [u.dir, u.fix]),
    [[s.shared, fix]],
  );

  const nagios = hb(['check', '--format', 'nagios'], { env: s.env });
  must(nagios, 'nagios', 2);
  assert.ok(nagios.stdout.startsWith(`HB CRITICAL - state directory ${s.shared} untrusted`), nagios.stdout);

  const prom = hb(['check', '--format', 'prometheus'], { env: s.env });
  must(prom, 'prometheus', 1);
  assert.ok(prom.stdout.includes(`hb_state_dir_untrusted{dir="${s.shared}"} 1`), prom.stdout);

  for (const args of [['status'], ['report'], ['log']]) {
    const r = hb(args, { env: s.env });
    must(r, args[0]!);
    assert.ok(r.stderr.includes(`hb: state directory ${s.shared} is not trusted by root`), `${args[0]}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /ghost/, `${args[0]} shows nothing from it`);
  }
});

test("a PID file planted in a state dir others can write never makes root's hb daemon stop signal its process", async (t) => {
  const bad = attacker(t, 'k');
  if (!bad) return;
  const s = withShared(0o1777);
  t.after(() => s.cleanup());
  Object.assign(s.env, { HB_STATE_DIR: s.shared });
  const victim = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => victim.kill('SIGKILL'));
  await new Promise((r) => victim.once('spawn', r));
  must(bad.run('sh', ['-c', `echo ${victim.pid} > ${join(s.shared, 'daemon.pid')}`]), 'the planted PID file');

  const stop = await hbRun(['daemon', 'stop', '--timeout', '2s'], { env: s.env });
  assert.equal(victim.exitCode ?? victim.signalCode, null, `the process the planted file names still runs\n${stop.stdout}${stop.stderr}`);
  must(stop, 'daemon stop');
  assert.match(stop.stdout, /^hb daemon: not running/, stop.stdout);
  assert.match(stop.stderr, new RegExp(`^hb: state directory ${s.shared} is not used by root: `), stop.stderr);
});

test('hb doctor, as root, reports a state dir others can write as a state-dir error with its fix', (t) => {
  const s = withShared(0o777);
  t.after(() => s.cleanup());
  Object.assign(s.env, { HB_STATE_DIR: s.shared });
  const crontab = join(s.root, 'crontab');
  writeFileSync(crontab, '');
  const r = hb(['doctor', '--json', '--crontab', crontab], { env: s.env });
  const found = JSON.parse(r.stdout).findings.filter((f: { code: string }) => f.code === 'state-dir');
  assert.equal(found.length, 1, r.stdout);
  assert.match(found[0].message, /^root does not use this state directory, since other users can change it \(it is writable by group and others \(mode 0777\)/);
  assert.equal(found[0].fix, `chown root: ${s.shared} && chmod 0755 ${s.shared}`);
  must(r, 'doctor', 1);
});
