// The built-in liveness probe `health: {pid_file: …}` against real processes: a running one is
// alive; a zombie, an id reused by a later process, and anything that is not a pid file are dead.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probePidFile, readProbePidFile } from '../../lib/adapters/recover/pid-file.ts';
import { parseRecover } from '../../lib/rules/recover/policy.ts';
import { processState } from '../../lib/adapters/run/proc.ts';
import { waitFor } from '../helpers.ts';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'hb-pidfile-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A child that lives until the test ends. */
function sleeper(t: { after(fn: () => void): void }) {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

test('a running process named by a pid file written after it started is alive', (t) => {
  const d = dir(t);
  const pid = sleeper(t);
  writeFileSync(join(d, 'a.pid'), `${pid}\n`);
  const r = probePidFile(join(d, 'a.pid'));
  assert.equal(r.healthy, true, r.reason);
  assert.match(r.reason, new RegExp(`process ${pid} is running`));
});

test('a zombie (exited, never reaped) is dead, where kill -0 calls it alive', async (t) => {
  const d = dir(t);
  // A short sleep in the background of a shell that then becomes a long `sleep`, which never
  // reaps it (it outlives the shell's own chance to reap it).
  const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim()))));
  await waitFor(() => processState(pid) === 'Z', `process ${pid} to be a zombie`);
  writeFileSync(join(d, 'z.pid'), `${pid}\n`);
  assert.equal(spawnSync('sh', ['-c', `kill -0 ${pid}`]).status, 0, 'kill -0 says alive');
  const r = probePidFile(join(d, 'z.pid'));
  assert.equal(r.healthy, false);
  assert.match(r.reason, /zombie/);
});

test('an id reused by a process that started after the pid file was written is dead', (t) => {
  const d = dir(t);
  const file = join(d, 'old.pid');
  writeFileSync(file, `${sleeper(t)}\n`);
  // The file says it was written an hour ago: the process now holding the id started later.
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(file, hourAgo, hourAgo);
  const r = probePidFile(file);
  assert.equal(r.healthy, false);
  assert.match(r.reason, /reused/);
});

test('no process, no file, a link, a FIFO, a directory, junk or a huge number: dead, the content never echoed', (t) => {
  const d = dir(t);
  const gone = spawnSync('true').pid;
  writeFileSync(join(d, 'gone.pid'), `${gone}\n`);
  writeFileSync(join(d, 'junk.pid'), 'root:x:0:0:secret\n');
  writeFileSync(join(d, 'empty.pid'), '');
  writeFileSync(join(d, 'big.pid'), '99999999999\n');
  writeFileSync(join(d, 'long.pid'), `${'1'.repeat(40)}\n`);
  symlinkSync(join(d, 'gone.pid'), join(d, 'link.pid'));
  mkdirSync(join(d, 'dir.pid'));
  spawnSync('mkfifo', [join(d, 'fifo.pid')]);
  const cases: Array<[string, RegExp]> = [
    ['gone.pid', new RegExp(`process ${gone} is not running`)],
    ['missing.pid', /does not exist/],
    ['link.pid', /symbolic link/],
    ['fifo.pid', /not a regular file/],
    ['dir.pid', /not a regular file/],
    ['junk.pid', /does not hold a process id/],
    ['empty.pid', /does not hold a process id/],
    ['big.pid', /does not hold a process id|not running/],
    ['long.pid', /does not hold a process id/],
  ];
  for (const [name, reason] of cases) {
    const r = probePidFile(join(d, name));
    assert.equal(r.healthy, false, name);
    assert.match(r.reason, reason, name);
    assert.doesNotMatch(r.reason, /secret|root:x/, name);
  }
  assert.ok('pid' in readProbePidFile(join(d, 'gone.pid')), 'a file that names a gone process is still a pid file');
});

test('recover.health {pid_file}: absolute or relative to the config file; .. and other keys refused', () => {
  const ok = parseRecover({ health: { pid_file: 'run/agent.pid' }, restart: 'x' }, '/etc/hb/hb.yaml');
  assert.deepEqual(ok.policy?.health, { kind: 'pid_file', path: '/etc/hb/run/agent.pid' });
  assert.deepEqual(parseRecover({ health: { pid_file: '/run/a.pid' }, restart: 'x' }, null).policy?.health, { kind: 'pid_file', path: '/run/a.pid' });
  const dotdot = parseRecover({ health: { pid_file: '../a.pid' }, restart: 'x' }, '/etc/hb/hb.yaml');
  assert.equal(dotdot.policy, null);
  assert.deepEqual(dotdot.problems[0]!.path, ['health', 'pid_file']);
  const other = parseRecover({ health: { pidfile: '/run/a.pid' }, restart: 'x' }, null);
  assert.equal(other.policy, null);
  assert.match(other.problems[0]!.message, /expected \{pid_file: PATH\}.*found a map with key "pidfile"/);
});
