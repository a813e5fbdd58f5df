// `hb wrap` passing a job's output on through the built CLI: byte for byte to pipes, files and
// /dev/null, the tail the last bytes, and a reader that stops reading holds the job back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTail } from '../../lib/rules/run/tail.ts';
import { HB, PROPERTY_SEED, readJson, sandbox, seededRandom, waitFor } from '../helpers.ts';

const TAIL = 64;

/**
 * A job writing random chunks of 40 KiB to 1 MiB to stdout and stderr in turn (several MB), a
 * last 256 KiB chunk on stdout, then a text line on stdout whose last character, '€' (e2 82 ac), is written in two halves a moment
 * apart, so that hb reads it in two reads. Returns the job's command and the bytes it writes.
 */
function interleavedJob(dir: string): { command: string; stdout: Buffer; stderr: Buffer } {
  // Seeded: every run writes the same bytes, so a failure can be run again as it was.
  const random = seededRandom(PROPERTY_SEED);
  const bytes = (n: number) => Buffer.from(Uint8Array.from({ length: n }, () => Math.floor(random() * 256)));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    for (const [name, list, redirect] of [
      [`out-${i}`, out, ''],
      [`err-${i}`, err, ' >&2'],
    ] as const) {
      const chunk = bytes(40_960 + Math.floor(random() * 1_000_000));
      writeFileSync(join(dir, name), chunk);
      list.push(chunk);
      lines.push(`cat ${name}${redirect}`);
    }
  }
  // Then a stdout chunk larger than a pipe holds: hb reads it in several turns, and the first of
  // them also drains what stderr still held, so the tail below is stdout's whatever the load.
  const last = bytes(256 * 1024);
  writeFileSync(join(dir, 'out-last'), last);
  out.push(last);
  lines.push('cat out-last');
  const text = 'the last line of the job, longer than the tail, ends in a euro sign: ';
  lines.push(`printf '%s\\342\\202' '${text}'`, 'sleep 0.3', "printf '\\254\\n'");
  out.push(Buffer.from(`${text}€\n`));
  return { command: lines.join('; '), stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

test("random binary on stdout and stderr reaches hb's stdout and stderr byte for byte, to pipes (read at once or late), files and /dev/null; the tail is the last bytes", () => {
  const s = sandbox();
  try {
    const job = interleavedJob(s.root);
    const expectedTail = decodeTail(job.stdout.subarray(job.stdout.length - TAIL));
    assert.ok(expectedTail.endsWith('euro sign: €\n'), 'the expected tail ends in the split character, whole');
    const args = [HB, 'wrap', '--job', 'mixed', '--every', '1h', '--tail', String(TAIL), '--', 'sh', '-c', job.command];
    const opts = { env: s.env, cwd: s.root, maxBuffer: 64 << 20 };

    const piped = spawnSync(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(piped.status, 0, String(piped.stderr).slice(-500));
    assert.ok(piped.stdout.equals(job.stdout), `stdout through a pipe: ${piped.stdout.length} bytes, expected ${job.stdout.length}`);
    assert.ok(piped.stderr.equals(job.stderr), `stderr through a pipe: ${piped.stderr.length} bytes, expected ${job.stderr.length}`);
    assert.equal(readJson(join(s.state, 'mixed.last')).output_tail, expectedTail, 'tail with pipes');

    const outFile = join(s.root, 'hb.out');
    const errFile = join(s.root, 'hb.err');
    const fds = [openSync(outFile, 'w'), openSync(errFile, 'w')] as const;
    const filed = spawnSync(process.execPath, args, { ...opts, stdio: ['ignore', fds[0], fds[1]] });
    fds.forEach((fd) => closeSync(fd));
    assert.equal(filed.status, 0, readFileSync(errFile, 'utf8').slice(-500));
    assert.ok(readFileSync(outFile).equals(job.stdout), 'stdout to a file');
    assert.ok(readFileSync(errFile).equals(job.stderr), 'stderr to a file');
    assert.equal(readJson(join(s.state, 'mixed.last')).output_tail, expectedTail, 'tail with files');

    // A reader that starts late: hb fills the pipe, holds reads back, then passes them all on.
    const lateOut = join(s.root, 'late.out');
    const errFd = openSync(errFile, 'w');
    const late = spawnSync('sh', ['-c', `"$0" "$@" | { sleep 0.5; cat > ${lateOut}; }`, process.execPath, ...args], {
      ...opts,
      stdio: ['ignore', 'ignore', errFd],
    });
    closeSync(errFd);
    assert.equal(late.status, 0, readFileSync(errFile, 'utf8').slice(-500));
    assert.ok(readFileSync(lateOut).equals(job.stdout), 'stdout through a pipe read late');
    assert.ok(readFileSync(errFile).equals(job.stderr), 'stderr to a file, beside it');
    assert.equal(readJson(join(s.state, 'mixed.last')).output_tail, expectedTail, 'tail with a late reader');

    const devNull = openSync('/dev/null', 'w');
    const dropped = spawnSync(process.execPath, args, { ...opts, stdio: ['ignore', devNull, devNull] });
    closeSync(devNull);
    assert.equal(dropped.status, 0);
    assert.equal(readJson(join(s.state, 'mixed.last')).output_tail, expectedTail, 'tail with /dev/null');
  } finally {
    s.cleanup();
  }
});

/** A process's resident memory now (VmRSS), in KiB, or null once it is gone. */
function rssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** How many bytes a process has written so far (wchar in /proc/PID/io), or null once it is gone. */
function writtenBytes(pid: number): number | null {
  try {
    const m = /wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Starts `hb wrap` on a job that records its pid in `pidFile` and writes `size` zero bytes; hb's stdout is read only once `read()` is called. */
function stalledWrap(s: ReturnType<typeof sandbox>, job: string, size: number, extra: string[] = []) {
  const pidFile = join(s.root, `${job}.pid`);
  const child = spawn(
    process.execPath,
    [HB, 'wrap', '--job', job, '--every', '1h', ...extra, '--', 'sh', '-c', `echo $$ > ${pidFile}; exec head -c ${size} /dev/zero`],
    {
      env: s.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let received = 0;
  let stderr = '';
  let pid: number | null = null;
  /** The job's pid once it has written it whole (it leads its own process group), else null. */
  const jobPid = (): number | null => {
    if (pid === null && existsSync(pidFile)) {
      const m = /^([1-9]\d*)\n$/.exec(readFileSync(pidFile, 'utf8'));
      pid = m ? Number(m[1]) : null;
    }
    return pid;
  };
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid!) ?? 0)), 20);
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, sig) => resolve([c, sig])));
  return {
    child,
    jobPid,
    peakKiB: () => peak,
    /** Kills what a failed test left running: hb, and the job's process group. */
    stop(): void {
      clearInterval(sampler);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      const job = jobPid();
      try {
        if (job !== null) process.kill(-job, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    /** Starts reading hb's stdout; settles with hb's exit and what it passed on. */
    async read(): Promise<{ code: number | null; received: number; stderr: string }> {
      child.stdout.on('data', (chunk: Buffer) => (received += chunk.length));
      const [code] = await closed;
      clearInterval(sampler);
      return { code, received, stderr };
    },
  };
}

test("a reader that stops reading holds the job back: hb's memory stays bounded and nothing is lost", async (t) => {
  const s = sandbox();
  const size = 512 << 20;
  const run = stalledWrap(s, 'held', size);
  t.after(() => {
    run.stop();
    s.cleanup();
  });
  await waitFor(() => (writtenBytes(run.jobPid() ?? 0) ?? 0) > 0, 'the job to start writing');
  const job = run.jobPid()!;
  // Give a relay that buffered instead of pausing ample time to take in hundreds of megabytes.
  const deadline = Date.now() + 2000;
  let written = 0;
  while (Date.now() < deadline) {
    written = Math.max(written, writtenBytes(job) ?? 0);
    if (written >= 64 << 20) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // Between the job and the stalled reader sit a socket pair, one read, one queued write and a
  // pipe: about a megabyte.
  assert.ok(written < 16 << 20, `the job got ${(written / 2 ** 20).toFixed(1)} MiB out while nobody read`);
  const peakWhileStalled = run.peakKiB();
  const r = await run.read();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.received, size, 'every byte arrived once the reader read again');
  // Node itself takes 40-60 MiB; a relay that buffered would hold what the job wrote.
  assert.ok(peakWhileStalled > 0 && peakWhileStalled < 128 * 1024, `hb's RSS reached ${(peakWhileStalled / 1024).toFixed(1)} MiB while stalled`);
  assert.ok(run.peakKiB() < 128 * 1024, `hb's RSS reached ${(run.peakKiB() / 1024).toFixed(1)} MiB`);
});

test('with the reader stopped, --timeout still stops the job, and hb exits once its output is read', async (t) => {
  const s = sandbox();
  const run = stalledWrap(s, 'stuck', 512 << 20, ['--timeout', '1s']);
  t.after(() => {
    run.stop();
    s.cleanup();
  });
  await waitFor(() => run.jobPid() !== null, 'the job to start');
  const job = run.jobPid()!;
  // hb reaps the job it killed: its pid leaves /proc while hb's stdout is still unread.
  await waitFor(() => !existsSync(`/proc/${job}`), 'the job to be stopped by the timeout', 20_000);
  const r = await run.read();
  assert.equal(r.code, 143, r.stderr);
  const rec = readJson(join(s.state, 'stuck.last'));
  assert.equal(rec.timed_out, true);
  assert.match(rec.message, /timed out/);
});
