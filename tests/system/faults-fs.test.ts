// File-system faults through the built CLI: a full disk (a 64 KiB tmpfs filled to the last
// block), a read-only state directory (the tmpfs remounted ro), EACCES as an unprivileged user,
// and the state directory deleted while `hb wrap` runs. Each: a one-line message, an exit the
// SPEC allows, the previous heartbeat byte-for-byte, and no temp file left behind.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { HB, hb, hbAsync, sandbox, waitFor, type Run, type Sandbox } from '../helpers.ts';

/** Mounts a tmpfs of `size` at `dir`, unmounted after the test (before `then`); false (skipped) when mounting is impossible here. */
function mountTmpfs(t: TestContext, dir: string, size: string, then: () => void): boolean {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}): needs root with CAP_SYS_ADMIN`;
    then();
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error(why);
    t.skip(why);
    return false;
  }
  t.after(() => {
    const r = spawnSync('umount', [dir], { encoding: 'utf8' });
    if (r.status !== 0) spawnSync('umount', ['-l', dir]);
    then();
  });
  return true;
}

/** Writes zeros into `path` until the file system says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', 'the disk filled up');
  } finally {
    closeSync(fd);
  }
}

/** Every file under `dir`, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

/** stderr is short, human lines: no stack trace, nothing "unexpected". */
function assertClean(r: Run, what: string): void {
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error|Error:/, `${what}: no stack trace\n${r.stderr}`);
  for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^hb: /, `${what}: every stderr line is hb's own: ${line}`);
}

function mounted(t: TestContext): { s: Sandbox; mnt: string } | null {
  const s = sandbox();
  const mnt = join(s.root, 'mnt');
  if (!mountTmpfs(t, mnt, '64k', () => s.cleanup())) return null;
  s.env.HB_STATE_DIR = s.state = join(mnt, 'state');
  return { s, mnt };
}

