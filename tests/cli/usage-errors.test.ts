// Small untruths of the command line, through the built CLI: a stray word, a pause of 0 or of
// a million years, a PID file that is a directory. Each is a one-line usage error (exit 2) that
// names what is wrong, and nothing is written or started.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox, type Run } from '../helpers.ts';

/** Exit 2 with exactly one stderr line matching `line`, and nothing on stdout. */
function usageError(r: Run, line: RegExp, what: string): void {
  assert.equal(r.signal, null, `${what}: ended by itself`);
  assert.equal(r.code, 2, `${what}: exit 2\n${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', what);
  assert.match(r.stderr, /^hb: [^\n]*\n$/, `${what}: one line`);
  assert.match(r.stderr, line, what);
}

test('a stray extra argument is a usage error naming it, for every command that takes a fixed number', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const cases: Array<[string[], RegExp]> = [
    [['tick', 'backup', 'sync'], /^hb: tick: unexpected argument "sync"; usage: hb tick \[options\] <job>$/m],
    [['tick', 'backup', 'sync', '--every', '1h'], /^hb: tick: unexpected argument "sync"/],
    [['--state-dir', s.state, 'tick', 'backup', 'sync', 'more'], /^hb: tick: unexpected arguments "sync", "more"/],
    [['pause', 'backup', 'x'], /^hb: pause: unexpected argument "x"; usage: hb pause \[options\] <job>$/m],
    [['resume', 'backup', 'x'], /^hb: resume: unexpected argument "x"/],
    [['forget', 'backup', 'x'], /^hb: forget: unexpected argument "x"/],
    [['log', 'backup', 'x'], /^hb: log: unexpected argument "x"; usage: hb log \[options\] \[job\]$/m],
    [['next', '@daily', 'x'], /^hb: next: unexpected argument "x"/],
    [['report', 'x'], /^hb: report: unexpected argument "x"/],
    [['doctor', 'x'], /^hb: doctor: unexpected argument "x"/],
    [['crontab', 'x'], /^hb: crontab: unexpected argument "x"/],
    [['daemon', 'status', 'x'], /^hb: daemon status: unexpected argument "x"/],
    [['daemon', 'stop', 'x'], /^hb: daemon stop: unexpected argument "x"/],
    // Before, this started a daemon in the foreground that ran until killed.
    [['daemon', 'start', 'x'], /^hb: daemon start: unexpected argument "x"/],
    [['tick', 'backup', 'a\u001b[31mred'], /unexpected argument "a\\u001b\[31mred"/],
  ];
  for (const [args, line] of cases) usageError(hb(args, { env: s.env, timeoutMs: 20_000 }), line, args.join(' '));
  assert.equal(existsSync(s.state) ? readdirSync(s.state).length : 0, 0, 'nothing was recorded or started');
  // Commands that take any number of jobs, and wrap's command line, are unchanged.
  const wrap = hb(['wrap', '--job', 'w', '--', 'echo', 'a', 'b'], { env: s.env });
  assert.equal(wrap.code, 0, wrap.stderr);
  assert.equal(wrap.stdout, 'a b\n');
});

test('hb pause --for 0 says a pause must be longer than 0', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'j', '--every', '1h'], { env: s.env }).code, 0);
  for (const zero of ['0', '0s', '0m']) {
    usageError(
      hb(['pause', 'j', '--for', zero], { env: s.env }),
      new RegExp(`^hb: --for: a pause must be longer than 0, found "${zero}" \\(leave --for out to pause until hb resume\\)$`, 'm'),
      zero,
    );
  }
  // Other duration flags say "zero" too, not "too long".
  usageError(hb(['tick', 'j', '--grace', '0'], { env: s.env }), /^hb: --grace: "0" is zero \(expected a duration longer than 0, e.g. 90s/m, '--grace 0');
  assert.equal(existsSync(join(s.state, 'paused', 'j.json')), false);
});

test('hb pause --for beyond 100 years is a one-line error naming the flag and the limit, not "Invalid time value"', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'j', '--every', '1h'], { env: s.env }).code, 0);
  for (const long of ['99999999d', '36501d', '9999999999999999999999d']) {
    usageError(
      hb(['pause', 'j', '--for', long], { env: s.env }),
      new RegExp(`^hb: --for: a pause can last at most 36500d \\(100 years\\), found "${long}"`, 'm'),
      long,
    );
  }
  assert.equal(existsSync(join(s.state, 'paused', 'j.json')), false, 'no pause was written');
  const ok = hb(['pause', 'j', '--for', '36500d'], { env: s.env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^j paused for 36500d, until 21\d\d-/);
});

test('hb daemon --pid-file that is a directory or under a missing one: a usage error naming the file', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  mkdirSync(join(s.root, 'adir'));
  const cases: Array<[string[], RegExp]> = [
    [['daemon', 'start', '--pid-file', '/'], /^hb: --pid-file: \/ is a directory; expected the path of a file, e\.g\. \/run\/hb-daemon\.pid$/m],
    [['daemon', 'start', '--pid-file', join(s.root, 'adir')], /^hb: --pid-file: \S+\/adir is a directory/m],
    [['daemon', 'start', '--detach', '--pid-file', '/'], /^hb: --pid-file: \/ is a directory/m],
    [
      ['daemon', 'start', '--pid-file', join(s.root, 'missing', 'hb.pid')],
      /^hb: --pid-file: \S+\/missing\/hb\.pid: its directory \S+\/missing does not exist$/m,
    ],
    [['daemon', 'status', '--pid-file', '/'], /^hb: --pid-file: \/ is a directory/m],
    [['daemon', 'stop', '--pid-file', '/'], /^hb: --pid-file: \/ is a directory/m],
  ];
  for (const [args, line] of cases) usageError(hb(args, { env: s.env, timeoutMs: 20_000 }), line, args.join(' '));
  assert.equal(existsSync(join(s.state, 'daemon.lock')), false, 'no daemon lock was taken');
});

test('a wait may be 0: daemon start --stop-timeout 0 and daemon stop --timeout 0 are taken, other duration flags refuse 0', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  // Past the option: the PID file is what start refuses, so the 0 was taken.
  usageError(
    hb(['daemon', 'start', '--stop-timeout', '0', '--pid-file', '/'], { env: s.env, timeoutMs: 20_000 }),
    /^hb: --pid-file: \/ is a directory/m,
    '--stop-timeout 0',
  );
  const stop = hb(['daemon', 'stop', '--timeout', '0'], { env: s.env, timeoutMs: 20_000 });
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^hb daemon: not running/);
  const zero = /"0" is zero \(expected a duration longer than 0/;
  for (const args of [
    ['tick', 'j', '--grace', '0'],
    ['wrap', '--timeout', '0', '--', 'true'],
    ['report', '--since', '0'],
    ['log', '--since', '0'],
  ]) {
    usageError(hb(args, { env: s.env }), new RegExp(`^hb: ${args.find((a) => a.startsWith('--'))}: ${zero.source}`, 'm'), args.join(' '));
  }
  usageError(hb(['tick', 'j', '--every', '0'], { env: s.env }), /^hb: --every: "0" is not a period: it must be longer than 0$/m, '--every 0');
  assert.equal(existsSync(s.state) ? readdirSync(s.state).length : 0, 0, 'nothing was recorded');
});
