// `hb wrap` through the built CLI: passthrough, exit codes, signals, timeout, lock, crashes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hb, hbAsync, readEventsFile, readJson, sandbox, unscheduledHint, waitFor, HB } from '../helpers.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('stdin, stdout and stderr pass through byte for byte; the tail is bounded', () => {
  const s = sandbox();
  try {
    const input = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256));
    const r = spawnSync(process.execPath, [HB, 'wrap', '--job', 'cat', '--tail', '100', '--', fixture('echo-stdin.js')], { env: s.env, input });
    assert.equal(r.status, 0, String(r.stderr));
    assert.equal(sha(r.stdout), sha(input));
    const rec = readJson(join(s.state, 'cat.last'));
    assert.ok(Buffer.byteLength(rec.output_tail) <= 100 * 3, 'tail bounded (a replacement char may widen a byte)');
    const spew = spawnSync(process.execPath, [HB, 'wrap', '--job', 'spew', '--', fixture('spew.js'), String(5 << 20)], { env: s.env, maxBuffer: 64 << 20 });
    const direct = spawnSync(process.execPath, [fixture('spew.js'), String(5 << 20)], { maxBuffer: 64 << 20 });
    assert.equal(spew.status, 0);
    assert.equal(sha(spew.stdout), sha(direct.stdout));
    // hb's own words come after the child's bytes: here the one-time hint of a job with no schedule.
    assert.equal(sha(spew.stderr), sha(Buffer.concat([direct.stderr, Buffer.from(unscheduledHint('spew'))])));
    const again = spawnSync(process.execPath, [HB, 'wrap', '--job', 'spew', '--', fixture('spew.js'), String(5 << 20)], { env: s.env, maxBuffer: 64 << 20 });
    assert.equal(sha(again.stderr), sha(direct.stderr), "from the second run on, nothing of hb's");
    const tail = readJson(join(s.state, 'spew.last')).output_tail as string;
    assert.equal(Buffer.byteLength(tail), 4096);
  } finally {
    s.cleanup();
  }
});

test('exit codes pass through; a job name defaults to the base name', () => {
  const s = sandbox();
  try {
    for (const code of [0, 1, 3, 255]) {
      const r = hb(['wrap', '--', fixture('exit-with.js'), String(code)], { env: s.env });
      assert.equal(r.code, code);
      const rec = readJson(join(s.state, 'exit-with.js.last'));
      assert.equal(rec.exit_code, code);
      assert.equal(rec.status, code === 0 ? 'ok' : 'error');
    }
    assert.equal(readJson(join(s.state, 'exit-with.js.last')).cycle, 4);
  } finally {
    s.cleanup();
  }
});

test('without --job, a command run through a shell or a wrapper is named after what it runs, as hb crontab --adopt names it', () => {
  const s = sandbox();
  try {
    const script = fixture('exit-with.js');
    assert.equal(hb(['wrap', '--', '/bin/sh', '-c', `cd / && ${process.execPath} ${script} 0`], { env: s.env }).code, 0);
    assert.equal(hb(['wrap', '--', 'nice', '-n', '5', process.execPath, script, '0'], { env: s.env }).code, 0);
    // Both named exit-with.js (its script), not sh and nice: two such jobs no longer share a heartbeat.
    assert.equal(readJson(join(s.state, 'exit-with.js.last')).cycle, 2);
    assert.ok(!existsSync(join(s.state, 'sh.last')) && !existsSync(join(s.state, 'nice.last')));
  } finally {
    s.cleanup();
  }
});

// When the hint is due is decided in lib/run/pipeline.ts (tests/unit/run-pipeline.test.ts); here,
// that it comes after the child's output and leaves the child's exit code alone.
test('the first wrap of a job without a schedule adds one hint line after the output; the next adds nothing', () => {
  const s = sandbox();
  try {
    const say = (code: number, ...args: string[]) => hb(['wrap', ...args, '--', fixture('exit-with.js'), String(code)], { env: s.env });
    const first = say(3, '--job', 'legacy');
    assert.deepEqual([first.code, first.stderr], [3, unscheduledHint('legacy')], "the exit code is still the child's");
    const again = say(0, '--job', 'legacy');
    assert.deepEqual([again.code, again.stderr], [0, '']);
    // The name from the command's base name, as cron lines adopted by hb crontab --adopt have it.
    assert.equal(say(0).stderr, unscheduledHint('exit-with.js'));
    const c = hb(['check'], { env: s.env });
    assert.match(c.stdout, /^legacy\s+UNSCHEDULED\s+/m, 'hb check keeps listing it');
  } finally {
    s.cleanup();
  }
});

test('a missing command: a clear message, exit 127, a failed heartbeat', () => {
  const s = sandbox();
  try {
    const r = hb(['wrap', '--job', 'ghost', '--every', '1h', '--', '/nonexistent/backup.sh', '--full'], { env: s.env });
    assert.equal(r.code, 127);
    assert.match(r.stderr, /\/nonexistent\/backup\.sh/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const rec = readJson(join(s.state, 'ghost.last'));
    assert.equal(rec.status, 'error');
    assert.equal(rec.exit_code, 127);
    assert.match(rec.message, /not found|no such file/i);
    const c = hb(['check'], { env: s.env });
    assert.equal(c.code, 1);
    assert.match(c.stdout, /ghost\s+FAILED/);
  } finally {
    s.cleanup();
  }
});

test("SIGTERM to hb is forwarded to the child; hb exits with the child's code and records it", async () => {
  const s = sandbox();
  try {
    const run = hbAsync(['wrap', '--job', 'trap', '--', fixture('trap-term.js')], { env: s.env });
    await waitFor(() => run.output().includes('READY'), 'READY from the child');
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143);
    assert.match(r.stdout, /got TERM/);
    const rec = readJson(join(s.state, 'trap.last'));
    assert.equal(rec.exit_code, 143);
    assert.equal(rec.status, 'error');
    assert.equal(existsSync(join(s.state, 'trap.run')), false);
  } finally {
    s.cleanup();
  }
});

