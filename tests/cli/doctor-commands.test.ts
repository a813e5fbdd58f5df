// hb doctor's reading of a command against the real shell: for every line, the built CLI's
// verdict (the program is found or not) must be the one /bin/sh gives when it runs the command
// with cron's environment — PATH=/usr/bin:/bin, the crontab's settings, the line's own prefix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox, throwAwayUser } from '../helpers.ts';

interface Doctored {
  findings: Array<{ code: string; line: number; message: string }>;
}

test("a program is found where sh finds it: the PATH set in front of it, programs named by the crontab's variables", () => {
  const s = sandbox();
  try {
    // A program that exists only in a directory cron's PATH does not have.
    const sbin = join(s.root, 'sbin');
    mkdirSync(sbin);
    writeFileSync(join(sbin, 'only-here'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(sbin, 'only-here'), 0o755);
    const settings = { TOOL: join(sbin, 'only-here'), GONE: join(sbin, 'gone'), SBIN: sbin };
    // Each command, and whether sh finds its programs (exit 127 when not).
    const commands: Array<[string, boolean]> = [
      [`PATH="$PATH:${sbin}" only-here --x`, true],
      [`PATH=$SBIN:$PATH only-here`, true],
      [`export PATH="$PATH:$SBIN"; only-here`, true],
      ['only-here --x', false],
      [`PATH="$PATH:${sbin}/none" only-here`, false],
      [`PATH="$PATH:${sbin}" only-here; only-here`, false],
      ['X=1 Y="a b" only-here', false],
      ['$TOOL --x', true],
      ['"${TOOL}"', true],
      ['$GONE --x', false],
      ['$SBIN/only-here', true],
      ['$SBIN/gone', false],
    ];
    const text = `${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n${commands.map(([c]) => `* * * * * ${c}`).join('\n')}\n`;
    const file = join(s.root, 'crontab');
    writeFileSync(file, text);
    const r = hb(['doctor', '--json', '--crontab', file], { env: s.env });
    const doctored = JSON.parse(r.stdout) as Doctored;
    const first = Object.keys(settings).length + 1;
    commands.forEach(([command, found], i) => {
      const sh = spawnSync('/bin/sh', ['-c', command], { env: { PATH: '/usr/bin:/bin', SHELL: '/bin/sh', HOME: s.root, ...settings }, encoding: 'utf8' });
      assert.equal(sh.status === 127, !found, `sh on ${command}: exit ${sh.status} ${sh.stderr}`);
      const ours = doctored.findings.filter((f) => f.line === first + i);
      assert.deepEqual(
        ours.map((f) => f.code),
        found ? [] : ['command-not-found'],
        `hb doctor on ${command}: ${JSON.stringify(ours)}`,
      );
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
  } finally {
    s.cleanup();
  }
});

test("as root, doctor only reads a user's commands: it never runs them, nor a shell the user names", (t) => {
  const user = throwAwayUser(t, `hbsyntax${process.pid % 100_000}`, { home: true });
  if (!user) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const home = spawnSync('sh', ['-c', `getent passwd ${user} | cut -d: -f6`], { encoding: 'utf8' }).stdout.trim();
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout);
  // The user's crontab, where root's hb doctor finds it (a directory named crontabs, the file named after the user).
  chmodSync(s.root, 0o755);
  const spool = join(s.root, 'crontabs');
  mkdirSync(spool);
  chownSync(spool, uid, gid);
  const file = join(spool, user);
  const crontab = [
    `* * * * * echo $(touch ${home}/ran-subst) \`touch ${home}/ran-backquote\``,
    `* * * * * touch ${home}/ran-plain; { /bin/true }`,
    `SHELL=${home}/sh`,
    '* * * * * { /bin/true }',
    '',
  ].join('\n');
  // Written by the user: a crontab and a "shell" that would leave a mark if anyone ran it.
  const made = spawnSync('sh', ['-c', `printf '#!/bin/sh\\ntouch ${home}/ran-shell\\n' > ${home}/sh && chmod 755 ${home}/sh && cat > ${file}`], {
    uid,
    gid,
    input: crontab,
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  const r = hb(['doctor', '--json'], { env: { ...s.env, HB_CRONTAB_PATHS: file } });
  const findings = (JSON.parse(r.stdout) as Doctored).findings.filter((f) => (f as { file?: string }).file === file);
  assert.deepEqual(
    findings.map((f) => [f.line, f.code]),
    [[2, 'shell-syntax']],
    r.stdout,
  );
  for (const mark of ['ran-subst', 'ran-backquote', 'ran-plain', 'ran-shell'])
    assert.equal(existsSync(join(home, mark)), false, `${mark}: doctor ran something of the user's`);
});
