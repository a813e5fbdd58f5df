// `expect:` through the built hb: a run that exits 0 but leaves a bad artifact is failed, with
// its reason on stderr, in the heartbeat and in hb check; a good one passes and sets the bar.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, readJson, sandbox } from '../helpers.ts';

test('tick: an artifact under its min_ratio fails a run that exited 0, and check reports the reason', () => {
  const s = sandbox();
  try {
    const out = join(s.root, 'backup.dat');
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(
      cfg,
      `jobs:\n  backup:\n    every: 1h\n    command: "head -c $SIZE /dev/zero > ${out}"\n    expect:\n      - path: ${s.root}/backup.*\n        min_size: 10B\n        min_ratio: 50%\n`,
    );
    const env = { ...s.env, HB_CONFIG: cfg };
    const good = hb(['tick', 'backup'], { env: { ...env, SIZE: '4000' } });
    assert.deepEqual([good.code, good.stderr], [0, '']);
    const rec1 = readJson(join(s.state, 'backup.last'));
    assert.deepEqual([rec1.status, rec1.outcome, rec1.reason], ['ok', 'ok', null]);
    assert.deepEqual(rec1.expect, [{ path: `${s.root}/backup.*`, file: out, size: 4000, ok: true, reason: null, ref_size: 4000 }]);

    const bad = hb(['tick', 'backup'], { env: { ...env, SIZE: '20' } });
    assert.equal(bad.code, 0, 'the exit code stays the command’s');
    assert.equal(bad.stderr, "hb: backup: failed: backup.dat is 20 B; last run's was 4 KB (min_ratio 50%)\n");
    const rec2 = readJson(join(s.state, 'backup.last'));
    assert.deepEqual([rec2.status, rec2.outcome, rec2.exit_code, rec2.expect[0].ref_size], ['error', 'failed', 0, 4000]);

    const c = hb(['check'], { env });
    assert.equal(c.code, 1);
    assert.match(c.stdout, /backup\s+FAILED\s+.*backup\.dat is 20 B; last run's was 4 KB \(min_ratio 50%\)/);
  } finally {
    s.cleanup();
  }
});

test('tick: nothing matching fails the run; a failed command skips the artifact checks', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  sync:\n    every: 1h\n    command: "exit $CODE"\n    expect:\n      - path: ${s.root}/out/*.csv\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const none = hb(['tick', 'sync'], { env: { ...env, CODE: '0' } });
    assert.equal(none.stderr, `hb: sync: failed: no file matches ${s.root}/out/*.csv\n`);
    const failed = hb(['tick', 'sync'], { env: { ...env, CODE: '3' } });
    assert.deepEqual([failed.code, failed.stderr], [3, '']);
    const rec = readJson(join(s.state, 'sync.last'));
    assert.deepEqual([rec.status, rec.reason], ['error', null]);
    assert.deepEqual(
      rec.expect.map((e: { file: string | null; ok: boolean; reason: string }) => [e.file, e.ok, e.reason]),
      [[null, false, 'not checked: the run had already failed']],
    );
  } finally {
    s.cleanup();
  }
});

test('wrap --expect with --min-size and --verify checks every path given; the flags replace the config’s expect', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  dump:\n    every: 1h\n    expect:\n      - path: ${s.root}/never-written\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const write = `printf 'hello hello hello' > ${s.root}/a.txt; printf 'x' > ${s.root}/b.txt`;
    const args = ['wrap', '--job', 'dump', '--expect', `${s.root}/a.*`, '--expect', `${s.root}/b.txt`, '--verify', 'grep -q x {}', '--', 'sh', '-c', write];
    const r = hb(args, { env });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'hb: dump: failed: grep -q x a.txt failed with exit 1\n', 'the config’s never-written path is not asked for');
    const rec = readJson(join(s.state, 'dump.last'));
    assert.deepEqual(
      rec.expect.map((e: { file: string; ok: boolean }) => [e.file, e.ok]),
      [
        [`${s.root}/a.txt`, false],
        [`${s.root}/b.txt`, true],
      ],
    );
    const small = hb(['wrap', '--job', 'dump', '--expect', `${s.root}/b.txt`, '--min-size', '1KiB', '--', 'sh', '-c', write], { env });
    assert.equal(small.stderr, 'hb: dump: failed: b.txt is 1 B, under its min_size 1 KB\n');
    const good = hb(['wrap', '--job', 'dump', '--expect', `${s.root}/a.txt`, '--min-size', '10B', '--', 'sh', '-c', write], { env });
    assert.deepEqual([good.code, good.stderr, readJson(join(s.state, 'dump.last')).outcome], [0, '', 'ok']);
  } finally {
    s.cleanup();
  }
});

test('wrap refuses a bad --expect, --min-size, --min-ratio, and a check without --expect, with exit 2 and nothing run', () => {
  const s = sandbox();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['--expect', 'backups/db.gz'], /^hb: --expect: "backups\/db.gz" is relative; expected an absolute file path or glob/],
      [
        ['--expect', '/b/x', '--min-size', '1XB'],
        /^hb: --min-size: expected a size such as 20B, 1KB \(1000 bytes\), 1KiB \(1024 bytes\), 2.5GB, or a whole number of bytes, found "1XB"/,
      ],
      [
        ['--expect', '/b/x', '--min-ratio', '150%'],
        /^hb: --min-ratio: expected a share of the last good size above 0 and at most 100%, such as "50%" or 0.5, found "150%"/,
      ],
      [['--min-size', '1MB'], /^hb: --min-size: checks the files of --expect; give --expect PATH too/],
      [['--verify', 'gzip -t {}'], /^hb: --verify: checks the files of --expect; give --expect PATH too/],
    ];
    for (const [flags, said] of cases) {
      const r = hb(['wrap', '--job', 'x', ...flags, '--', 'touch', join(s.root, 'ran')], { env: s.env });
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, said);
    }
    assert.equal(readdirSync(s.root).includes('ran'), false);
  } finally {
    s.cleanup();
  }
});
