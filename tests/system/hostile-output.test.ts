// Hostile job output through the built `hb wrap`: every byte value, invalid UTF-8 and terminal
// escape sequences pass through untouched; a gigabyte streams through in bounded memory; the
// stored tail stays within --tail; and whatever hb shows of it later is inert on a terminal.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTail } from '../../lib/rules/run/tail.ts';
import { HB, HUMAN_VIEWS, hb, readJson, sandbox, type Sandbox } from '../helpers.ts';

const ESC = '\u001b';
/** What a terminal obeys: C0 controls but tab and newline, DEL, C1 controls (U+009B is CSI). */
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Sequences that clear the screen, write the clipboard (OSC 52), ring, or overwrite a line. */
const ESCAPES = Buffer.from(
  [
    `${ESC}[2J${ESC}[H`,
    `${ESC}]52;c;${Buffer.from('rm -rf ~').toString('base64')}\u0007`,
    '\u0007\u0007',
    'all good\rEVIL',
    `${ESC}[?1049h${ESC}]0;owned title\u0007`,
    `${ESC}[8mhidden${ESC}[0m`,
  ].join('\n'),
  'utf8',
);
/** Byte sequences that are not UTF-8: lone continuation, overlong, surrogate, 0xF8+, a cut 4-byte char. */
const INVALID_UTF8 = Buffer.from([0x80, 0xbf, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80, 0xff, 0xfe, 0x9b, 0x32, 0x4a, 0xf0, 0x9f, 0x98]);
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A raw run of the built CLI with stdout/stderr as bytes. */
function hbBytes(s: Sandbox, args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [HB, ...args], { env: s.env, input, timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Peak resident memory (VmHWM, KiB) of a live process, or null once it is gone. */
function peakKiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

describe('hostile output through hb wrap', () => {
  let s: Sandbox;
  let payload: Buffer;
  let payloadFile: string;
  let errFile: string;

  before(() => {
    s = sandbox();
    payload = Buffer.concat([ALL_BYTES, ESCAPES, INVALID_UTF8, ALL_BYTES.reverse(), ESCAPES, INVALID_UTF8]);
    payloadFile = join(s.root, 'payload.bin');
    errFile = join(s.root, 'stderr.bin');
    writeFileSync(payloadFile, payload);
    writeFileSync(errFile, Buffer.concat([INVALID_UTF8, ESCAPES, ALL_BYTES]));
  });
  after(() => s.cleanup());

  test('every byte value, invalid UTF-8 and escape sequences reach stdout and stderr byte for byte', () => {
    const r = hbBytes(s, ['wrap', '--job', 'bytes', '--every', '1h', '--', 'sh', '-c', 'cat "$1"; cat "$2" >&2', 'sh', payloadFile, errFile]);
    assert.equal(r.code, 0, r.stderr.toString());
    assert.equal(sha256(r.stdout), sha256(payload), `stdout differs (${r.stdout.length} of ${payload.length} bytes)`);
    assert.equal(sha256(r.stderr), sha256(readFileSync(errFile)), 'stderr differs');
  });

  test('stdin reaches the job byte for byte', () => {
    const r = hbBytes(s, ['wrap', '--job', 'stdin', '--every', '1h', '--', 'cat'], payload);
    assert.equal(r.code, 0);
    assert.equal(sha256(r.stdout), sha256(payload));
  });

  test('the stored tail is at most --tail bytes, the newest ones, in valid JSON', () => {
    for (const tail of [1, 7, 64, 300, 4096]) {
      const r = hbBytes(s, ['wrap', '--job', `tail-${tail}`, '--every', '1h', '--tail', String(tail), '--', 'cat', payloadFile]);
      assert.equal(r.code, 0);
      const file = readFileSync(join(s.state, `tail-${tail}.last`), 'utf8');
      const stored: string = JSON.parse(file).output_tail;
      assert.ok(Buffer.byteLength(stored) <= tail, `--tail ${tail}: stored ${Buffer.byteLength(stored)} bytes`);
      assert.equal(stored, decodeTail(payload.subarray(payload.length - tail)), `--tail ${tail}: not the newest bytes`);
      assert.doesNotMatch(file.trimEnd(), /[\u0000-\u001f]/, 'raw C0 control characters in the .last file');
    }
  });

  test('hb status, hb check, hb log and the report show hostile text inert; JSON keeps it whole', () => {
    const message = `backup ${ESC}[2J${ESC}]52;c;ZXZpbA==\u0007 failed\rall good \u009b31m`;
    assert.equal(
      hb(['tick', 'evil', '--every', '1h', '--status', 'error', '--message', message, '--action', `copy ${ESC}[31mred\u0007`], { env: s.env }).code,
      0,
    );
    const failing = hbBytes(s, ['wrap', '--job', 'noisy', '--every', '1h', '--', 'sh', '-c', 'cat "$1"; exit 3', 'sh', payloadFile]);
    assert.equal(failing.code, 3);

    for (const [what, args] of Object.entries(HUMAN_VIEWS)) {
      const r = hb(args, { env: s.env });
      // 1 (2 under Nagios) is the verdict on the failed jobs; a usage or config error would be 2 (3).
      assert.ok(r.code !== null && r.code <= (what.includes('nagios') ? 2 : 1), `${what}: exit ${r.code} ${r.stderr}`);
      assert.ok(r.stdout.includes('evil'), `${what} does not show the job`);
      assert.doesNotMatch(r.stdout, OBEYED, `${what} lets a control character reach the terminal`);
      assert.doesNotMatch(r.stderr, OBEYED, `${what} stderr`);
    }
    // The escape is shown, written out, where a person looks for the reason.
    assert.match(hb(['check'], { env: s.env }).stdout, /evil\s+FAILED .*\\u001b\[2J/);
    assert.match(hb(['status'], { env: s.env }).stdout, /copy \\u001b\[31mred\\u0007/);

    for (const args of [
      ['check', '--json'],
      ['status', '--json'],
    ]) {
      const r = hb(args, { env: s.env });
      assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f]/, `${args.join(' ')}: a raw control character in JSON`);
      const jobs = (JSON.parse(r.stdout) as { jobs: Array<{ job: string; last: { message: string | null; output_tail: string | null } | null }> }).jobs;
      const evil = jobs.find((j) => j.job === 'evil');
      assert.equal(evil?.last?.message, message, `${args.join(' ')}: the message is data and stays whole`);
      const noisy = jobs.find((j) => j.job === 'noisy');
      assert.equal(noisy?.last?.output_tail, readJson(join(s.state, 'noisy.last')).output_tail);
    }
  });

  test('1 GiB streams through hb wrap byte for byte in bounded memory', { timeout: 120_000 }, async (t) => {
    const size = 1 << 30;
    const started = Date.now();
    const child = spawn(process.execPath, [HB, 'wrap', '--job', 'gigabyte', '--every', '1h', '--', 'head', '-c', String(size), '/dev/zero'], {
      env: s.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakKiB(child.pid!) ?? 0)), 20);
    const hash = createHash('sha256');
    let count = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      count += chunk.length;
      hash.update(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = await new Promise<[number | null]>((resolve) => child.on('close', (c) => resolve([c])));
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;

    const zeros = createHash('sha256');
    const mib = Buffer.alloc(1 << 20);
    for (let i = 0; i < size / mib.length; i++) zeros.update(mib);

    t.diagnostic(`1 GiB through wrap in ${seconds.toFixed(2)} s (${(1024 / seconds).toFixed(0)} MiB/s), hb peak RSS ${(peak / 1024).toFixed(1)} MiB`);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '', 'hb added nothing to the job’s stderr');
    assert.equal(count, size, 'bytes received');
    assert.equal(hash.digest('hex'), zeros.digest('hex'), 'content differs');
    assert.ok(peak > 0, 'peak RSS was sampled');
    // Node itself takes 40-60 MiB; a copy that buffered would take a gigabyte.
    assert.ok(peak < 160 * 1024, `hb peak RSS ${(peak / 1024).toFixed(1)} MiB`);
    assert.ok(seconds < 60, `took ${seconds} s`);
    const stored: string = readJson(join(s.state, 'gigabyte.last')).output_tail;
    assert.equal(stored, '\u0000'.repeat(4096), 'the default tail: the last 4096 bytes');
  });
});
