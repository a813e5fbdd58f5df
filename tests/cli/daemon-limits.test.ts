// The daemon's limits through the built CLI: no schedule below its floor, a job never runs twice
// at once unless its config says `overlap: true`, and a cap on the runs in flight (extra fires
// wait their turn). Concurrency is counted by marker files the jobs' commands write, not by time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, readEventsFile, sandbox, waitFor, type Sandbox } from '../helpers.ts';

/**
 * A command that marks itself active in `dir`, appends how many runs are active at that moment
 * to `dir/seen`, sleeps, then leaves a done marker for `job`.
 */
const counted = (dir: string, job: string, seconds: number) =>
  `touch ${dir}/active.$$; ls ${dir} | grep -c '^active[.]' >> ${dir}/seen; sleep ${seconds}; rm ${dir}/active.$$; echo . >> ${dir}/done.${job}`;

const seen = (dir: string) => (existsSync(join(dir, 'seen')) ? readFileSync(join(dir, 'seen'), 'utf8').split('\n').filter(Boolean).map(Number) : []);
const done = (dir: string, job: string) =>
  existsSync(join(dir, `done.${job}`))
    ? readFileSync(join(dir, `done.${job}`), 'utf8')
        .split('\n')
        .filter(Boolean).length
    : 0;

function startDaemon(s: Sandbox, args: string[] = []): { child: ChildProcess; stderr(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [HB, '--config', join(s.root, 'hb.yaml'), 'daemon', 'start', '--stop-timeout', '100ms', ...args], {
    env: s.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Stops the daemon and whatever runs it left (their markers name them), then removes the sandbox. */
async function stop(s: Sandbox, d: { child: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  if (d.child.exitCode === null && d.child.signalCode === null) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  for (const f of existsSync(s.state) ? readdirSync(s.state).filter((n) => n.endsWith('.run')) : []) {
    try {
      const m = JSON.parse(readFileSync(join(s.state, f), 'utf8'));
      for (const target of [m.pid, m.child_pid ? -m.child_pid : 0])
        if (target)
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            /* gone */
          }
    } catch {
      // Not readable: nothing to kill.
    }
  }
  s.cleanup();
}

test('every: 1ms is refused at start with file:line:col and the floor; nothing runs', () => {
  const s = sandbox();
  try {
    mkdirSync(s.root, { recursive: true });
    writeFileSync(join(s.root, 'hb.yaml'), 'jobs:\n  fast:\n    every: 1ms\n    command: "sleep 3"\n');
    const r = hb(['--config', join(s.root, 'hb.yaml'), 'daemon', 'start'], { env: s.env, timeoutMs: 20_000 });
    assert.equal(r.signal, null, 'the daemon must not start');
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^hb: .*hb\.yaml:3:12: jobs\.fast\.every: 1ms is shorter than hb daemon's minimum interval of 1s \(each run is a new process\); use every: 1s or longer\n$/,
    );
    assert.equal(existsSync(join(s.state, 'fast.last')), false);
    assert.equal(existsSync(join(s.state, 'daemon.pid')), false);
  } finally {
    s.cleanup();
  }
});

test('a reload to every: 1ms is refused the same way; the daemon keeps its previous config', async () => {
  const s = sandbox();
  mkdirSync(s.root, { recursive: true });
  writeFileSync(join(s.root, 'hb.yaml'), 'jobs:\n  a:\n    every: 1h\n    command: "true"\n');
  const d = startDaemon(s);
  try {
    await waitFor(() => d.stderr().includes('hb daemon: started ('), 'the started line');
    writeFileSync(join(s.root, 'hb.yaml'), 'jobs:\n  a:\n    every: 1ms\n    command: "true"\n');
    d.child.kill('SIGHUP');
    await waitFor(() => d.stderr().includes('reload failed'), 'the refused reload', 10_000);
    assert.match(
      d.stderr(),
      /hb daemon: reload failed, keeping the previous config: .*hb\.yaml:3:12: jobs\.a\.every: 1ms is shorter than hb daemon's minimum interval of 1s/,
    );
    const status = JSON.parse(hb(['daemon', 'status', '--json'], { env: s.env }).stdout);
    assert.deepEqual(status.jobs.find((j: { job: string }) => j.job === 'a').schedule, { every: '1h' });
    assert.equal(status.jobs.find((j: { job: string }) => j.job === 'a').overlap, false);
  } finally {
    await stop(s, d);
  }
});

test("overlap is off by default: a fire while the job's run goes is skipped (logged, overlap_skipped); overlap: true lets runs overlap", async () => {
  const s = sandbox();
  mkdirSync(s.root, { recursive: true });
  const solo = join(s.root, 'solo');
  const multi = join(s.root, 'multi');
  mkdirSync(solo);
  mkdirSync(multi);
  writeFileSync(
    join(s.root, 'hb.yaml'),
    [
      'jobs:',
      '  solo:',
      '    every: 1s',
      `    command: "${counted(solo, 'solo', 2.5)}"`,
      '  multi:',
      '    every: 1s',
      '    overlap: true',
      `    command: "${counted(multi, 'multi', 2.5)}"`,
      '',
    ].join('\n'),
  );
  const d = startDaemon(s);
  try {
    await waitFor(() => done(solo, 'solo') >= 2 && Math.max(0, ...seen(multi)) >= 2, 'two runs of solo and overlapping runs of multi', 30_000).catch((e) =>
      assert.fail(`${String(e)}\n${d.stderr()}\nsolo saw ${seen(solo).join(',')}, multi saw ${seen(multi).join(',')}`),
    );
    assert.deepEqual([...new Set(seen(solo))], [1], `solo never ran twice at once: ${seen(solo).join(',')}`);
    assert.match(d.stderr(), /skipped tick solo due at .*: the previous run \(run \d+, started .*\) is still going and overlap is off for this job/);
    assert.doesNotMatch(d.stderr(), /skipped tick multi/);
    const skips = readEventsFile(s.state).filter((e: { type: string; job: string }) => e.type === 'overlap_skipped' && e.job === 'solo');
    assert.ok(skips.length >= 1, 'each skipped fire is an overlap_skipped event');
    assert.equal(skips[0].by, 'daemon');
  } finally {
    await stop(s, d);
  }
});

test('--max-concurrent: with 4 jobs and a cap of 2, never more than 2 runs at once, and every job still runs (fires wait)', async () => {
  const s = sandbox();
  mkdirSync(s.root, { recursive: true });
  const dir = join(s.root, 'm');
  mkdirSync(dir);
  const jobs = ['j1', 'j2', 'j3', 'j4'];
  writeFileSync(
    join(s.root, 'hb.yaml'),
    ['jobs:', ...jobs.flatMap((j) => [`  ${j}:`, '    every: 1s', `    command: "${counted(dir, j, 1.5)}"`]), ''].join('\n'),
  );
  const d = startDaemon(s, ['--max-concurrent', '2']);
  try {
    await waitFor(() => jobs.every((j) => done(dir, j) >= 1), 'a finished run of every job', 40_000).catch((e) =>
      assert.fail(`${String(e)}\n${d.stderr()}\nseen ${seen(dir).join(',')}`),
    );
    assert.ok(Math.max(...seen(dir)) <= 2, `at most 2 runs at once: ${seen(dir).join(',')}`);
    assert.match(d.stderr(), /tick j\d waits: 2 runs are going, the most --max-concurrent allows/);
    assert.match(d.stderr(), /started tick j\d \(run \d+\) after waiting [\d.]+m?s for a free run/);
  } finally {
    await stop(s, d);
  }
});

test('--max-concurrent must be a whole number from 1', () => {
  const s = sandbox();
  try {
    for (const bad of ['0', '-1', 'many', '1.5']) {
      const r = hb(['daemon', 'start', '--max-concurrent', bad], { env: s.env, timeoutMs: 20_000 });
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.equal(r.stderr, `hb: --max-concurrent: expected a whole number from 1 to 1000, found "${bad}"\n`);
    }
  } finally {
    s.cleanup();
  }
});
