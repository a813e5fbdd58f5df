// `hb wrap --quiet` and `quiet: true` through the built CLI: a run that succeeds writes nothing at
// all, one that fails writes its whole output back (stdout to stdout, stderr to stderr, byte for
// byte) followed by hb's line, and the held output never outlives hb, even killed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTail } from '../../lib/rules/run/tail.ts';
import { HB, readJson, sandbox, waitFor, type Sandbox } from '../helpers.ts';

const TAIL = 100;

/** A job printing `size` random bytes on each stream, in several writes, then exiting with `code`; returns its command and its bytes. */
function binaryJob(dir: string, size: number, code: number): { command: string; stdout: Buffer; stderr: Buffer } {
  const stdout = randomBytes(size);
  const stderr = randomBytes(size);
  writeFileSync(join(dir, 'out.bin'), stdout);
  writeFileSync(join(dir, 'err.bin'), stderr);
  const half = Math.floor(size / 2);
  // Interleaved halves: the two streams are written out separately all the same.
  const command = `head -c ${half} out.bin; head -c ${half} err.bin >&2; tail -c +${half + 1} out.bin; tail -c +${half + 1} err.bin >&2; exit ${code}`;
  return { command, stdout, stderr };
}

/** Runs the built hb with `args` in `s`, with the temp dir `tmp`, and its raw output. */
function run(s: Sandbox, args: string[], tmp: string) {
  const r = spawnSync(process.execPath, [HB, ...args], { env: { ...s.env, TMPDIR: tmp }, cwd: s.root, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh, empty temp dir for hb inside the sandbox, so what it leaves there can be seen. */
function tempDir(s: Sandbox, name = 'tmp'): string {
  const dir = join(s.root, name);
  mkdirSync(dir);
  return dir;
}

test('a quiet run that succeeds writes nothing at all, keeps its tail in the heartbeat and leaves nothing in the temp dir', () => {
  const s = sandbox();
  try {
    const tmp = tempDir(s);
    const job = binaryJob(s.root, 300_000, 0);
    const r = run(s, ['wrap', '--job', 'q', '--every', '1h', '--quiet', '--tail', String(TAIL), '--', 'sh', '-c', job.command], tmp);
    assert.equal(r.code, 0, r.stderr.toString());
    assert.equal(r.stdout.length, 0, 'no stdout');
    assert.equal(r.stderr.toString(), '', 'no stderr');
    const record = readJson(join(s.state, 'q.last'));
    assert.equal(record.outcome, 'ok');
    assert.equal(record.output_tail, decodeTail(job.stderr.subarray(-TAIL)), 'the tail is kept as without --quiet');
    assert.deepEqual(readdirSync(tmp), []);
  } finally {
    s.cleanup();
  }
});

test('a quiet run that fails writes its stdout and stderr back whole, byte for byte, far past the tail, then says why; its exit code passes through', () => {
  const s = sandbox();
  try {
    const tmp = tempDir(s);
    const job = binaryJob(s.root, 3 << 20, 3);
    const r = run(s, ['wrap', '--job', 'q', '--every', '1h', '--quiet', '--tail', String(TAIL), '--', 'sh', '-c', job.command], tmp);
    assert.equal(r.code, 3);
    assert.ok(r.stdout.equals(job.stdout), `stdout: ${r.stdout.length} bytes, expected ${job.stdout.length}`);
    const line = Buffer.from('hb: q: failed: exit code 3\n');
    assert.ok(r.stderr.subarray(0, job.stderr.length).equals(job.stderr), `stderr: ${r.stderr.length} bytes, expected ${job.stderr.length} and hb's line`);
    assert.equal(r.stderr.subarray(job.stderr.length).toString(), line.toString(), "hb's line follows the job's stderr");
    const record = readJson(join(s.state, 'q.last'));
    assert.equal(record.status, 'error');
    assert.equal(record.output_tail, decodeTail(job.stderr.subarray(-TAIL)));
    assert.deepEqual(readdirSync(tmp), []);
  } finally {
    s.cleanup();
  }
});

test('a quiet run that exits 0 but fails its expectation writes its output back, then the reason; the exit code stays 0', () => {
  const s = sandbox();
  try {
    const missing = join(s.root, 'backup.sql.gz');
    const r = run(
      s,
      ['wrap', '--job', 'dump', '--every', '1h', '--quiet', '--expect', missing, '--', 'sh', '-c', 'echo dumping; echo "db unreachable" >&2'],
      tempDir(s),
    );
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), 'dumping\n');
    assert.equal(r.stderr.toString(), `db unreachable\nhb: dump: failed: no file matches ${missing}\n`);
    assert.equal(readJson(join(s.state, 'dump.last')).outcome, 'failed');
  } finally {
    s.cleanup();
  }
});

test('without --quiet the output passes through as it comes and hb adds no line for a plain failure', () => {
  const s = sandbox();
  try {
    const r = run(s, ['wrap', '--job', 'loud', '--every', '1h', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], tempDir(s));
    assert.equal(r.code, 3);
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.stderr.toString(), 'err\n');
  } finally {
    s.cleanup();
  }
});

test('a quiet run stopped by its timeout writes its output back and says it timed out', () => {
  const s = sandbox();
  try {
    const r = run(
      s,
      ['wrap', '--job', 'slowq', '--every', '1h', '--quiet', '--timeout', '1s', '--', 'sh', '-c', 'echo started; echo warming >&2; exec sleep 30'],
      tempDir(s),
    );
    assert.equal(r.code, 143);
    assert.equal(r.stdout.toString(), 'started\n');
    assert.equal(r.stderr.toString(), 'warming\nhb: slowq: failed: timed out after 1s\n');
  } finally {
    s.cleanup();
  }
});

