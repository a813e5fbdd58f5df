// The daemon's runs and what it reads from the state directory: the command line of a run,
// every-grid anchors from heartbeats, runs a killed daemon left behind, lock-skip events.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLeftovers, leftoverLine, readAnchors } from '../../lib/adapters/daemon/leftovers.ts';
import { runLabel, type DaemonJob } from '../../lib/rules/daemon/jobs.ts';
import { recordSkip, runArgv } from '../../lib/adapters/daemon/runs.ts';
import { readEvents } from '../fakes.ts';
import type { ProcessFacts } from '../../lib/adapters/run/proc.ts';

const root = mkdtempSync(join(tmpdir(), 'hb-daemon-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};
const tick = (name: string, every = '1m'): DaemonJob => ({ name, kind: 'tick', schedule: { every }, lock: false });
const check: DaemonJob = { name: 'hb-check', kind: 'check', schedule: { every: '1m' }, lock: true };
const record = (job: string, startedAt: string, cycle = 1) =>
  JSON.stringify({
    v: 1,
    job,
    host: 'h',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: startedAt,
    finished_at: startedAt,
    duration_ms: 0,
    cycle,
    action: null,
    message: null,
    schedule: null,
    grace_s: null,
    output_tail: null,
    pid: 1,
    hb_version: '0',
  }) + '\n';
const marker = (job: string, pid: number, startedAt: string, cycle = 2) =>
  JSON.stringify({ job, pid, started_at: startedAt, host: 'h', cycle, boot_id: null, pid_started_ms: null }) + '\n';

test("a run is hb itself with the daemon's state dir and the config it holds: tick JOB, or check", () => {
  const hb = {
    execPath: '/usr/bin/node',
    prefix: ['/opt/hb/dist/hb.js'],
    stateDir: '/var/lib/hb',
    configFile: '/etc/hb/hb.yaml',
    configCopy: '/var/lib/hb/daemon/config.yaml',
  };
  assert.deepEqual(runArgv(hb, tick('backup')), [
    '/opt/hb/dist/hb.js',
    '--state-dir',
    '/var/lib/hb',
    '--config',
    '/etc/hb/hb.yaml',
    '--config-snapshot',
    '/var/lib/hb/daemon/config.yaml',
    'tick',
    'backup',
  ]);
  assert.deepEqual(runArgv({ ...hb, configFile: null, configCopy: null, prefix: ['--import', 'tsx', 'bin/hb.ts'] }, check), [
    '--import',
    'tsx',
    'bin/hb.ts',
    '--state-dir',
    '/var/lib/hb',
    'check',
  ]);
  assert.equal(runLabel(tick('x')), 'tick x');
  assert.equal(runLabel(check), 'check');
});

test('anchors: every jobs count from their last heartbeat (a touched file counts at its mtime); cron jobs need none', () => {
  const d = newDir();
  writeFileSync(join(d, 'a.last'), record('a', '2026-11-23T06:12:00.000Z'));
  writeFileSync(join(d, 'touched.last'), '');
  writeFileSync(join(d, 'broken.last'), '{"v":');
  writeFileSync(join(d, 'c.last'), record('c', '2026-11-23T06:12:00.000Z'));
  const cron: DaemonJob = { name: 'c', kind: 'tick', schedule: { cron: '0 * * * *', tz: 'UTC' }, lock: false };
  const anchors = readAnchors(d, [tick('a'), tick('touched'), tick('broken'), tick('none'), cron]);
  assert.deepEqual([...anchors.keys()], ['a', 'touched']);
  assert.equal(anchors.get('a'), Date.parse('2026-11-23T06:12:00Z'));
});

test('leftovers: a marker whose process is gone is a crash, a live one is reported running, one with a later heartbeat is nothing', () => {
  const d = newDir();
  writeFileSync(join(d, 'dead.run'), marker('dead', 4001, '2026-11-23T08:00:00.000Z', 7));
  writeFileSync(join(d, 'live.run'), marker('live', 4002, '2026-11-23T08:00:00.000Z'));
  writeFileSync(join(d, 'done.run'), marker('done', 4003, '2026-11-23T08:00:00.000Z'));
  writeFileSync(join(d, 'done.last'), record('done', '2026-11-23T08:00:01.000Z'));
  const facts = (pid: number): ProcessFacts =>
    pid === 4002 ? { bootId: null, state: 'S', startMs: Date.parse('2026-11-23T07:59:59Z') } : { bootId: null, state: null, startMs: null };
  const found = findLeftovers(d, [tick('dead'), tick('live'), tick('done'), tick('clean'), check], facts);
  assert.deepEqual(found.map(leftoverLine), [
    'tick dead (pid 4001, cycle 7, started 2026-11-23T08:00:00.000Z) never finished: process 4001 is not running; its next run records it as crashed',
    'tick live (pid 4002) from before this daemon is still running',
  ]);
});

test('a lock skip is an overlap_skipped event by the daemon with the holder', () => {
  const d = newDir();
  assert.equal(recordSkip(d, tick('slow'), { pid: 321, startedMs: Date.parse('2026-11-23T08:00:00Z') }, Date.parse('2026-11-23T08:00:01Z')), null);
  assert.deepEqual(readEvents(d).events, [
    { ts: '2026-11-23T08:00:01.000Z', job: 'slow', type: 'overlap_skipped', holder_pid: 321, holder_started_at: '2026-11-23T08:00:00.000Z', by: 'daemon' },
  ]);
  const problem = recordSkip(join(d, 'missing'), tick('slow'), { pid: 1, startedMs: 0 }, 0);
  assert.match(problem ?? '', /^could not append to the event log in .*missing: /);
});
