// hb doctor's reading of a command against the real shell: for every line, the built CLI's
// verdict (the program is found or not) must be the one /bin/sh gives when it runs the command
// with cron's environment — PATH=/usr/bin:/bin, the crontab's settings, the line's own prefix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox } from '../helpers.ts';

interface Doctored {
  findings: Array<{ code: string; line: number; message: string }>;
}

test('a program is found where sh finds it: the PATH set in front of it, programs named by the crontab\'s variables', () => {
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
    const text = `${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n')}\n${commands.map(([c]) => `* * * * * ${c}`).join('\n')}\n`;
    const file = join(s.root, 'crontab');
    writeFileSync(file, text);
    const r = hb(['doctor', '--json', '--crontab', file], { env: s.env });
    const doctored = JSON.parse(r.stdout) as Doctored;
    const first = Object.keys(settings).length + 1;
    commands.forEach(([command, found], i) => {
      const sh = spawnSync('/bin/sh', ['-c', command], { env: { PATH: '/usr/bin:/bin', SHELL: '/bin/sh', HOME: s.root, ...settings }, encoding: 'utf8' });
      assert.equal(sh.status === 127, !found, `sh on ${command}: exit ${sh.status} ${sh.stderr}`);
      const ours = doctored.findings.filter((f) => f.line === first + i);
      assert.deepEqual(ours.map((f) => f.code), found ? [] : ['command-not-found'], `hb doctor on ${command}: ${JSON.stringify(ours)}`);
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
  } finally {
    s.cleanup();
  }
});
