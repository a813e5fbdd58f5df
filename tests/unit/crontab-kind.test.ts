// Which format a crontab named by hand is in (user: schedule, command; system: schedule, user,
// command), from its place and its lines, and how sure hb is — on fixtures in real shapes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { guessCrontabKind, type KindFacts } from '../../lib/rules/crontab/kind.ts';
import { requireTool } from '../helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/crontabs/${name}`, import.meta.url));
const facts = (users: string[], programs: string[] = []): KindFacts => ({ isUser: (n) => users.includes(n), isProgram: (n) => programs.includes(n) });
const HOST = facts(['root', 'www-data', 'backup'], ['php', 'curl', 'python3', 'rsync', 'sync']);
const guess = (path: string, text: string, f = HOST) => guessCrontabKind(path, text, f);

test("kind from the place: /etc/crontab, a cron.d folder and a Debian package's NAME.cron.d are system files, the spool holds user ones", () => {
  for (const path of ['/etc/crontab', '/srv/x/cron.d/hb', '/src/pkg/debian/foo.cron.d', '/src/pkg/debian/cron.d']) {
    const g = guess(path, '* * * * * /bin/x\n');
    assert.deepEqual([g.kind, g.sure], ['system', true], path);
  }
  const spool = guess('/var/spool/cron/crontabs/alice', '* * * * * root /bin/x\n');
  assert.deepEqual([spool.kind, spool.sure], ['user', true]);
});

test('kind from the lines: a known user after the schedule on every line is a system file, and hb says why', () => {
  const g = guess(fixture('backup.txt'), readFileSync(fixture('backup.txt'), 'utf8'));
  assert.deepEqual([g.kind, g.sure], ['system', true]);
  assert.match(g.why, /4 of 4 job lines name a known user after the schedule \(root, backup, www-data\)/);
  // The same lines on a host that has only root: the other users are not there, root still decides.
  const bare = guess(fixture('backup.txt'), readFileSync(fixture('backup.txt'), 'utf8'), facts(['root']));
  assert.deepEqual([bare.kind, bare.sure], ['system', true], bare.why);
  assert.deepEqual([guess('./mine', 'A=1\n# c\n* * * * * root /bin/x\n@daily www-data /bin/y\n').kind], ['system']);
});

test('kind from the lines: commands where a user field would be make a user crontab', () => {
  for (const text of [
    '*/5 * * * * /usr/local/bin/job\n0 3 * * * backup.sh\n',
    '*/5 * * * * curl -fsS https://example.com/ping\n0 * * * * php /var/www/artisan schedule:run\n',
    '0 3 * * * cd /srv/app && ./bin/cleanup\n@daily sleep 30; rsync -a /a /b\n',
    '0 4 * * * sync\n', // a user named sync exists on Debian, but a system line needs a command after it
    '# nothing but comments\nMAILTO=""\n',
    '',
  ]) {
    const g = guess('./mine', text);
    assert.deepEqual([g.kind, g.sure], ['user', true], `${text} — ${g.why}`);
  }
});

test('kind from the lines: not sure when no line decides, or lines disagree — the guess and the reason are given', () => {
  const ambiguous = guess(fixture('ambiguous.txt'), readFileSync(fixture('ambiguous.txt'), 'utf8'));
  assert.equal(ambiguous.sure, false);
  assert.match(ambiguous.why, /"deploy"/);
  const mixed = guess('./mine', '* * * * * root /bin/x\n* * * * * /bin/y\n');
  assert.equal(mixed.sure, false);
  assert.match(mixed.why, /line 1 .*root.*line 2 .*\/bin\/y/);
  // One known user, two lines that could name users missing here or programs: not most lines.
  const few = guess('./mine', '* * * * * root /bin/x\n* * * * * deploy /srv/y\n* * * * * deploy /srv/z\n');
  assert.deepEqual([few.kind, few.sure], ['system', false], few.why);
});

test('the fixtures a Debian package ships and an /etc/crontab copy are read as system files', () => {
  const deb = guess(fixture('debian/foo.cron.d'), readFileSync(fixture('debian/foo.cron.d'), 'utf8'));
  assert.deepEqual([deb.kind, deb.sure], ['system', true]);
  assert.match(deb.why, /debian\/foo\.cron\.d|\.cron\.d/);
});

test("Debian's own crontab -n takes every one of these files as a user crontab: syntax cannot tell the kinds apart, so their place and lines must", (t) => {
  if (!requireTool(t, 'crontab')) return;
  for (const name of ['backup.txt', 'ambiguous.txt', 'debian/foo.cron.d']) {
    const r = spawnSync('crontab', ['-n', fixture(name)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `crontab -n ${name}: ${r.stderr}`);
  }
  // Read as one, the system file's user field is the program cron would run: "root".
  assert.equal(guess('./backup.txt', readFileSync(fixture('backup.txt'), 'utf8')).kind, 'system');
});
