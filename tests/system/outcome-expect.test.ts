// `expect:` with real jobs: an `sh` backup piping a mysqldump-like dump through real gzip, run by
// `hb tick` as cron runs it. Normal runs write a multi-KB gzip and pass; the run where the
// "database" is dead writes gzip's empty 20 B and exits 0, and is failed with both sizes; real
// `gzip -t` catches a truncated file; a file left from before the run is not fresh; a glob picks
// the newest file.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSize } from '../../lib/rules/outcome/size.ts';
import { hb, readJson, requireTool, sandbox, type Sandbox } from '../helpers.ts';

describe('expect: with a real sh backup and gzip', () => {
  let s: Sandbox;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const backups = () => join(dir, 'backups');

  before(() => {
    s = sandbox();
    dir = join(s.root, 'srv');
    mkdirSync(join(dir, 'backups'), { recursive: true });
    mkdirSync(join(dir, 'rotating'));
    // The "database": a dump of a few thousand random rows while it is up; while it is down,
    // an error on stderr and nothing on stdout, as mysqldump does when it cannot connect.
    const dump = join(dir, 'mysqldump-like');
    writeFileSync(
      dump,
      `#!/bin/sh
if [ ! -f ${dir}/db-up ]; then echo "mysqldump-like: Got error: 2002: Can't connect to local server" >&2; exit 2; fi
echo 'CREATE TABLE t (id int, v text);'
head -c 6000 /dev/urandom | od -An -tx1 | sed "s/^/INSERT INTO t VALUES ('/; s/\\$/');/"
`,
    );
    chmodSync(dump, 0o755);
    writeFileSync(
      join(s.root, 'hb.yaml'),
      `jobs:
  backup:
    every: 1d
    command: "${dump} | gzip > ${dir}/backups/backup.sql.gz"
    expect:
      - path: ${dir}/backups/backup.sql.gz
        min_ratio: 50%
        verify: "gzip -t {}"
  truncated:
    every: 1d
    command: "${dump} | gzip > ${dir}/backups/cut.sql.gz && head -c 3000 ${dir}/backups/cut.sql.gz > ${dir}/cut.part && mv ${dir}/cut.part ${dir}/backups/cut.sql.gz"
    expect:
      - path: ${dir}/backups/cut.sql.gz
        verify: "gzip -t {}"
  stale:
    every: 1d
    command: "true"
    expect:
      - path: ${dir}/backups/old.sql.gz
  rotating:
    every: 1d
    command: "[ -z \\"$SKIP\\" ] || exit 0; ${dump} | gzip > ${dir}/rotating/db-$(date +%s%N).sql.gz"
    expect:
      - path: ${dir}/rotating/db-*.sql.gz
        min_size: 1KB
        verify: [gzip, -t, "{}"]
`,
    );
    env = { ...s.env, HB_CONFIG: join(s.root, 'hb.yaml') };
  });
  after(() => s.cleanup());

  const tick = (job: string, extra: NodeJS.ProcessEnv = {}) => hb(['tick', job], { env: { ...env, ...extra } });
  const last = (job: string) => readJson(join(s.state, `${job}.last`));

  test('normal runs pass; the run with a dead database writes 20 B, exits 0, and is failed with both sizes; check exits 1 and says so', (t) => {
    if (!requireTool(t, 'gzip')) return;
    writeFileSync(join(dir, 'db-up'), '');
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = tick('backup');
      assert.deepEqual([r.code, r.stderr], [0, ''], `normal run ${i + 1}`);
      const rec = last('backup');
      assert.deepEqual([rec.status, rec.outcome, rec.reason], ['ok', 'ok', null]);
      const size = statSync(join(backups(), 'backup.sql.gz')).size;
      assert.ok(size > 4000, `a real multi-KB gzip (${size} B)`);
      assert.deepEqual(rec.expect, [
        { path: join(backups(), 'backup.sql.gz'), file: join(backups(), 'backup.sql.gz'), size, ok: true, reason: null, ref_size: size },
      ]);
      sizes.push(size);
    }
    assert.equal(hb(['check', 'backup'], { env }).code, 0);

    rmSync(join(dir, 'db-up'));
    const dead = tick('backup');
    const reason = `backup.sql.gz is 20 B; last run's was ${formatSize(sizes[2]!)} (min_ratio 50%)`;
    assert.equal(dead.code, 0, "hb exits with the job's code: the pipeline's gzip exited 0");
    assert.match(dead.stderr, /mysqldump-like: Got error: 2002/);
    assert.ok(dead.stderr.endsWith(`hb: backup: failed: ${reason}\n`), dead.stderr);
    const rec = last('backup');
    assert.deepEqual([rec.status, rec.outcome, rec.exit_code, rec.reason], ['error', 'failed', 0, reason]);
    assert.deepEqual([rec.expect[0].size, rec.expect[0].ref_size], [20, sizes[2]]);

    const check = hb(['check', 'backup'], { env });
    assert.equal(check.code, 1);
    assert.match(check.stdout, new RegExp(`backup\\s+FAILED\\s+.*${reason.replace(/[.()]/g, '\\$&')}`));
    const json = JSON.parse(hb(['check', 'backup', '--json'], { env }).stdout);
    assert.ok(JSON.stringify(json).includes(reason), 'the JSON carries the reason');
    const nagios = hb(['check', 'backup', '--format', 'nagios'], { env });
    assert.equal(nagios.code, 2);
    assert.ok(nagios.stdout.startsWith(`HB CRITICAL - 1 of 1 job unhealthy: backup failed (${reason})`), nagios.stdout);

    // A second dead run is still held to the last good size, and the database's return resolves it.
    assert.ok(tick('backup').stderr.includes(`the last good one was ${formatSize(sizes[2]!)}`));
    writeFileSync(join(dir, 'db-up'), '');
    assert.equal(tick('backup').stderr, '');
    assert.equal(hb(['check', 'backup'], { env }).code, 0);
  });

  test('gzip -t catches a truncated backup', (t) => {
    if (!requireTool(t, 'gzip')) return;
    writeFileSync(join(dir, 'db-up'), '');
    const r = tick('truncated');
    assert.equal(r.code, 0);
    const rec = last('truncated');
    assert.equal(rec.outcome, 'failed');
    assert.match(rec.reason, /^gzip -t cut\.sql\.gz failed with exit 1: gzip: .*cut\.sql\.gz: unexpected end of file$/);
    assert.equal(r.stderr, `hb: truncated: failed: ${rec.reason}\n`);
    assert.equal(hb(['check', 'truncated'], { env }).code, 1);
  });

  test('a file left from before the run is not fresh', () => {
    const old = join(backups(), 'old.sql.gz');
    writeFileSync(old, Buffer.alloc(5000));
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    const r = tick('stale');
    assert.equal(r.stderr, 'hb: stale: failed: old.sql.gz was last written 2h before this run started\n');
    assert.equal(hb(['check', 'stale'], { env }).code, 1);
  });

  test('a glob checks the newest file; with nothing new written, the newest is not fresh', (t) => {
    if (!requireTool(t, 'gzip')) return;
    writeFileSync(join(dir, 'db-up'), '');
    const rot = join(dir, 'rotating');
    // Older files: a good one from 3h ago, and a broken one from 1h ago whose name sorts last.
    writeFileSync(join(rot, 'db-0001.sql.gz'), Buffer.alloc(5000));
    writeFileSync(join(rot, 'db-9999.sql.gz'), 'not gzip');
    utimesSync(join(rot, 'db-0001.sql.gz'), (Date.now() - 3 * 3600_000) / 1000, (Date.now() - 3 * 3600_000) / 1000);
    utimesSync(join(rot, 'db-9999.sql.gz'), (Date.now() - 3600_000) / 1000, (Date.now() - 3600_000) / 1000);
    const r = tick('rotating');
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const rec = last('rotating');
    assert.equal(rec.outcome, 'ok');
    const file: string = rec.expect[0].file;
    assert.match(file, /\/db-\d{19}\.sql\.gz$/, `the file this run wrote, not db-9999 (${file})`);

    // The next run writes nothing: the newest match is the last run's file, an hour old by then.
    utimesSync(file, (Date.now() - 3600_000) / 1000, (Date.now() - 3600_000) / 1000);
    const skipped = tick('rotating', { SKIP: '1' });
    assert.equal(skipped.code, 0);
    assert.equal(last('rotating').reason, `${file.slice(file.lastIndexOf('/') + 1)} was last written 1h before this run started`);
  });
});
