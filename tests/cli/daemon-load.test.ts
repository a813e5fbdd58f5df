// `hb daemon` with many jobs through the built CLI: 150 same-phase jobs on a short interval all
// run at every fire (one heartbeat per job per fire, nothing lost; late is allowed, said once a minute),
// and a SIGTERM while 100 jobs' commands run ends them at --stop-timeout, each run recording it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, readEventsFile, readJson, sandbox, waitFor, type Sandbox } from '../helpers.ts';

interface Daemon {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  gone: boolean;
}

function startDaemon(s: Sandbox, jobs: string, args: string[]): Daemon {
  writeFileSync(join(s.root, 'hb.yaml'), jobs);
  const child = spawn(process.execPath, [HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start', ...args], {
    env: s.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const d: Daemon = {
    child,
    pid: child.pid!,
    stderr: () => stderr,
    gone: false,
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        d.gone = true;
        resolve({ code, signal });
      }),
    ),
  };
  return d;
}

/** Kills what a test left running: the daemon and its jobs' process groups (from the markers). */
function cleanup(s: Sandbox, d: Daemon | null): void {
  if (d && !d.gone) d.child.kill('SIGKILL');
  for (const f of existsSync(s.state) ? readdirSync(s.state).filter((n) => n.endsWith('.run')) : []) {
    try {
      const m = readJson(join(s.state, f));
      if (m.child_pid) process.kill(-m.child_pid, 'SIGKILL');
    } catch {
      // Gone, or not readable: nothing to kill.
    }
  }
  s.cleanup();
}

const jobsYaml = (n: number, every: string, command: string) =>
  'jobs:\n' + Array.from({ length: n }, (_, i) => `  j${String(i).padStart(3, '0')}:\n    every: ${every}\n    command: "${command}"\n`).join('');
const cycleOf = (s: Sandbox, job: string) => (existsSync(join(s.state, `${job}.last`)) ? (readJson(join(s.state, `${job}.last`)).cycle as number) : 0);

test('150 same-phase jobs: every fire of every job runs once (one heartbeat each), none lost', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  const N = 150;
  const names = Array.from({ length: N }, (_, i) => `j${String(i).padStart(3, '0')}`);
  try {
    // Every 20 s, all on the grid of the daemon's start: 150 fires due at the same instant each
    // time. A 2-core host shared with other test runs takes a few seconds for them, late but
    // never lost; the third fire is 20 s after the second, time enough to stop before it.
    d = startDaemon(s, jobsYaml(N, '20s', 'true'), ['--quiet', '--max-concurrent', '16']);
    await waitFor(() => names.every((j) => cycleOf(s, j) >= 2), 'two runs of every job', 90_000);
    process.kill(d.pid, 'SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    const finished = readEventsFile(s.state).filter((e: { type: string; job: string }) => e.type === 'run_finished' && e.job !== 'hb-check');
    const perJob = new Map<string, number>();
    for (const e of finished) perJob.set(e.job, (perJob.get(e.job) ?? 0) + 1);
    assert.equal(perJob.size, N, 'every job ran');
    const counts = [...new Set(perJob.values())];
    assert.deepEqual(counts, [2], `each job ran exactly once per fire: ${JSON.stringify(Object.fromEntries(perJob))}`);
    for (const j of names) {
      const rec = readJson(join(s.state, `${j}.last`));
      assert.equal(rec.status, 'ok');
      assert.equal(rec.cycle, 2);
    }
    // A busy host may start fires late (said once a minute), but none may be lost.
    const log = d.stderr();
    assert.doesNotMatch(log, /missed|skipped/, log);
    for (const line of log.split('\n').filter((l) => l.includes('overloaded in the minute'))) assert.match(line, /, 0 lost, /);
    assert.doesNotMatch(log, /dropped \d+ waiting/, 'nothing was waiting at the stop');
  } finally {
    cleanup(s, d);
  }
});

test('SIGTERM while 100 jobs run: scheduling stops at once, the commands get SIGTERM at --stop-timeout, each run records it, the daemon exits', async () => {
  const s = sandbox();
  let d: Daemon | null = null;
  const N = 100;
  const names = Array.from({ length: N }, (_, i) => `j${String(i).padStart(3, '0')}`);
  try {
    d = startDaemon(s, jobsYaml(N, '2s', 'sleep 120'), ['--quiet', '--max-concurrent', '200', '--stop-timeout', '1s']);
    await waitFor(
      () => names.every((j) => existsSync(join(s.state, `${j}.run`)) && Boolean(readJson(join(s.state, `${j}.run`)).child_pid)),
      'all 100 commands running',
      30_000,
    );
    process.kill(d.pid, 'SIGTERM');
    // The commands would run for two minutes, and SIGKILL would come 10 s after SIGTERM: each
    // record's SIGTERM (below) proves the stop timeout's SIGTERM ended them, however slow the host.
    await waitFor(() => d!.gone, 'the daemon to exit', 30_000);
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    const log = d.stderr();
    // A loaded host may log a line of its own (such as "overloaded") in between.
    assert.match(log, /SIGTERM: stopping\n(?:.*\n)*?.*stopping: waiting up to 1s for 100 runs: /);
    assert.match(log, /sending SIGTERM to 100 runs: /);
    assert.doesNotMatch(log.split('SIGTERM: stopping')[1]!, /started tick|SIGKILL/, 'no new run after the stop, no SIGKILL needed');
    for (const j of names) {
      const rec = readJson(join(s.state, `${j}.last`));
      assert.equal(rec.signal, 'SIGTERM', `${j} recorded the signal`);
      assert.equal(rec.status, 'error');
      assert.equal(existsSync(join(s.state, `${j}.run`)), false, `${j} left no marker`);
    }
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
  } finally {
    cleanup(s, d);
  }
});