test("quiet: true in a job's config holds back the output of hb tick's command and of hb wrap: silent on success, written back on failure", () => {
  const s = sandbox();
  try {
    const tmp = tempDir(s);
    const config = join(s.root, 'hb.yaml');
    const jobs = (code: number) =>
      `jobs:\n  nightly:\n    every: 1d\n    quiet: true\n    command: "echo report; echo detail >&2; exit ${code}"\n  wrapped:\n    every: 1d\n    quiet: true\n`;
    writeFileSync(config, jobs(0));
    let r = run(s, ['--config', config, 'tick', 'nightly'], tmp);
    assert.deepEqual([r.code, r.stdout.toString(), r.stderr.toString()], [0, '', '']);
    r = run(s, ['--config', config, 'wrap', '--job', 'wrapped', '--', 'sh', '-c', 'echo fine'], tmp);
    assert.deepEqual([r.code, r.stdout.toString(), r.stderr.toString()], [0, '', '']);
    writeFileSync(config, jobs(4));
    r = run(s, ['--config', config, 'tick', 'nightly'], tmp);
    assert.deepEqual([r.code, r.stdout.toString(), r.stderr.toString()], [4, 'report\n', 'detail\nhb: nightly: failed: exit code 4\n']);
    r = run(s, ['--config', config, 'wrap', '--job', 'wrapped', '--', 'sh', '-c', 'echo broken >&2; exit 5'], tmp);
    assert.deepEqual([r.code, r.stdout.toString(), r.stderr.toString()], [5, '', 'broken\nhb: wrapped: failed: exit code 5\n']);
    assert.deepEqual(readdirSync(tmp), []);
  } finally {
    s.cleanup();
  }
});

test('quiet must be true or false: anything else is a config error at its line and column', () => {
  const s = sandbox();
  try {
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, 'jobs:\n  nightly:\n    every: 1d\n    quiet: "yes"\n');
    const r = run(s, ['--config', config, 'wrap', '--job', 'nightly', '--', 'true'], tempDir(s));
    assert.equal(r.code, 2);
    assert.match(r.stderr.toString(), /hb\.yaml:4:12: jobs\.nightly\.quiet: expected true or false \(.*\), found string "yes"/);
  } finally {
    s.cleanup();
  }
});

test('a quiet run with no temp dir to hold its output in passes the output through and says so', () => {
  const s = sandbox();
  try {
    const r = run(s, ['wrap', '--job', 'q', '--every', '1h', '--quiet', '--', 'sh', '-c', 'echo still here'], join(s.root, 'missing'));
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), 'still here\n');
    assert.match(r.stderr.toString(), /^hb: q: quiet: cannot hold the output back \(ENOENT: .*missing.*\); it is passed through\n$/);
  } finally {
    s.cleanup();
  }
});

test('output the temp dir cannot take is counted and said after what was held, instead of being lost without a word', () => {
  const s = sandbox();
  try {
    const tmp = tempDir(s);
    // A file size limit stands in for a full disk: past 1 MB, writes to the spool fail (EFBIG).
    const args = [
      '--fsize=1000000',
      process.execPath,
      HB,
      'wrap',
      '--job',
      'q',
      '--every',
      '1h',
      '--quiet',
      '--',
      'sh',
      '-c',
      'head -c 3000000 /dev/zero; echo err >&2; exit 3',
    ];
    const r = spawnSync('prlimit', args, { env: { ...s.env, TMPDIR: tmp }, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 3, r.stderr.toString());
    assert.equal(r.stdout.length, 1_000_000);
    assert.equal(
      r.stderr.toString(),
      `err\nhb: q: quiet: 2000000 bytes of the output could not be written to ${tmp} (full, or over a file size limit) and are missing\nhb: q: failed: exit code 3\n`,
    );
  } finally {
    s.cleanup();
  }
});

test('the held output is in unlinked files of a private temp dir while the job runs, and hb killed mid-run leaves nothing behind', async () => {
  const s = sandbox();
  try {
    const tmp = tempDir(s);
    const ready = join(s.root, 'ready');
    const hb = spawn(
      process.execPath,
      [HB, 'wrap', '--job', 'q', '--every', '1h', '--quiet', '--', 'sh', '-c', `echo some output; touch ${ready}; exec sleep 60`],
      {
        env: { ...s.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    hb.stdout.on('data', (d: Buffer) => (output += d.toString()));
    hb.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => hb.once('exit', resolve));
    let childPid: number | null = null;
    try {
      await waitFor(() => existsSync(ready), 'the job to start');
      const held = readdirSync(`/proc/${hb.pid}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${hb.pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })
        .filter((target) => target.startsWith(tmp));
      assert.equal(held.length, 2, `hb holds two spool files under ${tmp}: ${held.join(', ')}`);
      for (const target of held) assert.match(target, new RegExp(`^${tmp}/hb-quiet-[^/]+/std(out|err) \\(deleted\\)$`));
      assert.deepEqual(readdirSync(tmp), [], 'nothing of it can be seen in the temp dir');
      childPid = readJson(join(s.state, 'q.run')).child_pid;
      hb.kill('SIGKILL');
      await exited;
      assert.deepEqual(readdirSync(tmp), [], 'nothing left behind');
      assert.equal(output, '', 'nothing was written before hb died');
    } finally {
      hb.kill('SIGKILL');
      if (childPid) {
        try {
          process.kill(-childPid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    }
  } finally {
    s.cleanup();
  }
});
