// The shell's own verdict on crontab commands, asked in batches: the same verdict as asking
// `sh -n -c` one command at a time, nothing ever run, and a time limit that leaves a batch unchecked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSyntax, SYNTAX_LIMITS, type SyntaxCheck } from '../../bin/shell-syntax.ts';

const SHAPES = [
  '/usr/local/bin/job --flag',
  '{ /usr/local/bin/job --flag }',
  '{ /usr/local/bin/job --flag; } >> /var/log/job.log 2>&1',
  'cd /srv && ./run.sh "$(date +%F)"',
  'if [ -f /tmp/go ]; then /bin/true; fi; fi',
  '/usr/bin/rsync -a "/srv /mnt',
  "echo 'it''s'",
  'sleep $[($RANDOM%60)]; /bin/true',
  'diff <(ls /a) <(ls /b)',
  'a &&',
  'for f in /tmp/*.log; do gzip "$f"; done',
  'case $1 in a) echo a;; esac',
];

test('batched verdicts are the ones sh -n -c and bash -n -c give one command at a time', async () => {
  const checks: SyntaxCheck[] = [];
  for (let i = 0; i < 120; i++) checks.push({ shell: i % 3 === 0 ? '/bin/bash' : '/bin/sh', command: `${SHAPES[i % SHAPES.length]} # ${i}` });
  const verdicts = await checkSyntax(checks, { ...SYNTAX_LIMITS, batch: 7 });
  let refused = 0;
  for (const { shell, command } of checks) {
    const alone = spawnSync(shell, ['-n', '-c', command], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
    const ours = verdicts(shell, command);
    assert.equal(ours === null, alone.status === 0, `${shell} on ${command}: ${alone.stderr} / ${ours}`);
    if (ours !== null) {
      refused++;
      assert.equal(ours, alone.stderr.trim().split('\n')[0], command);
    }
  }
  assert.ok(refused > 20, `${refused} refused`);
  assert.equal(verdicts('/bin/sh', 'never asked'), undefined);
});

test('nothing is run: substitutions, redirections and BASH_ENV stay unread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-syntax-'));
  const before = process.env.BASH_ENV;
  try {
    writeFileSync(join(dir, 'env.sh'), `touch ${dir}/bash-env\n`);
    process.env.BASH_ENV = join(dir, 'env.sh');
    const commands = [
      `touch ${dir}/plain`,
      `echo $(touch ${dir}/subst)`,
      `echo \`touch ${dir}/backquote\``,
      `echo > ${dir}/redirect`,
      `{ touch ${dir}/group; }`,
    ];
    const checks = ['/bin/sh', '/bin/bash'].flatMap((shell) => commands.map((command) => ({ shell, command })));
    const verdicts = await checkSyntax(checks);
    for (const c of checks) assert.equal(verdicts(c.shell, c.command), null, c.command);
    for (const name of ['plain', 'subst', 'backquote', 'redirect', 'group', 'bash-env']) assert.equal(existsSync(join(dir, name)), false, name);
  } finally {
    if (before === undefined) delete process.env.BASH_ENV;
    else process.env.BASH_ENV = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bounded: a batch out of time, commands past the total and a shell that is not there are left unchecked', async () => {
  const many = Array.from({ length: 200 }, (_, i) => ({ shell: '/bin/sh', command: `{ x${i} }` }));
  const late = await checkSyntax(many, { ...SYNTAX_LIMITS, batch: 200, timeoutMs: 1 });
  assert.ok(
    many.some((c) => late(c.shell, c.command) === undefined),
    'a driver stopped by its time limit leaves commands unchecked',
  );
  const capped = await checkSyntax(many, { ...SYNTAX_LIMITS, total: 3 });
  assert.deepEqual(many.map((c) => capped(c.shell, c.command) !== undefined).filter(Boolean).length, 3);
  const missing = await checkSyntax([{ shell: '/nonexistent/sh', command: '{ x }' }]);
  assert.equal(missing('/nonexistent/sh', '{ x }'), undefined);
});
