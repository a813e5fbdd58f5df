// hb crontab against a real user crontab: Debian's crontab(1) reads and installs it, for a
// throw-away user so this machine's own crontabs are never touched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab } from '../../lib/rules/crontab/parse.ts';
import { HB, hb, requireTool, sandbox, throwAwayUser } from '../helpers.ts';

const USER = `hbct${process.pid}`;
const crontab = (...args: string[]) => spawnSync('crontab', ['-u', USER, ...args], { encoding: 'utf8' });
const install = (text: string) => spawnSync('crontab', ['-u', USER, '-'], { input: text, encoding: 'utf8' });

test('install, diff, uninstall, adopt and undo through crontab(1), keeping every foreign line', (t) => {
  if (!requireTool(t, 'crontab') || !throwAwayUser(t, USER)) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, 'jobs:\n  backup:\n    cron: "30 2 * * *"\n');
  const run = (...args: string[]) => hb(['crontab', '--user', USER, '--config', cfg, ...args], { env: s.env });

  // No crontab yet: install creates one holding only the block.
  assert.match(crontab('-l').stderr, /no crontab for/);
  const first = run('--install');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`installed the hb block in ${USER}'s crontab: 2 lines \\(backup, hb-check\\)`));
  assert.ok(crontab('-l').stdout.startsWith('# BEGIN hb: '));

  // A crontab of the user's own, then the block merged in: their lines stay, in front.
  const theirs = '# mine\nMAILTO=""\n15 4 * * * /usr/local/bin/rotate --all\n';
  assert.equal(install(theirs).status, 0);
  const diff = run('--diff');
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, new RegExp(`^--- ${USER}'s crontab\\n\\+\\+\\+ ${USER}'s crontab \\(new\\)`));
  assert.equal(crontab('-l').stdout, theirs, '--diff changes nothing');
  assert.equal(run('--install').code, 0);
  const merged = crontab('-l').stdout;
  assert.ok(merged.startsWith(`${theirs}\n# BEGIN hb: `), merged);
  const jobs = parseCrontab(merged, { kind: 'user', file: 'x' }).lines.filter((l) => l.kind === 'job');
  assert.deepEqual(
    jobs.map((j) => j.kind === 'job' && (j.hb[0]?.subcommand ?? 'theirs')),
    ['theirs', 'tick', 'check'],
  );
  assert.match(run('--install').stdout, /already has this hb block: nothing changed/);

  // Adopt wraps their line, not hb's; undo puts it back.
  const adopt = run('--adopt', '--apply');
  assert.equal(adopt.code, 0, adopt.stderr);
  assert.match(adopt.stderr, /line 3 → job rotate/);
  assert.match(adopt.stderr, /2 lines already run hb/);
  const adopted = crontab('-l').stdout;
  assert.match(adopted, /^15 4 \* \* \* \S+ \S+ wrap --job rotate --cron '15 4 \* \* \*' --config \S+ --state-dir \S+ -- \/usr\/local\/bin\/rotate --all$/m);
  assert.equal(run('--undo').code, 0);
  assert.equal(crontab('-l').stdout, merged);

  // Uninstall: only the block goes.
  assert.equal(run('--uninstall').code, 0);
  assert.equal(crontab('-l').stdout, theirs);
  assert.match(run('--uninstall').stdout, /already has no hb block/);
});

test('--adopt without --crontab: the user crontab, /etc/crontab and cron.d files cron reads, applied and undone together', (t) => {
  const user = `${USER}b`;
  if (!requireTool(t, 'crontab') || !throwAwayUser(t, user)) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const own = '0 5 * * * /usr/local/bin/mine\n';
  assert.equal(spawnSync('crontab', ['-u', user, '-'], { input: own, encoding: 'utf8' }).status, 0);
  // Stand-ins for /etc/crontab and /etc/cron.d, given through $HB_CRONTAB_PATHS.
  const etc = join(s.root, 'crontab');
  const crond = join(s.root, 'cron.d');
  mkdirSync(crond);
  const system = 'SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n';
  writeFileSync(etc, system);
  writeFileSync(join(crond, 'backup'), '30 2 * * * root /usr/local/bin/backup.sh\n');
  writeFileSync(join(crond, 'skipped.dpkg-old'), '30 3 * * * root /usr/local/bin/old\n');
  writeFileSync(join(crond, 'loose'), '30 4 * * * root /usr/local/bin/loose\n');
  chmodSync(join(crond, 'loose'), 0o664);
  const env = { ...s.env, HB_CRONTAB_PATHS: `${etc}:${crond}` };

  const r = hb(['crontab', '--adopt', '--apply', '--user', user], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`adopted 3 line\\(s\\) in ${user}'s crontab, ${etc}, ${join(crond, 'backup')};`));
  assert.match(spawnSync('crontab', ['-u', user, '-l'], { encoding: 'utf8' }).stdout, /wrap --job mine --cron '0 5 \* \* \*'/);
  assert.match(
    readFileSync(etc, 'utf8'),
    /^17 \* \* \* \* root \S+ \S+ wrap --job cron\.hourly --cron '17 \* \* \* \*' .* -- \/bin\/sh -c 'cd \/ && run-parts --report \/etc\/cron\.hourly'$/m,
  );
  assert.match(readFileSync(join(crond, 'backup'), 'utf8'), /wrap --job backup\.sh /);
  assert.equal(readFileSync(join(crond, 'skipped.dpkg-old'), 'utf8'), '30 3 * * * root /usr/local/bin/old\n', 'a name cron ignores is not adopted');
  assert.equal(readFileSync(join(crond, 'loose'), 'utf8'), '30 4 * * * root /usr/local/bin/loose\n', 'a file cron skips (group-writable) is not adopted');

  const undo = hb(['crontab', '--undo'], { env });
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(spawnSync('crontab', ['-u', user, '-l'], { encoding: 'utf8' }).stdout, own);
  assert.equal(readFileSync(etc, 'utf8'), system);
  assert.equal(readFileSync(join(crond, 'backup'), 'utf8'), '30 2 * * * root /usr/local/bin/backup.sh\n');
});

test('--install warns when the crontab already runs hb check for the same state directory, and installs all the same', (t) => {
  const user = `${USER}c`;
  if (!requireTool(t, 'crontab') || !throwAwayUser(t, user)) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const theirs = `#Ansible: hb-check\n* * * * * ${process.execPath} ${HB} check --state-dir ${s.state} >/dev/null\n`;
  assert.equal(spawnSync('crontab', ['-u', user, '-'], { input: theirs, encoding: 'utf8' }).status, 0);
  const install = (state: string) => hb(['crontab', '--install', '--user', user, '--state-dir', state], { env: s.env });
  const same = install(s.state);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, new RegExp(`warning: ${user}'s crontab:2 already runs hb check for ${s.state} \\(put there by Ansible: #Ansible: hb-check\\)`));
  assert.match(spawnSync('crontab', ['-u', user, '-l'], { encoding: 'utf8' }).stdout, /# END hb\n$/);
  const other = install(join(s.root, 'other'));
  assert.equal(other.code, 0, other.stderr);
  assert.doesNotMatch(other.stderr, /already runs hb check/, 'a check of another state directory is another check');
});
