// `expect:` through the built hb: a run that exits 0 but leaves a bad artifact is failed, with
// its reason on stderr, in the heartbeat and in hb check; a good one passes and sets the bar.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
    assert.deepEqual([rec.status, rec.reason, 'expect' in rec], ['error', null, false]);
  } finally {
    s.cleanup();
  }
});
