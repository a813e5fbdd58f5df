// `expect:` in a job's config: the rules it becomes with their defaults, and each mistake
// reported at its file:line:col.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problemsOf } from './config-refusals.ts';
import { parseConfigText } from '../../lib/adapters/config/load.ts';

test('expect entries become rules: fresh by default, sizes in bytes, ratios as fractions, verify with its default timeout', async () => {
  const config = await parseConfigText(
    `jobs:
  backup:
    cron: "30 2 * * *"
    command: /usr/local/bin/backup.sh
    expect:
      - path: /var/backups/db-*.sql.gz
        min_size: 1MB
        min_ratio: 50%
        verify: "gzip -t {}"
      - path: /var/backups/files.tar
        fresh: false
        min_size: 1048576
        min_ratio: 0.9
        verify: [tar, -tf, "{}"]
        verify_timeout: 30s
      - /var/backups/manifest.txt
`,
    'hb.yaml',
    'UTC',
  );
  assert.deepEqual(config.jobs.get('backup')?.outcome?.expect, [
    { path: '/var/backups/db-*.sql.gz', fresh: true, minBytes: 1_000_000, minRatio: 0.5, verify: 'gzip -t {}', verifyTimeoutMs: 300_000 },
    { path: '/var/backups/files.tar', fresh: false, minBytes: 1_048_576, minRatio: 0.9, verify: ['tar', '-tf', '{}'], verifyTimeoutMs: 30_000 },
    { path: '/var/backups/manifest.txt', fresh: true },
  ]);
});

test('each expect mistake is a problem at its place: relative or empty path, bad size, ratio out of range, unknown key', async () => {
  const found = await problemsOf(`jobs:
  backup:
    command: /usr/local/bin/backup.sh
    expect:
      - path: backups/db.sql.gz
      - path: ""
      - path: /b/x
        min_size: 1XB
      - path: /b/y
        min_ratio: 150%
      - path: /b/z
        colour: red
      - min_size: 1KB
      - path: /b/v
        verify: []
        verify_timeout: soon
        fresh: yes please
`);
  const lines = found.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  assert.deepEqual(
    lines.map((l) => l.slice(0, l.indexOf(':', l.indexOf(' ')))),
    [
      '5:15 jobs.backup.expect[0].path',
      '6:15 jobs.backup.expect[1].path',
      '8:19 jobs.backup.expect[2].min_size',
      '10:20 jobs.backup.expect[3].min_ratio',
      '12:9 jobs.backup.expect[4].colour',
      '13:9 jobs.backup.expect[5]',
      '17:16 jobs.backup.expect[6].fresh',
      '15:17 jobs.backup.expect[6].verify',
      '16:25 jobs.backup.expect[6].verify_timeout',
    ],
  );
  assert.match(lines[0]!, /"backups\/db.sql.gz" is relative; expected an absolute file path or glob/);
  assert.match(lines[1]!, /found an empty path/);
  assert.match(lines[2]!, /expected a size such as 20B, 1KB \(1000 bytes\), 1KiB \(1024 bytes\), 2.5GB, or a whole number of bytes, found string "1XB"/);
  assert.match(lines[3]!, /expected a share of the last good size above 0 and at most 100%, such as "50%" or 0.5, found string "150%"/);
  assert.match(lines[4]!, /unknown key "colour" \(expected one of path, fresh, min_size, min_ratio, verify, verify_timeout\)/);
  assert.match(lines[5]!, /expected path: an absolute file path or glob/);
});

test('expect must be a non-empty list', async () => {
  const [p] = await problemsOf(`jobs:\n  backup:\n    expect: /var/backups/db.sql.gz\n`);
  assert.equal(p?.path, 'jobs.backup.expect');
  assert.match(p.message, /expected a list of artifacts \(- path: \/var\/backups\/db.sql.gz\), found string/);
});
