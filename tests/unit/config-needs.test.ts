// `needs:` in a job's config: every form it takes, each mistake at its place, and cycles refused
// whether they sit in one file or cross into jobs.d.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refused } from './config-refusals.ts';
import { loadConfig, parseConfigText } from '../../lib/adapters/config/load.ts';
import { ConfigError } from '../../lib/rules/errors.ts';
import { needsCycle } from '../../lib/rules/needs/cycle.ts';

test('needs entries become needs in both forms: job, mount, path, tcp (IPv4, name, IPv6) and command with its timeout', async () => {
  const config = await parseConfigText(
    `jobs:
  dump: {every: 1h}
  backup:
    every: 1h
    needs:
      - job:dump
      - {job: heartbeat-only}
      - mount:/mnt/backup
      - {path: /srv/data}
      - tcp:127.0.0.1:5432
      - {tcp: "db.local:5432"}
      - tcp:[::1]:6379
      - command:pg_isready -q
      - {command: "test -e /run/db.ok", timeout: 30s}
`,
    'hb.yaml',
    'UTC',
  );
  assert.deepEqual(config.jobs.get('backup')?.needs, [
    { kind: 'job', job: 'dump', text: 'job:dump' },
    { kind: 'job', job: 'heartbeat-only', text: 'job:heartbeat-only' },
    { kind: 'mount', path: '/mnt/backup', text: 'mount:/mnt/backup' },
    { kind: 'path', path: '/srv/data', text: 'path:/srv/data' },
    { kind: 'tcp', host: '127.0.0.1', port: 5432, text: 'tcp:127.0.0.1:5432' },
    { kind: 'tcp', host: 'db.local', port: 5432, text: 'tcp:db.local:5432' },
    { kind: 'tcp', host: '::1', port: 6379, text: 'tcp:[::1]:6379' },
    { kind: 'command', command: 'pg_isready -q', timeoutMs: 5_000, text: 'command:pg_isready -q' },
    { kind: 'command', command: 'test -e /run/db.ok', timeoutMs: 30_000, text: 'command:test -e /run/db.ok' },
  ]);
});

test('each needs mistake is a problem at its entry saying what was expected', async () => {
  const found = await refused(`jobs:
  backup:
    every: 1h
    needs:
      - dump
      - {jobb: dump}
      - {job: dump, mount: /x}
      - mount:relative/dir
      - tcp:127.0.0.1
      - tcp:127.0.0.1:70000
      - {command: "true", timeout: 2m}
      - {command: "true", timeout: soon}
      - 'command:  '
      - job:bad/name
      - job:backup
      - 5
      - path:/a
      - path:/a
`);
  assert.deepEqual(found, [
    '5:9 jobs.backup.needs[0]: expected job:NAME, mount:/PATH, path:/PATH, tcp:HOST:PORT or command:COMMAND (or a one-key map such as {job: dump}), found string "dump"',
    '6:9 jobs.backup.needs[1]: expected a one-key map whose key is one of job, mount, path, tcp, command (command may add timeout), found keys jobb',
    '7:9 jobs.backup.needs[2]: expected a one-key map whose key is one of job, mount, path, tcp, command (command may add timeout), found keys job, mount',
    '8:9 jobs.backup.needs[3]: expected mount: to be an absolute path (e.g. /mnt/backup), found "relative/dir"',
    '9:9 jobs.backup.needs[4]: expected tcp: to be HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:5432, [::1]:5432), found "127.0.0.1"',
    '10:9 jobs.backup.needs[5]: expected tcp: to be HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:5432, [::1]:5432), found "127.0.0.1:70000"',
    '11:9 jobs.backup.needs[6]: expected timeout: to be a duration from 1ms to 60s (how long the command may run), found string "2m"',
    '12:9 jobs.backup.needs[7]: expected timeout: to be a duration from 1ms to 60s (how long the command may run), found "soon" is not a duration (expected e.g. 90s, 15m, 2h, 1d, 1h30m)',
    '13:9 jobs.backup.needs[8]: expected command: to be a shell command (e.g. pg_isready -q), found an empty one',
    '14:9 jobs.backup.needs[9]: job: invalid job name "bad/name": a job name must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ (letters, digits, dot, underscore, dash; starting with a letter or digit; at most 128 characters)',
    "15:9 jobs.backup.needs[10]: job backup needs itself (expected another job's name)",
    '16:9 jobs.backup.needs[11]: expected job:NAME, mount:/PATH, path:/PATH, tcp:HOST:PORT or command:COMMAND (or a one-key map such as {job: dump}), found number 5',
    '18:9 jobs.backup.needs[13]: path:/a is listed twice (expected each need once)',
  ]);
  assert.deepEqual(await refused('jobs:\n  backup:\n    needs: job:dump\n'), [
    '3:12 jobs.backup.needs: expected a list of needs (job:NAME, mount:/PATH, path:/PATH, tcp:HOST:PORT or command:COMMAND (or a one-key map such as {job: dump})), found string "job:dump"',
  ]);
});

test('a cycle of needs is refused naming the cycle, a chain is not', async () => {
  assert.deepEqual(
    await refused(`jobs:
  dump:
    needs: [job:backup]
  backup:
    needs: [job:upload]
  upload:
    needs: [job:dump]
`),
    ['3:12 jobs.dump.needs: the needs of dump, backup, upload form a cycle (dump → backup → upload → dump): a job cannot depend on itself through others'],
  );
  const chain = await parseConfigText('jobs:\n  db: {}\n  dump: {needs: [job:db]}\n  backup: {needs: [job:dump, job:db]}\n', 'hb.yaml', 'UTC');
  assert.equal(needsCycle(chain.jobs), null);
});

test('a cycle that crosses into a jobs.d file is refused once every file is read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-needs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'hb.yaml'), 'jobs:\n  dump:\n    needs: [job:backup]\n');
  mkdirSync(join(dir, 'jobs.d'));
  writeFileSync(join(dir, 'jobs.d', 'backup.yaml'), 'jobs:\n  backup:\n    needs: [job:dump]\n');
  await assert.rejects(loadConfig({ path: join(dir, 'hb.yaml'), explicit: true, source: '--config' }, 'UTC'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(
      e.problems.map((p) => `${p.file.slice(dir.length)} ${p.path}: ${p.message}`),
      ['/hb.yaml jobs.dump.needs: the needs of dump, backup form a cycle (dump → backup → dump): a job cannot depend on itself through others'],
    );
    return true;
  });
});
