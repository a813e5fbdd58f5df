// runChild: exit codes, signals, timeouts, spawn failures, byte-exact passthrough, the tail,
// backpressure and signal forwarding — against real processes (tests/fixtures).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { forwardSignals, runChild, shellCode } from '../../lib/adapters/run/child.ts';
import type { ChildResult, RunChildOptions } from '../../lib/adapters/run/child.ts';
import { READ_BYTES } from '../../lib/adapters/run/relay.ts';
import { TailRing, decodeTail } from '../../lib/rules/run/tail.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hb-run-child-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A writable that keeps everything written to it, optionally slowly (to exert backpressure). */
class Collector extends Writable {
  chunks: Buffer[] = [];
  hash = createHash('sha256');
  bytes = 0;
  maxBuffered = 0;
  constructor(private readonly opts: { keep?: boolean; slowMs?: number; highWaterMark?: number } = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 16384 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.opts.keep !== false) this.chunks.push(chunk);
    if (this.opts.slowMs) setTimeout(cb, this.opts.slowMs);
    else cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function run(command: RunChildOptions['command'], extra: Partial<RunChildOptions> = {}) {
  const stdout = new Collector();
  const stderr = new Collector();
  const result = runChild({ command, env: process.env, tailBytes: 4096, stdout, stderr, ...extra });
  return { stdout, stderr, result };
}

/** Spawns the run-child fixture (runChild with forwarding, as `hb wrap` does). */
function runner(options: object): { proc: ChildProcess; out: () => string; done: Promise<[number | null, string | null]> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture('run-child.ts'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<[number | null, string | null]>((resolve) => proc.on('close', (c, s) => resolve([c, s])));
  return { proc, out: () => out, done };
}

async function waitFor(what: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('runChild exit codes', () => {
  for (const n of [0, 1, 3, 255]) {
    test(`exit ${n} passes through`, async () => {
      const r = await run([fixture('exit-with.js'), String(n)]).result;
      assert.equal(r.exitCode, n);
      assert.equal(r.code, n);
      assert.equal(r.signal, null);
      assert.equal(r.spawnError, null);
      assert.equal(r.timedOut, false);
    });
  }

  test('a string runs through /bin/sh -c, as cron runs it', async () => {
    const { stdout, result } = run('x=41; echo $((x+1)); exit 3');
    const r = await result;
    assert.equal(r.code, 3);
    assert.equal(stdout.text(), '42\n');
  });

  test('death by SIGKILL is 137, and onSpawn gets the pid', async () => {
    let spawned: number | null = null;
    const r = await run([fixture('forever.js')], {
      onSpawn: (pid) => {
        spawned = pid;
        process.kill(pid, 'SIGKILL');
      },
    }).result;
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.exitCode, null);
    assert.equal(r.code, 137);
    assert.equal(r.pid, spawned);
  });

  test('shellCode maps signals to 128+n', () => {
    assert.equal(shellCode(0, null), 0);
    assert.equal(shellCode(null, 'SIGTERM'), 143);
    assert.equal(shellCode(null, 'SIGINT'), 130);
    assert.equal(shellCode(null, 'SIGHUP'), 129);
  });
});

describe('runChild timeout', () => {
  test('TERM on expiry: the child traps it and exits 143', async () => {
    const { stdout, result } = run([fixture('trap-term.js')], { timeoutMs: 1000, killAfterMs: 5000 });
    const r = await result;
    assert.equal(r.timedOut, true);
    assert.equal(r.code, 143);
    assert.match(stdout.text(), /READY\ngot TERM\n/);
    assert.ok(r.durationMs >= 1000 && r.durationMs < 5000, `duration ${r.durationMs}`);
  });

  test('TERM ignored: KILL after killAfterMs gives 137', async () => {
    const { stdout, result } = run([fixture('trap-term.js'), 'ignore'], { timeoutMs: 1000, killAfterMs: 200 });
    const r = await result;
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.code, 137);
    assert.match(stdout.text(), /ignoring TERM/);
    assert.ok(r.durationMs >= 1200 && r.durationMs < 4000, `duration ${r.durationMs}`);
  });

  test('the whole process group is stopped, so a shell script does not outlive its timeout', async () => {
    // dash does not exec the sleep (a command follows it): without the group kill, the sleep
    // would keep the pipe open for 30 s.
    const r = await run('sleep 30; echo not reached', { timeoutMs: 200, killAfterMs: 2000 }).result;
    assert.equal(r.timedOut, true);
    assert.equal(r.code, 143);
    assert.equal(r.outputAbandoned, false);
    assert.ok(r.durationMs < 2000, `duration ${r.durationMs}`);
  });
});

describe('runChild spawn failures', () => {
  test('a missing command is 127 with spawnError ENOENT, never a throw', async () => {
    const r = await run(['/nonexistent/hb-no-such-command', 'x']).result;
    assert.equal(r.code, 127);
    assert.equal(r.spawnError?.code, 'ENOENT');
    assert.match(r.spawnError.message, /command not found: \/nonexistent\/hb-no-such-command/);
    assert.equal(r.pid, null);
  });

  test('a missing command through sh is 127 from sh itself', async () => {
    const { stderr, result } = run('hb-no-such-command-xyz');
    const r = await result;
    assert.equal(r.code, 127);
    assert.equal(r.spawnError, null);
    assert.match(stderr.text(), /not found/);
  });

  test('a file that is not executable is 126 (EACCES)', async () => {
    const file = join(tmp, 'not-executable.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n');
    chmodSync(file, 0o644);
    const r = await run([file]).result;
    assert.equal(r.code, 126);
    assert.equal(r.spawnError?.code, 'EACCES');
    assert.match(r.spawnError.message, /permission denied/);
  });

  test('a missing working directory is named as such', async () => {
    const r = await run([fixture('exit-with.js')], { cwd: join(tmp, 'no-such-dir') }).result;
    assert.equal(r.code, 127);
    assert.match(r.spawnError!.message, /working directory not found/);
  });

  test('an empty command is a usage error', async () => {
    await assert.rejects(runChild({ command: [], env: {}, tailBytes: 0, stdout: new Collector(), stderr: new Collector() }), {
      name: 'UsageError',
    });
  });
});

describe('runChild output', () => {
  test('5 MB passes through byte for byte; the tail is exactly tailBytes', async () => {
    const size = 5 * 1024 * 1024;
    const direct = spawnSync(fixture('spew.js'), [String(size)], { maxBuffer: size * 2 });
    const expected = createHash('sha256').update(direct.stdout).digest('hex');
    const stdout = new Collector({ keep: false });
    const stderr = new Collector();
    const r = await runChild({
      command: [fixture('spew.js'), String(size)],
      env: process.env,
      tailBytes: 1000,
      stdout,
      stderr,
    });
    assert.equal(r.code, 0);
    assert.equal(stdout.bytes, size);
    assert.equal(stdout.hash.digest('hex'), expected);
    assert.equal(Buffer.byteLength(r.tail), 1000);
    assert.match(stderr.text(), /spew: 1048576 bytes\n[^]*spew: done 5242880\n/);
  });

  test('binary output passes through unmodified', async () => {
    const size = 1024 * 1024 + 7;
    const direct = spawnSync(fixture('spew.js'), [String(size), 'binary'], { maxBuffer: size * 2 });
    const { stdout, result } = run([fixture('spew.js'), String(size), 'binary'], { tailBytes: 333 });
    const r = await result;
    assert.equal(r.code, 0);
    assert.ok(Buffer.concat(stdout.chunks).equals(direct.stdout));
    assert.ok(Buffer.byteLength(r.tail) <= 333 * 3); // replacement characters are 3 bytes each
  });

  test('a slow target pauses the child instead of buffering its output', async () => {
    const size = 2 * 1024 * 1024;
    const direct = spawnSync(fixture('spew.js'), [String(size)], { maxBuffer: size * 2 });
    const stdout = new Collector({ keep: false, slowMs: 1, highWaterMark: 16384 });
    const r = await runChild({
      command: [fixture('spew.js'), String(size)],
      env: process.env,
      tailBytes: 100,
      stdout,
      stderr: new Collector(),
    });
    assert.equal(r.code, 0);
    assert.equal(stdout.hash.digest('hex'), createHash('sha256').update(direct.stdout).digest('hex'));
    // At most what was in flight when the target said "full": one read of the pipe past it.
    assert.ok(stdout.maxBuffered <= 16384 + READ_BYTES, `buffered up to ${stdout.maxBuffered} bytes`);
  });

  test('output a slow target is still absorbing after exit is not abandoned', async () => {
    const size = 1024 * 1024;
    const direct = spawnSync(fixture('spew.js'), [String(size)], { maxBuffer: size * 2 });
    const stdout = new Collector({ keep: false, slowMs: 30, highWaterMark: 16384 });
    const r = await runChild({
      command: [fixture('spew.js'), String(size)],
      env: process.env,
      tailBytes: 100,
      stdout,
      stderr: new Collector(),
      drainAfterExitMs: 50,
    });
    assert.equal(r.outputAbandoned, false);
    assert.equal(stdout.bytes, size);
    assert.equal(stdout.hash.digest('hex'), createHash('sha256').update(direct.stdout).digest('hex'));
  });

  test('interleaved stdout and stderr both reach the tail, each stream in order', async () => {
    const { stdout, stderr, result } = run('echo out1; echo err1 >&2; echo out2; echo err2 >&2');
    const r = await result;
    assert.equal(stdout.text(), 'out1\nout2\n');
    assert.equal(stderr.text(), 'err1\nerr2\n');
    for (const line of ['out1', 'out2', 'err1', 'err2']) assert.match(r.tail, new RegExp(line));
    assert.ok(r.tail.indexOf('out1') < r.tail.indexOf('out2'));
    assert.ok(r.tail.indexOf('err1') < r.tail.indexOf('err2'));
  });

  test('the tail keeps only the last bytes, cut at a character boundary; 0 disables it', async () => {
    assert.equal((await run("printf 'abcdefghij'", { tailBytes: 8 }).result).tail, 'cdefghij');
    assert.equal((await run("printf 'abcdefghij'", { tailBytes: 0 }).result).tail, '');
    // 'ééé' is c3 a9 c3 a9 c3 a9: the last 5 bytes start inside a character.
    assert.equal((await run("printf '\\303\\251\\303\\251\\303\\251'", { tailBytes: 5 }).result).tail, 'éé');
  });

  test('a child that closes stdout early still has its stderr and exit code', async () => {
    const { stderr, result } = run('exec 1>&-; sleep 0.1; echo late >&2; exit 4');
    const r = await result;
    assert.equal(r.code, 4);
    assert.equal(stderr.text(), 'late\n');
    assert.equal(r.tail, 'late\n');
  });

  test('a target that fails (EPIPE) stops receiving; the child is still drained', async () => {
    const broken = new Writable({ write: (_c, _e, cb) => cb(new Error('EPIPE')) });
    broken.on('error', () => {});
    const r = await runChild({
      command: [fixture('spew.js'), '300000'],
      env: process.env,
      tailBytes: 64,
      stdout: broken,
      stderr: new Collector(),
    });
    assert.equal(r.code, 0);
    assert.equal(Buffer.byteLength(r.tail), 64);
  });

  test('a background process holding the pipe is abandoned after drainAfterExitMs', async () => {
    const { stdout, result } = run('echo early; (sleep 5; echo late) &', { drainAfterExitMs: 150 });
    const r = await result;
    try {
      assert.equal(r.code, 0);
      assert.equal(r.outputAbandoned, true);
      assert.equal(stdout.text(), 'early\n');
      assert.ok(Date.now() - r.finishedMs < 3000);
    } finally {
      try {
        process.kill(-r.pid!, 'SIGKILL'); // the background subshell is in the child's group
      } catch {
        // already gone
      }
    }
  });
});

describe('stdin and signal forwarding (through the run-child fixture)', () => {
  test('stdin passes through untouched', async () => {
    const { proc, out, done } = runner({ command: [fixture('echo-stdin.js')] });
    proc.stdin!.end('line one\nline two\n\u00e9\n');
    assert.deepEqual(await done, [0, null]);
    assert.equal(out(), 'line one\nline two\n\u00e9\n');
  });

  test('SIGTERM to hb reaches the child, which exits 143; hb survives and exits 143', async () => {
    const resultFile = join(tmp, 'term.json');
    const { proc, out, done } = runner({ command: [fixture('trap-term.js')], resultFile });
    await waitFor(() => out().includes('READY'), 'READY');
    proc.kill('SIGTERM');
    assert.deepEqual(await done, [143, null]);
    assert.match(out(), /got TERM/);
    const r = JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult;
    assert.equal(r.exitCode, 143);
  });

  test('SIGINT is relayed too, and a child without handlers dies of it (130)', async () => {
    const { proc, out, done } = runner({ command: [fixture('forever.js')] });
    await waitFor(() => out().includes('READY'), 'READY');
    proc.kill('SIGINT');
    assert.deepEqual(await done, [130, null]);
  });

  test('forwardSignals relays until removed', async () => {
    const got: string[] = [];
    const before = process.listenerCount('SIGHUP');
    const remove = forwardSignals({ kill: (s) => got.push(s) }, ['SIGHUP']);
    process.kill(process.pid, 'SIGHUP');
    await waitFor(() => got.length === 1, 'the relayed SIGHUP', 2000);
    remove();
    assert.deepEqual(got, ['SIGHUP']);
    assert.equal(process.listenerCount('SIGHUP'), before);
  });
});

describe('TailRing', () => {
  test('keeps the last bytes across wrap-arounds', () => {
    const ring = new TailRing(5);
    ring.push(Buffer.from('abc'));
    assert.equal(ring.bytes().toString(), 'abc');
    ring.push(Buffer.from('de'));
    assert.equal(ring.bytes().toString(), 'abcde');
    ring.push(Buffer.from('fg'));
    assert.equal(ring.bytes().toString(), 'cdefg');
    ring.push(Buffer.from('hijklmnop'));
    assert.equal(ring.bytes().toString(), 'lmnop');
    ring.push(Buffer.from('q'));
    assert.equal(ring.text(), 'mnopq');
  });

  test('matches a naive implementation on random pushes', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 48271) + 1) >>> 0) % n;
    for (const cap of [1, 2, 7, 64]) {
      const ring = new TailRing(cap);
      let all = Buffer.alloc(0);
      for (let i = 0; i < 200; i++) {
        const chunk = Buffer.from(Array.from({ length: rand(cap * 2 + 1) }, () => rand(256)));
        ring.push(chunk);
        all = Buffer.concat([all, chunk]);
        assert.ok(ring.bytes().equals(all.subarray(Math.max(0, all.length - cap))));
      }
    }
  });

  test('decodeTail drops a character the cut split, and only that', () => {
    assert.equal(decodeTail(Buffer.from([0xa9, 0x41])), 'A');
    assert.equal(decodeTail(Buffer.from([0x82, 0xac, 0x41])), 'A'); // tail of '€'
    assert.equal(decodeTail(Buffer.from('€x')), '€x');
    // An unfinished character at the end shows as U+FFFD (3 bytes); the stored text never grows
    // past the bytes kept, so the oldest character makes room for it.
    assert.equal(decodeTail(Buffer.from([0x41, 0xe2, 0x82])), '\ufffd');
    assert.equal(decodeTail(Buffer.from([0x41, 0x42, 0x43, 0x44, 0xe2, 0x82])), 'BCD\ufffd');
  });

  test('decodeTail of binary output fits the bytes kept once encoded as UTF-8', () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = decodeTail(binary);
    assert.ok(Buffer.byteLength(text) <= binary.length, `${Buffer.byteLength(text)} bytes`);
    assert.ok(text.endsWith('\ufffd'.repeat(64)), 'the newest bytes are the ones kept');
  });

  test('rejects a negative size', () => {
    assert.throws(() => new TailRing(-1), RangeError);
  });
});