/** The prefix that runs hb as uid 65534, with the sandbox opened to it; null (skipped) when this machine cannot. */
function asNobody(t: TestContext, s: Sandbox): string[] | null {
  const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  chmodSync(s.root, 0o755);
  const probe = spawnSync(
    nobody[0]!,
    [...nobody.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(HB)}, require('fs').constants.R_OK)`],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    const why = `cannot run the built hb as uid 65534 (setpriv missing, or dist/ unreadable to it): ${probe.error?.message ?? probe.stderr.trim()}`;
    if (process.env.HB_REQUIRE_SYSTEM && probe.error) throw new Error(why);
    t.skip(why);
    return null;
  }
  return nobody;
}

test('full disk (a filled 64 KiB tmpfs): tick, wrap and check say so in one line, exit as SPEC allows, and keep the heartbeat', (t) => {
  const m = mounted(t);
  if (!m) return;
  const { s, mnt } = m;
  assert.equal(hb(['tick', 'j1', '--every', '1h'], { env: s.env }).code, 0);
  const before = readFileSync(join(s.state, 'j1.last'));
  fillDisk(join(mnt, 'fill'));

  const tick = hb(['tick', 'j1', '--every', '1h'], { env: s.env });
  assert.equal(tick.code, 1, `a ping that could not be recorded exits 1\n${tick.stderr}`);
  assert.match(tick.stderr, /^hb: could not write the heartbeat of j1 in \S+: ENOSPC; the previous heartbeat is kept$/m);
  assertClean(tick, 'tick');

  // SPEC §3: wrap exits with the child's code, whatever hb could record; the failure is on stderr.
  const failing = hb(['wrap', '--job', 'j1', '--', 'sh', '-c', 'echo out; exit 3'], { env: s.env });
  assert.equal(failing.code, 3, "the job's own exit code passes through");
  assert.equal(failing.stdout, 'out\n', 'output still passes through');
  assert.match(failing.stderr, /could not write the heartbeat of j1 in \S+: ENOSPC; the previous heartbeat is kept/);
  assertClean(failing, 'wrap');
  const ok = hb(['wrap', '--job', 'j1', '--', 'true'], { env: s.env });
  assert.equal(ok.code, 0, "a successful job still exits 0: SPEC §3 passes the child's code through");
  assert.match(ok.stderr, /ENOSPC/);

  // No lock can be made on a full disk: the job runs anyway, without overlap protection, and says so.
  const locked = hb(['wrap', '--job', 'j1', '--lock', '--', 'sh', '-c', 'echo locked-out; exit 4'], { env: s.env });
  assert.equal(locked.code, 4, `--lock without a lock still runs the job and passes its code\n${locked.stderr}`);
  assert.equal(locked.stdout, 'locked-out\n');
  assert.match(locked.stderr, /^hb: overlap protection is off for this run of j1: cannot use lock \S+j1\.lock: the disk is full$/m);
  assertClean(locked, 'wrap --lock');

  const check = hb(['check'], { env: s.env });
  assert.equal(check.code, 1, `a check that cannot record its own heartbeat is not healthy\n${check.stdout}${check.stderr}`);
  assert.match(check.stderr, /^hb: could not record this check's own heartbeat \(hb-check\.last\) in \S+: ENOSPC; the previous one is kept$/m);
  assertClean(check, 'check');
  assert.match(check.stdout, /all 1 job healthy/, 'the jobs themselves are still judged from disk');

  assert.deepEqual(readFileSync(join(s.state, 'j1.last')), before, 'the previous heartbeat, byte for byte');
  assert.deepEqual(
    allFiles(mnt).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left behind',
  );
  assert.equal(existsSync(join(s.state, 'j1.run')), false, 'no run marker left behind');

  // Space again: the next tick records, and the log is still one JSON object per line.
  rmSync(join(mnt, 'fill'));
  assert.equal(hb(['tick', 'j1', '--every', '1h'], { env: s.env }).code, 0);
  const lines = readFileSync(join(s.state, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length >= 2);
  assert.equal(JSON.parse(lines.at(-1)!).type, 'run_finished', 'the newest event is whole');
});

test('read-only state dir (the tmpfs remounted ro): tick and wrap fall back to the per-user dir with one warning; check reads both', (t) => {
  const m = mounted(t);
  if (!m) return;
  const { s, mnt } = m;
  assert.equal(hb(['tick', 'j1', '--every', '1h'], { env: s.env }).code, 0);
  const before = readFileSync(join(s.state, 'j1.last'));
  const ro = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
  assert.equal(ro.status, 0, `remount ro: ${ro.stderr}`);

  const userDir = join(s.root, 'xdg-state', 'hb');
  const tick = hb(['tick', 'j1', '--every', '1h'], { env: s.env });
  assert.equal(tick.code, 0, tick.stderr);
  assert.equal(tick.stderr, `hb: state directory ${s.state} is not writable (EROFS); writing to ${userDir} instead\n`);
  const wrap = hb(['wrap', '--job', 'j2', '--every', '1h', '--', 'sh', '-c', 'exit 4'], { env: s.env });
  assert.equal(wrap.code, 4);
  assert.match(wrap.stderr, /not writable \(EROFS\); writing to/);
  assert.equal(JSON.parse(readFileSync(join(userDir, 'j2.last'), 'utf8')).exit_code, 4);
  const fellBack = JSON.parse(readFileSync(join(userDir, 'j1.last'), 'utf8'));

  const check = hb(['check', '--json'], { env: s.env });
  assert.equal(check.code, 1, 'j2 failed: the check sees the fallback heartbeats');
  const jobs = JSON.parse(check.stdout).jobs as Array<{ job: string; last: { started_at: string } | null }>;
  const seen = Object.fromEntries(jobs.map((j) => [j.job, j.last?.started_at]));
  assert.equal(seen.j1, fellBack.started_at, 'j1: the newer heartbeat, from the fallback');
  assert.ok(seen.j2, 'j2: only in the fallback');
  assert.ok(existsSync(join(userDir, 'hb-check.last')), 'the check records itself where it can write');
  assert.deepEqual(readFileSync(join(s.state, 'j1.last')), before, 'the read-only heartbeat is untouched');
});

test('EACCES as an unprivileged user: the per-user fallback, or exit 2 when no directory can be written', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const nobody = asNobody(t, s);
  if (!nobody) return;
  assert.equal(hb(['tick', 'j1', '--every', '1h'], { env: s.env }).code, 0);
  const before = readFileSync(join(s.state, 'j1.last'));
  const xdg = join(s.root, 'xdg-state');
  mkdirSync(xdg, { recursive: true });
  chownSync(xdg, 65534, 65534);

  const tick = hb(['tick', 'j1', '--every', '1h'], { env: s.env, prefix: nobody });
  assert.equal(tick.code, 0, tick.stderr);
  assert.equal(tick.stderr, `hb: state directory ${s.state} is not writable (EACCES); writing to ${join(xdg, 'hb')} instead\n`);
  assert.equal(lstatSync(join(xdg, 'hb', 'j1.last')).uid, 65534);

  // Neither the chosen nor the per-user directory: a ping cannot be recorded (exit 2), a job still runs.
  const nowhere = { ...s.env, XDG_STATE_HOME: join(s.state, 'x') };
  const ping = hb(['tick', 'j1', '--every', '1h'], { env: nowhere, prefix: nobody });
  assert.equal(ping.code, 2);
  assert.match(ping.stderr, /^hb: cannot record the heartbeat: state directory \S+ is not writable \(EACCES\), and no fallback is\n$/);
  const job = hb(['wrap', '--job', 'j1', '--', 'sh', '-c', 'echo ran; exit 5'], { env: nowhere, prefix: nobody });
  assert.equal(job.code, 5, 'the job runs and its code passes through');
  assert.equal(job.stdout, 'ran\n');
  assert.match(job.stderr, /could not write the heartbeat of j1 in \S+: EACCES; the previous heartbeat is kept/);
  assertClean(job, 'wrap as nobody');
  assert.deepEqual(readFileSync(join(s.state, 'j1.last')), before, 'the root-owned heartbeat is untouched');
});

test('--lock where no lock can be made (EACCES on locks/ as uid 65534): the job runs unlocked, says why in one line, and its heartbeat and event record it', (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  const nobody = asNobody(t, s);
  if (!nobody) return;
  // The state directory is this user's; only its locks/ folder is root's, so only the lock fails.
  mkdirSync(join(s.state, 'locks'), { recursive: true, mode: 0o755 });
  chownSync(s.state, 65534, 65534);
  const env = { ...s.env, HOME: '/nonexistent' };
  const run = hb(['wrap', '--job', 'j', '--lock', '--every', '1h', '--', 'sh', '-c', 'echo ran; exit 3'], { env, prefix: nobody });
  assert.equal(run.code, 3, `the job ran and its code passes through\n${run.stderr}`);
  assert.equal(run.stdout, 'ran\n');
  const why = `cannot use lock ${join(s.state, 'locks', 'j.lock')}: permission denied`;
  assert.equal(run.stderr, `hb: overlap protection is off for this run of j: ${why}\n`, 'one line, saying why');
  const record = JSON.parse(readFileSync(join(s.state, 'j.last'), 'utf8'));
  assert.equal(record.exit_code, 3);
  assert.equal(record.unlocked, why, 'the heartbeat says the run had no lock');
  const started = readFileSync(join(s.state, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.type === 'run_started');
  assert.equal(started?.unlocked, why, 'so does the run_started event');
  assert.deepEqual(readdirSync(join(s.state, 'locks')), [], 'nothing left in locks/');
  assert.equal(existsSync(join(s.state, 'j.run')), false, 'no run marker left behind');

  // Once the folder is usable again, --lock is back to normal: no warning, no `unlocked`.
  chownSync(join(s.state, 'locks'), 65534, 65534);
  const again = hb(['wrap', '--job', 'j', '--lock', '--every', '1h', '--', 'true'], { env, prefix: nobody });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.equal(JSON.parse(readFileSync(join(s.state, 'j.last'), 'utf8')).unlocked, undefined);
});

test('the state dir deleted while hb wrap runs: the heartbeat is still recorded (the directory is created again)', async (t) => {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'j1', '--every', '1h'], { env: s.env }).code, 0);
  const ready = join(s.root, 'ready');
  const go = join(s.root, 'go');
  const run = hbAsync(['wrap', '--job', 'j1', '--', 'sh', '-c', `touch ${ready}; while [ ! -e ${go} ]; do sleep 0.02; done; echo done`], { env: s.env });
  await waitFor(() => existsSync(ready), 'the job to start');
  assert.ok(existsSync(join(s.state, 'j1.run')), 'the run marker is there while the job runs');
  rmSync(s.state, { recursive: true, force: true });
  writeFileSync(go, '');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assertClean(r, 'wrap');
  const record = JSON.parse(readFileSync(join(s.state, 'j1.last'), 'utf8'));
  assert.equal(record.status, 'ok');
  assert.equal(record.output_tail, 'done\n');
  assert.equal(lstatSync(s.state).mode & 0o777, 0o750);
  assert.deepEqual(
    allFiles(s.state).filter((f) => f.endsWith('.tmp') || f.endsWith('.run')),
    [],
  );
});
