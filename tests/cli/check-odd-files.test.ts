// Odd files under a job's name, through the built CLI: a FIFO, a directory, a link, a device, an
// empty, garbled, oversized or unreadable `.run` or `.last`. Each is that job's `corrupt` status,
// with the file and the reason, in check, nagios, prometheus and status alike; every other job
// is still judged. Never "no job named x", never an aborted check.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, sandbox, type Sandbox } from '../helpers.ts';

/** How to plant one odd file at `path`; false when this machine cannot make it. */
type Maker = (path: string) => boolean;

const content =
  (text: string): Maker =>
  (path) => {
    writeFileSync(path, text);
    return true;
  };
const succeeds = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;

/** A sparse file of 64 MiB whose first byte opens a JSON object: only the bounded read tells it apart. */
const huge: Maker = (path) => {
  const fd = openSync(path, 'w');
  writeSync(fd, '{"v":1,"pad":"');
  ftruncateSync(fd, 64 * 1024 * 1024);
  closeSync(fd);
  return true;
};

// Kinds of file that are odd under either name.
const ODD_ANY: Array<[string, Maker, RegExp]> = [
  ['a FIFO', (p) => succeeds('mkfifo', [p]), /is a FIFO, not a regular file$/],
  ['a directory', (p) => (mkdirSync(p), true), /is a directory, not a regular file$/],
  ['a symbolic link', (p) => (symlinkSync('/etc/hostname', p), true), /is a symbolic link \(hb does not follow links in its state directory\)$/],
  ['a character device', (p) => succeeds('mknod', [p, 'c', '1', '3']), /is a character device, not a regular file$/],
  ['a file of 64 MiB', huge, /is larger than 16 MiB: not a (run marker|heartbeat record)$/],
];