test('a child killed by a signal exits 128+n', async () => {
  const s = sandbox();
  try {
    const run = hbAsync(['wrap', '--job', 'victim', '--', 'sh', '-c', 'echo READY; kill -9 $$'], { env: s.env });
    const r = await run.done;
    assert.equal(r.code, 137);
    const rec = readJson(join(s.state, 'victim.last'));
    assert.equal(rec.signal, 'SIGKILL');
    assert.equal(rec.exit_code, null);
  } finally {
    s.cleanup();
  }
});

test('--timeout stops the child with TERM, then KILL, and records a timeout', () => {
  const s = sandbox();
  try {
    const r = hb(['wrap', '--job', 'slow', '--timeout', '1s', '--', fixture('trap-term.js')], { env: s.env });
    assert.equal(r.code, 143);
    const rec = readJson(join(s.state, 'slow.last'));
    assert.equal(rec.timed_out, true);
    assert.match(rec.message, /timed out/);
    assert.ok(readEventsFile(s.state).some((e: { type: string }) => e.type === 'timeout'));
    const c = hb(['check'], { env: s.env });
    assert.match(c.stdout, /slow\s+FAILED\s+last run timed out/);
  } finally {
    s.cleanup();
  }
});

test('--lock: a second concurrent run is skipped (exit 0, or --skip-code) and leaves the running heartbeat alone', async () => {
  const s = sandbox();
  try {
    const first = hbAsync(['wrap', '--job', 'locked', '--lock', '--', fixture('forever.js')], { env: s.env });
    await waitFor(() => first.output().includes('READY'), 'first run started');
    const marker = readJson(join(s.state, 'locked.run'));
    const second = hb(['wrap', '--job', 'locked', '--lock', '--', fixture('exit-with.js'), '0'], { env: s.env });
    assert.equal(second.code, 0);
    const third = hb(['wrap', '--job', 'locked', '--lock', '--skip-code', '75', '--', fixture('exit-with.js'), '0'], { env: s.env });
    assert.equal(third.code, 75);
    assert.equal(existsSync(join(s.state, 'locked.last')), false, 'no heartbeat written by skipped runs');
    assert.deepEqual(readJson(join(s.state, 'locked.run')), marker, 'running marker untouched');
    const skips = readEventsFile(s.state).filter((e: { type: string }) => e.type === 'overlap_skipped');
    assert.equal(skips.length, 2);
    assert.equal(skips[0].holder_pid, first.child.pid);
    first.child.kill('SIGTERM');
    const r = await first.done;
    assert.equal(r.code, 143);
    assert.equal(hb(['wrap', '--job', 'locked', '--lock', '--', fixture('exit-with.js'), '0'], { env: s.env }).code, 0, 'lock released');
  } finally {
    s.cleanup();
  }
});

test('kill -9 of hb mid-run: check reports crashed; the next run logs crash_detected, continues the cycle, and tells the job', async () => {
  const s = sandbox();
  try {
    assert.equal(hb(['wrap', '--job', 'agent', '--every', '1h', '--', 'true'], { env: s.env }).code, 0);
    const run = hbAsync(['wrap', '--job', 'agent', '--every', '1h', '--', fixture('forever.js')], { env: s.env });
    await waitFor(() => run.output().includes('READY'), 'agent running');
    const marker = readJson(join(s.state, 'agent.run'));
    assert.equal(marker.cycle, 2);
    const running = hb(['check', '--json'], { env: s.env });
    assert.equal(JSON.parse(running.stdout).jobs[0].status, 'running');
    run.child.kill('SIGKILL');
    await run.done;
    process.kill(marker.child_pid, 'SIGKILL');
    const c = hb(['check'], { env: s.env });
    assert.equal(c.code, 1);
    assert.match(c.stdout, /agent\s+CRASHED\s+run of cycle 2 \(pid \d+\)/);
    const next = hb(['wrap', '--job', 'agent', '--every', '1h', '--', 'sh', '-c', 'echo "prev=$HB_PREV_STATUS cycle=$HB_CYCLE"'], { env: s.env });
    assert.equal(next.stdout, 'prev=crashed cycle=3\n');
    const rec = readJson(join(s.state, 'agent.last'));
    assert.equal(rec.cycle, 3);
    assert.equal(rec.previous.status, 'crashed');
    assert.equal(rec.previous.cycle, 2);
    const crash = readEventsFile(s.state).filter((e: { type: string }) => e.type === 'crash_detected');
    assert.equal(crash.length, 1);
    assert.equal(crash[0].cycle, 2);
    assert.equal(hb(['check'], { env: s.env }).code, 0, 'healthy again after the next run');
  } finally {
    s.cleanup();
  }
});

test('concurrent ticks never tear a file or an event line', async () => {
  const s = sandbox();
  try {
    const runs = Array.from({ length: 16 }, () => hbAsync(['tick', 'busy', '--every', '1m'], { env: s.env }));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const rec = readJson(join(s.state, 'busy.last'));
    assert.equal(rec.job, 'busy');
    const lines = readFileSync(join(s.state, 'events.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 16);
    for (const line of lines) assert.equal(JSON.parse(line).type, 'run_finished');
    assert.equal(hb(['check'], { env: s.env }).code, 0);
  } finally {
    s.cleanup();
  }
});
