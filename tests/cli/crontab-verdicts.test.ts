// Files Debian cron ignores as a whole, through the built CLI: hb doctor reports them as errors
// naming the jobs that never run, hb crontab --adopt (and --apply) leaves them byte for byte
// with the reason, and a \\% line adopted keeps what cron hands the shell and the stdin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { hb, sandbox, type Sandbox } from '../helpers.ts';

function write(s: Sandbox, name: string, text: string): string {
  const path = join(s.root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

const SIX = '0 1 * * * /usr/bin/true\n*/6 * * * * * echo hi\n';
const CURL = '*/30 * * * * curl -X POST http://127.0.0.1:9/ping\n0 4 * * * root /usr/bin/true\n';

test('doctor: a six-field line is an error that names the good line cron ignores with it', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const file = write(s, 'crontab', SIX);
  const r = hb(['doctor', '--crontab', file], { env: s.env });
  assert.equal(r.code, 1, r.stdout);
  assert.match(
    r.stdout,
    new RegExp(
      `^${file}:2: error: cron refuses this line and ignores the whole file \\("Syntax error, this crontab file will be ignored"\\): bad command: .*its other job line never runs: line 1 \\(/usr/bin/true\\) \\[invalid-line\\]$`,
      'm',
    ),
  );
});

test('doctor: an unknown user in a cron.d file ignores the whole file; a last comment without newline is fine', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const file = write(s, 'cron.d/ping', CURL);
  const r = hb(['doctor', '--crontab', file], { env: s.env });
  assert.equal(r.code, 1, r.stdout);
  assert.match(
    r.stdout,
    /:1: error: user "curl" does not exist: cron refuses the line \("bad username"\) and ignores the whole file .*line 2 \(\/usr\/bin\/true\) \[unknown-user\]/,
  );
  const comment = write(s, 'tail-comment', '0 1 * * * /usr/bin/true\n# the end');
  const ok = hb(['doctor', '--crontab', comment], { env: s.env });
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /^hb doctor: no problems found \(checked .*tail-comment\b/);
});

test('adopt: a file cron ignores is shown no diff and --apply leaves it byte for byte, saying why; the others are adopted', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const six = write(s, 'six', SIX);
  const curl = write(s, 'cron.d/ping', CURL);
  const good = write(s, 'cron.d/good', '0 4 * * * root /usr/bin/true\n');
  const show = hb(['crontab', '--adopt', '--crontab', six], { env: s.env });
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout, '', 'no diff');
  assert.match(show.stderr, new RegExp(`${six}: left as it is: cron ignores this whole file: line 2: bad command: .*fix it first \\(hb doctor explains\\)`));
  assert.match(show.stderr, /nothing to adopt/);

  const before = [statSync(six).mtimeMs, statSync(curl).mtimeMs];
  const apply = hb(['crontab', '--adopt', '--apply', '--crontab', six, curl, good], { env: s.env });
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stderr, new RegExp(`${curl}: left as it is: cron ignores this whole file: line 1: bad username: user "curl" does not exist`));
  assert.match(apply.stdout, new RegExp(`adopted 1 line\\(s\\) in ${good};`));
  assert.equal(readFileSync(six, 'utf8'), SIX);
  assert.equal(readFileSync(curl, 'utf8'), CURL);
  assert.deepEqual([statSync(six).mtimeMs, statSync(curl).mtimeMs], before, 'never rewritten');
  assert.match(readFileSync(good, 'utf8'), /^0 4 \* \* \* root \S+ \S+ wrap --job true /);
});

// The shell text and stdin cron gives a user crontab's job line.
const asCron = (text: string): JobLine => parseCrontab(text, { kind: 'user', file: 'x' }).lines.find((l): l is JobLine => l.kind === 'job')!;

test('adopt: a \\\\% line runs as before — the same output from the same stdin — plus a heartbeat', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const text = '15 3 * * * printf "[\\%s]" done \\\\%line one%line two\n';
  const file = write(s, 'crontab', text);
  const apply = hb(['crontab', '--adopt', '--apply', '--crontab', file], { env: s.env });
  assert.equal(apply.code, 0, apply.stderr);
  const run = (l: JobLine) => spawnSync('/bin/sh', ['-c', l.command], { input: l.stdin ?? '', env: s.env, encoding: 'utf8' });
  const before = asCron(text);
  const after = asCron(readFileSync(file, 'utf8'));
  assert.ok(after.hb[0]?.subcommand === 'wrap', readFileSync(file, 'utf8'));
  assert.equal(before.stdin, 'line one\nline two\n');
  const [want, got] = [run(before), run(after)];
  assert.equal(got.stderr, '', `the adopted line runs cleanly:\n${readFileSync(file, 'utf8')}`);
  assert.equal(got.stdout, want.stdout);
  assert.equal(want.stdout, '[done][\\]');
});
