// Root obeys its config (a job's command, restart, a command sink run as root), so root uses only
// a config nobody else can change. These tests run hb as root; the config is written by a real
// unprivileged user, or left writable by one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox, throwAwayUser, type Run } from '../helpers.ts';

const idOf = (name: string) => ({
  uid: Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim()),
  gid: Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim()),
});

const must = (r: Run, what: string, code: number) => assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);

/** A config whose job, run by root, leaves `marker` behind: the proof that root obeyed it. */
const obeyed = (marker: string) => `jobs:\n  pwn:\n    every: 1h\n    command: touch ${marker}\n`;

test("a config in another user's home is not used by root: its command never runs as root (exit 2, the fix named)", (t) => {
  const name = throwAwayUser(t, `hbcfg${process.pid % 10000}`, { home: true });
  if (name === null) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const { uid, gid } = idOf(name);
  const home = spawnSync('sh', ['-c', `getent passwd ${name} | cut -d: -f6`], { encoding: 'utf8' }).stdout.trim();
  const cfg = join(home, 'hb.yaml');
  const marker = join(s.root, 'pwned');
  writeFileSync(cfg, obeyed(marker));
  chownSync(cfg, uid, gid);

  const r = hb(['tick', 'pwn', '--config', cfg], { env: s.env });
  must(r, "root's tick with the user's config", 2);
  assert.equal(existsSync(marker), false, "the user's command did not run as root");
  assert.ok(r.stderr.includes(`not used by root (config from --config): ${home} is owned by uid ${uid}`), r.stderr);
  assert.ok(r.stderr.includes(`fix: chown root: ${home}`), r.stderr);
  assert.equal(existsSync(join(s.state, 'pwn.last')), false, 'nothing was recorded either');
});

test('a hb.yaml another user left in the working directory (sticky, world-writable) is not used by root', (t) => {
  const name = throwAwayUser(t, `hbcwd${process.pid % 10000}`);
  if (name === null) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const { uid, gid } = idOf(name);
  chmodSync(s.root, 0o755);
  const shared = join(s.root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const marker = join(s.root, 'pwned');
  const cfg = join(shared, 'hb.yaml');
  writeFileSync(cfg, obeyed(marker));
  chownSync(cfg, uid, gid);

  for (const args of [['tick', 'pwn'], ['check'], ['status']]) {
    const r = hb(args, { env: s.env, cwd: shared });
    must(r, `root's hb ${args[0]} in ${shared}`, 2);
    assert.ok(r.stderr.includes(`not used by root (config from ${cfg}): ${cfg} is owned by uid ${uid}`), r.stderr);
    assert.ok(r.stderr.includes(`fix: chown root: ${cfg} && chmod go-w ${cfg}`), r.stderr);
  }
  assert.equal(existsSync(marker), false, 'the planted command never ran');
});

test("root's own config that group or others can write is not used; made private, it is", (t) => {
  if (process.getuid?.() !== 0) return t.skip('the rule applies to root');
  const s = sandbox();
  t.after(() => s.cleanup());
  const marker = join(s.root, 'ran');
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, obeyed(marker));
  for (const mode of [0o666, 0o664]) {
    chmodSync(cfg, mode);
    const r = hb(['tick', 'pwn', '--config', cfg], { env: s.env });
    must(r, `mode ${mode.toString(8)}`, 2);
    assert.match(r.stderr, new RegExp(`${cfg} is writable by (group and others|group) \\(mode 06\\d\\d\\): they decide what root runs`), r.stderr);
    assert.equal(existsSync(marker), false);
  }
  chmodSync(cfg, 0o644);
  must(hb(['tick', 'pwn', '--config', cfg], { env: s.env }), 'the config once private', 0);
  assert.equal(existsSync(marker), true, 'root runs the job of a config only root can change');
});

test('hb doctor, as root, reports a config others can change as a config error with its fix', (t) => {
  if (process.getuid?.() !== 0) return t.skip('the rule applies to root');
  const s = sandbox();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, 'jobs:\n  a: {every: 1h}\n');
  chmodSync(cfg, 0o666);
  const crontab = join(s.root, 'crontab');
  writeFileSync(crontab, '');
  const r = hb(['doctor', '--config', cfg, '--crontab', crontab, '--json'], { env: s.env });
  must(r, 'doctor', 1);
  const out = JSON.parse(r.stdout) as { findings: { severity: string; message: string }[] };
  const found = out.findings.find((f) => f.message.includes('not used by root'));
  assert.ok(found, r.stdout);
  assert.equal(found.severity, 'error');
  assert.ok(found.message.includes(`chmod go-w ${cfg}`), found.message);
});
