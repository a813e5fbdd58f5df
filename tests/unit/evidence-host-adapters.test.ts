// The `cron_daemon` and `host_down` gatherers against a /proc of the test's own: which processes
// count as cron, what a pid file says, which jobs are looked into, and the clocks read.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gatherCronDaemon, readCronPidFile, readHbDaemon, scanCronProcesses } from '../../lib/adapters/evidence/cron-daemon.ts';
import { gatherHostDown, readHostClocks } from '../../lib/adapters/evidence/host-down.ts';
import type { ExplainContext, ExplainTarget } from '../../lib/check/explain.ts';
import type { JobStatus } from '../../lib/rules/health/types.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import { explainTarget } from './explain-target.ts';

const tmp = mkdtempSync(join(tmpdir(), 'hb-evidence-host-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const BOOT_S = 1_796_283_152;
const BOOT_MS = BOOT_S * 1000;
const H = 3_600_000;

/** A stat line with the given comm, state and starttime (clock ticks after boot). */
function statLine(pid: number, comm: string, state: string, startTicks: number): string {
  const fields = [state, '1', String(pid), String(pid), '0', '-1', '4194560'];
  while (fields.length < 22 - 3) fields.push('0');
  fields.push(String(startTicks), '5124096', '998');
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

/** A /proc of its own: the boot time, an uptime, and these processes. */
function fakeProc(
  name: string,
  procs: Array<[pid: number, comm: string, state: string, startTicks: number]>,
  uptime: string | null = '7200.50 7000.00\n',
): string {
  const root = join(tmp, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nbtime ${BOOT_S}\nprocesses 99\n`);
  if (uptime !== null) writeFileSync(join(root, 'uptime'), uptime);
  mkdirSync(join(root, 'self'));
  for (const [pid, comm, state, ticks] of procs) {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'stat'), statLine(pid, comm, state, ticks));
  }
  return root;
}

function target(job: string, status: JobStatus, dueMs: number | null): ExplainTarget {
  return explainTarget(job, status, { judgement: { spec: { every: '1h' }, source: 'heartbeat', dueMs, periodMs: H, graceMs: H } });
}

function context(procRoot: string, nowMs: number, stateDir = join(tmp, 'no-state')): ExplainContext {
  return {
    nowMs,
    config: {} as ExplainContext['config'],
    dirs: [stateDir],
    verdictOf: () => undefined,
    timing: (spec, anchorMs) => compileSchedule(spec, 'UTC').timing(anchorMs),
    localTz: () => 'UTC',
    procRoot,
    isRoot: true,
    env: {},
  };
}

describe('scanCronProcesses', () => {
  test('finds live cron and crond processes with their start time, and leaves zombies and other names out', () => {
    const root = fakeProc('scan', [
      [1, 'init', 'S', 1],
      [812, 'cron', 'S', 500],
      [813, 'cron', 'Z', 600],
      [814, 'cron', 'X', 600],
      [900, 'crond', 'S', 100_000],
      [901, 'crontab', 'S', 5],
      [902, 'my cron', 'S', 5],
    ]);
    mkdirSync(join(root, '77')); // exited between the listing and the read: no stat
    const found = scanCronProcesses(root).sort((a, b) => a.pid - b.pid);
    assert.deepEqual(found, [
      { pid: 812, startMs: BOOT_MS + 5_000 },
      { pid: 900, startMs: BOOT_MS + 1_000_000 },
    ]);
  });

  test('a /proc that cannot be read has no cron in it', () => {
    assert.deepEqual(scanCronProcesses(join(tmp, 'no-such-proc')), []);
  });

  test('without a boot time a cron is found, its start unknown', () => {
    const root = fakeProc('no-btime', [[812, 'cron', 'S', 500]]);
    writeFileSync(join(root, 'stat'), 'cpu 1 2 3\n');
    assert.deepEqual(scanCronProcesses(root), [{ pid: 812, startMs: null }]);
  });
});

describe('readCronPidFile', () => {
  test('the first pid file that exists: its pid and mtime', () => {
    const file = join(tmp, 'crond.pid');
    writeFileSync(file, '812\n');
    const read = readCronPidFile([join(tmp, 'absent.pid'), file]);
    assert.equal(read?.path, file);
    assert.equal(read?.pid, 812);
    assert.ok(read && read.mtimeMs > 0);
  });

  test('a pid file without a pid has a null pid; a folder or an oversized file is no pid file', () => {
    const garbage = join(tmp, 'garbage.pid');
    writeFileSync(garbage, 'cron\n');
    assert.equal(readCronPidFile([garbage])?.pid, null);
    const zero = join(tmp, 'zero.pid');
    writeFileSync(zero, '0\n');
    assert.equal(readCronPidFile([zero])?.pid, null);
    const big = join(tmp, 'big.pid');
    writeFileSync(big, '1'.repeat(100));
    mkdirSync(join(tmp, 'dir.pid'));
    assert.equal(readCronPidFile([join(tmp, 'dir.pid'), big]), null);
  });
});

describe('gatherCronDaemon', () => {
  test('looks into stale and never-ran jobs only, with one cron found for all', async () => {
    const root = fakeProc('gather', [[812, 'cron', 'S', 500]]);
    const pidFile = join(tmp, 'gather.pid');
    writeFileSync(pidFile, '812\n');
    const targets = [target('a', 'stale', BOOT_MS + H), target('b', 'never', BOOT_MS + 2 * H), target('c', 'failed', BOOT_MS + H)];
    const found = await gatherCronDaemon(targets, context(root, BOOT_MS + 3 * H), [pidFile]);
    assert.deepEqual([...found.keys()].sort(), ['a', 'b']);
    const [e] = found.get('a')!;
    assert.equal(e!.weight, 'clear');
    assert.deepEqual(e!.facts, { runner: 'cron', running: true, pid: 812, started_at: new Date(BOOT_MS + 5_000).toISOString(), pid_file: pidFile });
  });

  test('no cron process under /proc: a cause naming the last one its pid file names', async () => {
    const root = fakeProc('gather-none', [[1, 'init', 'S', 1]]);
    const pidFile = join(tmp, 'gather-none.pid');
    writeFileSync(pidFile, '812\n');
    const found = await gatherCronDaemon([target('a', 'stale', BOOT_MS + H)], context(root, BOOT_MS + 3 * H), [pidFile]);
    const [e] = found.get('a')!;
    assert.equal(e!.weight, 'cause');
    assert.match(e!.text, /^no cron daemon is running \(the last one, pid 812, started /);
  });

  test('no stale or never-ran job: nothing is read', async () => {
    const found = await gatherCronDaemon([target('c', 'crashed', 0)], context(join(tmp, 'no-such-proc'), 0), []);
    assert.equal(found.size, 0);
  });
});

describe('the hb daemon that runs a job instead of cron', () => {
  /** A state directory whose daemon.json says pid 4242 started 5 s after boot and runs `a`. */
  function stateWithDaemon(name: string): string {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    const started = new Date(BOOT_MS + 5_000).toISOString();
    const info = {
      v: 1,
      pid: 4242,
      host: 'h',
      started_at: started,
      pid_started_ms: BOOT_MS + 5_000,
      boot_id: null,
      config: null,
      state_dir: dir,
      pid_file: join(dir, 'daemon.pid'),
      stop_timeout_ms: 1000,
      jobs: [{ job: 'a', kind: 'tick', schedule: { every: '1h' }, lock: false, anchor_ms: 0 }],
      ignored: [],
      updated_at: started,
    };
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify(info));
    return dir;
  }

  test('a live daemon that lists the job speaks for it; cron still speaks for the others', async () => {
    const root = fakeProc('daemon-alive', [[4242, 'node', 'S', 500]]);
    const state = stateWithDaemon('state-alive');
    const found = await gatherCronDaemon([target('a', 'stale', BOOT_MS + H), target('b', 'stale', BOOT_MS + H)], context(root, BOOT_MS + 3 * H, state), []);
    const [a] = found.get('a')!;
    assert.equal(a!.weight, 'clear');
    assert.deepEqual(a!.facts, {
      runner: 'hb_daemon',
      running: true,
      pid: 4242,
      started_at: new Date(BOOT_MS + 5_000).toISOString(),
      pid_file: null,
      status_file: join(state, 'daemon.json'),
    });
    const [b] = found.get('b')!;
    assert.equal(b!.facts.runner, 'cron');
    assert.equal(b!.weight, 'cause');
  });

  test('a daemon whose process is gone, or whose pid now belongs to a later process, is a cause', async () => {
    const state = stateWithDaemon('state-dead');
    const cases: Array<[string, Array<[number, string, string, number]>]> = [
      ['daemon-gone', []],
      ['daemon-reused', [[4242, 'node', 'S', 900_000]]],
    ];
    for (const [name, procs] of cases) {
      const root = fakeProc(name, procs);
      const found = await gatherCronDaemon([target('a', 'never', BOOT_MS + H)], context(root, BOOT_MS + 3 * H, state), []);
      const [e] = found.get('a')!;
      assert.equal(e!.weight, 'cause', name);
      assert.equal(e!.facts.runner, 'hb_daemon', name);
      assert.equal(e!.facts.running, false, name);
    }
  });

  test('no status file, or one that is not a daemon’s: no hb daemon', () => {
    assert.equal(readHbDaemon(join(tmp, 'no-state'), join(tmp, 'no-such-proc')), null);
    const dir = join(tmp, 'state-garbage');
    mkdirSync(dir);
    writeFileSync(join(dir, 'daemon.json'), '{"v":1}');
    assert.equal(readHbDaemon(dir, join(tmp, 'no-such-proc')), null);
  });
});

describe('readHostClocks and gatherHostDown', () => {
  test('reads btime, the uptime and the injected monotonic clock', () => {
    const root = fakeProc('clocks', []);
    assert.deepEqual(
      readHostClocks(root, () => 1_000),
      { bootMs: BOOT_MS, sinceBootMs: 7_200_500, awakeMs: 1_000 },
    );
  });

  test('an unreadable uptime or a monotonic reading that is no number is null', () => {
    const root = fakeProc('clocks-bad', [], null);
    assert.deepEqual(
      readHostClocks(root, () => NaN),
      { bootMs: BOOT_MS, sinceBootMs: null, awakeMs: null },
    );
    writeFileSync(join(root, 'uptime'), 'garbage\n');
    assert.equal(readHostClocks(root, () => 0).sinceBootMs, null);
  });

  test('a host that slept since boot gives a stale job a sleep clue; a failed job gets nothing', async () => {
    const root = fakeProc('gather-sleep', []);
    const now = BOOT_MS + 7_200_500;
    // Awake 1h of the 2h since boot: the other hour asleep.
    const found = await gatherHostDown([target('a', 'stale', BOOT_MS + 30 * 60_000), target('c', 'failed', BOOT_MS)], context(root, now), () => H + 500);
    assert.deepEqual([...found.keys()], ['a']);
    const items = found.get('a')!;
    assert.deepEqual(
      items.map((e) => [e.kind, e.weight, e.facts.slept_s]),
      [['host_down', 'clue', 3600]],
    );
  });

  test('a job due before boot is told the host was down', async () => {
    const root = fakeProc('gather-boot', []);
    const now = BOOT_MS + 7_200_500;
    const found = await gatherHostDown([target('a', 'never', BOOT_MS - H)], context(root, now), () => 7_200_500);
    const [e] = found.get('a')!;
    assert.equal(e!.facts.down_at_due, true);
  });

  test('nothing to say (no boot time): no entry for the job', async () => {
    const found = await gatherHostDown([target('a', 'stale', BOOT_MS)], context(join(tmp, 'no-such-proc'), BOOT_MS), () => 0);
    assert.equal(found.size, 0);
  });
});
