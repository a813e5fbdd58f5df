// The README's backup example ("Use it") is the config users copy: this test takes it from the
// README as written, points its paths into a sandbox, and runs it through the built hb — normal
// nights pass, the night the database is down fails with the line the README shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hb, sandbox } from '../helpers.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The YAML block that follows the README's backup paragraph. */
function readmeBackupConfig(): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('A backup that "succeeds" at doing nothing');
  assert.ok(at >= 0, 'the README has the backup example');
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(block, 'a yaml block follows it');
  return block[1]!;
}

test("the README's backup example, run as written with its paths in a sandbox: good nights pass, a 20-byte dump that exits 0 fails with the README's reason", (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const yaml = readmeBackupConfig();
  assert.match(yaml, /mysqldump --all-databases \| gzip > \/var\/backups\/db-\$\(date \+%F\)\.sql\.gz/);
  const backups = join(s.root, 'backups');
  const bin = join(s.root, 'bin');
  mkdirSync(backups);
  mkdirSync(bin);
  // A stand-in mysqldump: a dump of some size while the database is up, nothing when it is down.
  writeFileSync(
    join(bin, 'mysqldump'),
    `#!/bin/sh\nif [ -e ${s.root}/db-down ]; then echo "mysqldump: Got error: 2002: Can't connect" >&2; exit 2; fi\nhead -c 200000 /dev/urandom\n`,
    { mode: 0o755 },
  );
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, yaml.replaceAll('/var/backups', backups));
  const env = { ...s.env, HB_CONFIG: config, PATH: `${bin}:${s.env.PATH}` };

  for (let night = 0; night < 2; night++) {
    const ok = hb(['tick', 'backup'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
  }
  writeFileSync(join(s.root, 'db-down'), '');
  const dead = hb(['tick', 'backup'], { env });
  assert.equal(dead.code, 0, 'the exit code stays the command’s');
  assert.match(dead.stderr, /^hb: backup: failed: db-\d{4}-\d\d-\d\d\.sql\.gz is 20 B; last run's was 200\.\d KB \(min_ratio 50%\)$/m);
  const check = hb(['check'], { env });
  assert.equal(check.code, 1);
  assert.match(check.stdout, /backup +FAILED +last run failed, .*: db-\d{4}-\d\d-\d\d\.sql\.gz is 20 B; last run's was 200\.\d KB \(min_ratio 50%\)/);
});
