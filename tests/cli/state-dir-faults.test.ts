// A state directory the kernel refuses to create, through the built CLI: /proc/nope answers
// ENOENT to mkdir while /proc exists, which once sent hb round a mkdir loop at 100% CPU forever.
// Every run here is time-boxed, so a return of the spin fails the test instead of hanging it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox, type Run, type Sandbox } from '../helpers.ts';

const NOPE = '/proc/hb-nope';
const BOX = { timeoutMs: 20_000 };

/** The run ended by itself (not killed by the time box). */
function ended(r: Run, what: string): void {
  assert.equal(r.signal, null, `${what} was killed after ${BOX.timeoutMs} ms instead of ending by itself (a retry loop?)\n${r.stderr}`);
}

const fallbackOf = (s: Sandbox) => join(s.env.XDG_STATE_HOME!, 'hb');

test('tick, wrap and check with a state dir mkdir refuses: the per-user fallback with one warning, no spin', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const warning = `hb: state directory ${NOPE} is not writable (ENOENT); writing to ${fallbackOf(s)} instead\n`;

  const tick = hb(['--state-dir', NOPE, 'tick', 'backup', '--every', '1h'], { env: s.env, ...BOX });
  ended(tick, 'tick');
  assert.equal(tick.code, 0, tick.stderr);
  assert.equal(tick.stderr, warning);
  assert.equal(JSON.parse(readFileSync(join(fallbackOf(s), 'backup.last'), 'utf8')).job, 'backup');

  // The wrapped job runs, its exit code passes through, its heartbeat lands in the fallback.
  const wrap = hb(['--state-dir', NOPE, 'wrap', '--job', 'sync', '--every', '1h', '--', 'sh', '-c', 'echo ran; exit 3'], { env: s.env, ...BOX });
  ended(wrap, 'wrap');
  assert.equal(wrap.stdout, 'ran\n');
  assert.equal(wrap.code, 3, wrap.stderr);
  assert.equal(wrap.stderr, warning);
  assert.equal(JSON.parse(readFileSync(join(fallbackOf(s), 'sync.last'), 'utf8')).exit_code, 3);

  // The check reads both directories (SPEC §2) and records itself in the one it can write.
  const check = hb(['--state-dir', NOPE, 'check', '--json'], { env: s.env, ...BOX });
  ended(check, 'check');
  assert.equal(check.code, 1, check.stderr);
  assert.equal(check.stderr, '');
  const jobs = JSON.parse(check.stdout).jobs as { job: string; status: string }[];
  assert.deepEqual(
    jobs.filter((j) => j.job !== 'hb-check').map((j) => [j.job, j.status]),
    [
      ['backup', 'ok'],
      ['sync', 'failed'],
    ],
  );
  assert.ok(existsSync(join(fallbackOf(s), 'hb-check.last')));
});

test('when the per-user fallback is refused too: tick says so in one line (exit 2), wrap still runs the job, check ends', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const env = { ...s.env, XDG_STATE_HOME: '/proc/hb-nope-too' };

  const tick = hb(['--state-dir', NOPE, 'tick', 'backup', '--every', '1h'], { env, ...BOX });
  ended(tick, 'tick');
  assert.equal(tick.code, 2);
  assert.equal(tick.stderr, `hb: cannot record the heartbeat: state directory ${NOPE} is not writable (ENOENT), and no fallback is\n`);

  const wrap = hb(['--state-dir', NOPE, 'wrap', '--job', 'sync', '--', 'sh', '-c', 'echo ran; exit 4'], { env, ...BOX });
  ended(wrap, 'wrap');
  assert.equal(wrap.stdout, 'ran\n', 'the job runs without a state directory');
  assert.equal(wrap.code, 4, 'and its exit code passes through');
  assert.deepEqual(
    wrap.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/ in \/proc\/hb-nope.*/, '')),
    ['hb: could not write the running marker of sync', 'hb: could not append to the event log', 'hb: could not write the heartbeat of sync'],
    'each record it could not write is named once',
  );

  const check = hb(['--state-dir', NOPE, 'check'], { env, ...BOX });
  ended(check, 'check');
  assert.equal(check.code, 1, 'a check that cannot record itself is not a healthy one');
  assert.match(check.stderr, /^hb: could not record this check's own heartbeat \(hb-check\.last\) in \/proc\/hb-nope: ENOENT; the previous one is kept\n$/);
});
