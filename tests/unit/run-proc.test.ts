// /proc parsing on real and synthetic processes, and the "gone" rule (SPEC §4) as a table.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bootId, bootTimeMs, gatherFacts, isRunGone, parseStatLine, processStartMs, processState } from '../../lib/adapters/run/proc.ts';
import type { ProcessClaim, ProcessFacts } from '../../lib/adapters/run/proc.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hb-run-proc-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A pid no Linux process can have (PID_MAX_LIMIT is 2^22). */
const NO_SUCH_PID = 2 ** 30;

/** A stat line with the given comm, state and starttime; the other fields are plausible filler. */
function statLine(pid: number, comm: string, state: string, startTicks: number): string {
  const fields = [state, '1', String(pid), String(pid), '0', '-1', '4194560'];
  while (fields.length < 22 - 3) fields.push('0');
  fields.push(String(startTicks), '5124096', '998');
  return `${pid} (${comm}) ${fields.join(' ')}`;
}

async function waitFor<T>(read: () => T | null, ok: (v: T | null) => boolean, label: string): Promise<T | null> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label} (last: ${String(v)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('parseStatLine', () => {
  test('reads state and starttime after the LAST parenthesis', () => {
    for (const comm of ['sh', 'a b', 'x) (y', ') R 1 2 (', 'tricky)']) {
      assert.deepEqual(parseStatLine(statLine(42, comm, 'S', 12345)), { state: 'S', startTicks: 12345 }, comm);
    }
    assert.deepEqual(parseStatLine(statLine(7, 'zed', 'Z', 9)), { state: 'Z', startTicks: 9 });
  });

  test('a malformed line is null, not a guess', () => {
    for (const line of ['', '42 sh S 1', '42 (sh)', '42 (sh) S 1 2 3', '42 (sh) ?? ' + '0 '.repeat(30)]) {
      assert.equal(parseStatLine(line), null, JSON.stringify(line));
    }
  });
});

describe('/proc readers', () => {
  test('this process: alive, a plausible state and start time, a boot id', () => {
    assert.match(processState(process.pid) ?? '', /^[RS]$/);
    const expected = Date.now() - process.uptime() * 1000;
    const start = processStartMs(process.pid);
    assert.ok(start !== null && Math.abs(start - expected) < 2000, `start ${start} vs ${expected}`);
    assert.match(bootId() ?? '', /^[0-9a-f-]{36}$/);
    const facts = gatherFacts(process.pid);
    assert.equal(facts.bootId, bootId());
    assert.ok(facts.startMs !== null && Math.abs(facts.startMs - start) <= 10);
  });

  test('a missing process is null everywhere', () => {
    assert.equal(processState(NO_SUCH_PID), null);
    assert.equal(processStartMs(NO_SUCH_PID), null);
    const facts = gatherFacts(NO_SUCH_PID);
    assert.equal(facts.state, null);
    assert.equal(facts.startMs, null);
    assert.equal(gatherFacts(-1).state, null);
  });

  test('a synthetic /proc: start = btime + starttime / 100 s', () => {
    const root = join(tmp, 'proc');
    mkdirSync(join(root, 'sys/kernel/random'), { recursive: true });
    mkdirSync(join(root, '4242'));
    writeFileSync(join(root, 'sys/kernel/random/boot_id'), 'abcd-boot\n');
    writeFileSync(join(root, 'stat'), 'cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n');
    writeFileSync(join(root, '4242/stat'), `${statLine(4242, 'my (job) )', 'D', 123456)}\n`);
    assert.equal(bootId(root), 'abcd-boot');
    assert.equal(bootTimeMs(root), 1_700_000_000_000);
    assert.deepEqual(gatherFacts(4242, root), {
      bootId: 'abcd-boot',
      state: 'D',
      startMs: 1_700_000_000_000 + 1_234_560,
    });
    assert.deepEqual(gatherFacts(4243, root), { bootId: 'abcd-boot', state: null, startMs: null });
    assert.equal(bootId(join(tmp, 'nowhere')), null);
  });

  test('a real zombie reads as Z and is gone', async () => {
    // dash reaps a background job only when it waits: while it blocks in `read`, the finished
    // sleep stays a zombie. The line we send then lets it reap, so no zombie outlives the test
    // (an init that does not reap, as in some containers, would keep an orphaned one forever).
    const parent = spawn('/bin/sh', ['-c', 'sleep 0.05 & echo $!; read x; wait'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => parent.on('close', resolve));
    try {
      let out = '';
      parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const line = await waitFor(
        () => (out.includes('\n') ? out : null),
        (v) => v !== null,
        'the zombie pid',
      );
      const pid = Number(line!.trim());
      await waitFor(
        () => processState(pid),
        (s) => s === 'Z',
        `process ${pid} to become a zombie`,
      );
      const facts = gatherFacts(pid);
      const claim = { pid, started_at: new Date().toISOString(), boot_id: facts.bootId, pid_started_ms: facts.startMs };
      const verdict = isRunGone(claim, facts);
      assert.equal(verdict.gone, true);
      assert.match(verdict.reason, /zombie/);
    } finally {
      parent.stdin.end('reap\n');
      await exited;
    }
  });
});

describe('isRunGone', () => {
  const boot = 'boot-1';
  const runAt = Date.parse('2025-03-01T02:30:00.000Z');
  const claim = (over: Partial<ProcessClaim> = {}): ProcessClaim => ({
    pid: 1234,
    started_at: new Date(runAt).toISOString(),
    boot_id: boot,
    pid_started_ms: runAt - 40,
    ...over,
  });
  const facts = (over: Partial<ProcessFacts> = {}): ProcessFacts => ({
    bootId: boot,
    state: 'S',
    startMs: runAt - 40,
    ...over,
  });

  const table: Array<[string, ProcessClaim, ProcessFacts, boolean, RegExp]> = [
    ['alive, same start', claim(), facts(), false, /running/],
    ['alive, start read 0.6 s apart (btime rounding)', claim(), facts({ startMs: runAt + 560 }), false, /running/],
    ['alive in state D', claim(), facts({ state: 'D' }), false, /running/],
    ['no such process', claim(), facts({ state: null, startMs: null }), true, /not running/],
    ['zombie', claim(), facts({ state: 'Z' }), true, /zombie/],
    ['dead (X)', claim(), facts({ state: 'X' }), true, /exited/],
    ['pid reused: started 5 s after the recorded start', claim(), facts({ startMs: runAt + 5000 }), true, /reused/],
    ['pid reused: started before the recorded start', claim(), facts({ startMs: runAt - 60_000 }), true, /reused/],
    ['no recorded start: started 10 s after the run', claim({ pid_started_ms: null }), facts({ startMs: runAt + 10_000 }), true, /reused/],
    ['no recorded start: within the slack', claim({ pid_started_ms: null }), facts({ startMs: runAt + 1500 }), false, /running/],
    ['no recorded start: started long before the run', claim({ pid_started_ms: null }), facts({ startMs: runAt - 3_600_000 }), false, /running/],
    ['start time unknown: not judged on it', claim(), facts({ startMs: null }), false, /running/],
    ['previous boot, even if the pid is alive', claim({ boot_id: 'boot-0' }), facts(), true, /previous boot/],
    ['boot id unknown now: not judged on it', claim(), facts({ bootId: null }), false, /running/],
    ['boot id not recorded: not judged on it', claim({ boot_id: null }), facts(), false, /running/],
    ['invalid pid', claim({ pid: 0 }), facts(), true, /no valid process id/],
  ];
  for (const [name, c, f, gone, reason] of table) {
    test(name, () => {
      const v = isRunGone(c, f);
      assert.equal(v.gone, gone);
      assert.match(v.reason, reason);
    });
  }

  test('this process, as a marker would record it, is not gone', () => {
    const f = gatherFacts(process.pid);
    const c = { pid: process.pid, started_at: new Date().toISOString(), boot_id: f.bootId, pid_started_ms: f.startMs };
    assert.deepEqual(isRunGone(c, gatherFacts(process.pid)), { gone: false, reason: `process ${process.pid} is running` });
  });
});