// Contents that are fine in a `.last` (a touch counts, SPEC §2) but are no run marker.
const ODD_RUN: Array<[string, Maker, RegExp]> = [
  ...ODD_ANY,
  ['an empty file', content(''), /is not a run marker: the file is empty$/],
  ['a word', content('junk\n'), /is not a run marker: not JSON$/],
  ['a lone {', content('{\n'), /is not a run marker: not valid JSON \(.*\)$/],
  ['a marker without a pid', content('{"started_at":"2026-03-10T10:00:00.000Z","cycle":1}\n'), /is not a run marker: field "pid" missing or not a process id$/],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Skips a case this machine cannot set up — unless the suite demands every case (npm test). */
function cannot(t: TestContext, why: string): void {
  if (process.env.HB_REQUIRE_SYSTEM) throw new Error(`${why}: required when HB_REQUIRE_SYSTEM is set`);
  t.skip(why);
}

/** A sandbox with one healthy job, `fine`, beside which the odd file is planted. */
function withFineJob(t: TestContext): Sandbox {
  const s = sandbox();
  t.after(() => s.cleanup());
  assert.equal(hb(['tick', 'fine', '--every', '1h'], { env: s.env }).code, 0);
  return s;
}

/** Every output agrees: x is corrupt with `reason` naming `file`, fine is still judged ok. */
function assertEverywhere(s: Sandbox, file: string, reason: RegExp, what: string): void {
  const line = new RegExp(`${escape(join(s.state, file))}: ${reason.source}`, 'm');
  const check = hb(['check'], { env: s.env });
  assert.equal(check.code, 1, `${what}: check\n${check.stdout}${check.stderr}`);
  assert.match(check.stdout, new RegExp(`^x\\s+CORRUPT\\s+${line.source.replace(/\$$/, '')}`, 'm'), what);
  assert.match(check.stdout, /^1 of \d+ jobs unhealthy$/m, what);
  assert.equal(check.stderr, '', what);

  const named = hb(['check', 'x', '--json'], { env: s.env });
  assert.equal(named.code, 1, `${what}: a listed job is never unknown\n${named.stderr}`);
  assert.match(JSON.parse(named.stdout).jobs[0].reason, line, what);

  const nagios = hb(['check', '--format', 'nagios'], { env: s.env });
  assert.equal(nagios.code, 2, `${what}: nagios\n${nagios.stdout}${nagios.stderr}`);
  assert.match(nagios.stdout.split('\n')[0]!, /^HB CRITICAL - 1 of \d+ jobs unhealthy: x corrupt \(/, what);
  assert.match(nagios.stdout, /^OK fine ok - /m, `${what}: the other job is judged`);

  const prom = hb(['check', '--format', 'prometheus'], { env: s.env });
  assert.equal(prom.code, 1, `${what}: prometheus\n${prom.stderr}`);
  assert.match(prom.stdout, /^hb_job_status\{hb_job="x",status="corrupt"\} 1$/m, what);
  assert.match(prom.stdout, /^hb_job_healthy\{hb_job="fine"\} 1$/m, what);

  const status = hb(['status', '--json'], { env: s.env });
  assert.equal(status.code, 0, `${what}: status\n${status.stderr}`);
  const jobs = JSON.parse(status.stdout).jobs as Array<{ job: string; status: string; reason: string }>;
  assert.equal(jobs.find((j) => j.job === 'x')?.status, 'corrupt', what);
  assert.match(jobs.find((j) => j.job === 'x')!.reason, line, what);
  assert.equal(jobs.find((j) => j.job === 'fine')?.status, 'ok', what);
  const table = hb(['status'], { env: s.env });
  assert.equal(table.code, 0, what);
  assert.match(table.stdout, /^x\s+corrupt\s/m, what);
}

for (const [kind, make, reason] of ODD_RUN) {
  test(`x.run that is ${kind}, and no x.last: x is corrupt in every output, the other job is judged`, (t) => {
    const s = withFineJob(t);
    if (!make(join(s.state, 'x.run'))) return cannot(t, `cannot make ${kind} here`);
    assertEverywhere(s, 'x.run', reason, `x.run ${kind}`);
  });
}

for (const [kind, make, reason] of ODD_ANY) {
  test(`x.last that is ${kind}: x is corrupt in every output, the other job is judged`, (t) => {
    const s = withFineJob(t);
    if (!make(join(s.state, 'x.last'))) return cannot(t, `cannot make ${kind} here`);
    assertEverywhere(s, 'x.last', reason, `x.last ${kind}`);
  });
}

test('a garbled x.run beside a good heartbeat: x is corrupt, naming the .run; the next run of x replaces it', (t) => {
  const s = withFineJob(t);
  assert.equal(hb(['tick', 'x', '--every', '1h'], { env: s.env }).code, 0);
  writeFileSync(join(s.state, 'x.run'), '{');
  assertEverywhere(s, 'x.run', /is not a run marker: not valid JSON \(.*\)$/, 'beside a heartbeat');
  const wrap = hb(['wrap', '--job', 'x', '--every', '1h', '--', 'true'], { env: s.env });
  assert.equal(wrap.code, 0, wrap.stderr);
  const check = hb(['check'], { env: s.env });
  assert.equal(check.code, 0, check.stdout);
});

test('a plain-text x.last over the read bound is still a touch heartbeat (SPEC §2), read only to the bound', (t) => {
  const s = withFineJob(t);
  const fd = openSync(join(s.state, 'x.last'), 'w');
  writeSync(fd, 'done at Fri Nov 20 09:00:00 UTC 2026\n');
  ftruncateSync(fd, 64 * 1024 * 1024);
  closeSync(fd);
  const r = hb(['check', 'x', '--json'], { env: s.env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).jobs[0].status, 'unscheduled');
});

test('a job named on the command line that exists nowhere is still a usage error (exit 2, UNKNOWN under nagios)', (t) => {
  const s = withFineJob(t);
  mkdirSync(join(s.state, 'x.run'));
  const r = hb(['check', 'ghost'], { env: s.env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^hb: no job named ghost: /);
  const n = hb(['check', 'ghost', 'x', '--format', 'nagios'], { env: s.env });
  assert.equal(n.code, 3);
  assert.match(n.stdout, /^HB UNKNOWN - no job named ghost: /);
});

const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

test('an x.run (and an x.last) this user cannot read: corrupt with EACCES, the readable job judged', (t) => {
  const s = withFineJob(t);
  chmodSync(s.root, 0o755);
  chmodSync(s.state, 0o755);
  const probe = spawnSync(
    asNobody[0]!,
    [...asNobody.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(HB)}, require('fs').constants.R_OK)`],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) return cannot(t, `cannot run the built hb as uid 65534: ${probe.error?.message ?? probe.stderr.trim()}`);
  chownSync(join(s.state, 'fine.last'), 65534, 65534);
  writeFileSync(join(s.state, 'x.run'), '{}', { mode: 0o600 });
  writeFileSync(join(s.state, 'y.last'), '{}', { mode: 0o600 });
  const env = { ...s.env, HOME: '/nonexistent' };
  const check = hb(['check', '--no-notify', '--no-recover'], { env, prefix: asNobody });
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`^x\\s+CORRUPT\\s+${escape(join(s.state, 'x.run'))}: cannot read: EACCES$`, 'm'));
  assert.match(check.stdout, new RegExp(`^y\\s+CORRUPT\\s+${escape(join(s.state, 'y.last'))}: cannot read: EACCES$`, 'm'));
  assert.match(check.stdout, /^2 of 3 jobs unhealthy$/m);
  const nagios = hb(['check', '--format', 'nagios', '--no-notify', '--no-recover'], { env, prefix: asNobody });
  assert.equal(nagios.code, 2, nagios.stdout);
  assert.match(nagios.stdout, /^OK fine ok - /m);
  const status = hb(['status', 'x', '--json'], { env, prefix: asNobody });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).jobs[0].status, 'corrupt');
});
