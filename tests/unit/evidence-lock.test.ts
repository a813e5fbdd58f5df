// Evidence of kind lock: /proc/locks read, a crontab line's flock file found, the items for hb's
// own run lock (live holder, dead one, another host) and for a flock (held, free), and the
// gatherer against a /proc of the test's own making.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandText,
  deviceParts,
  flockEvidence,
  flockFile,
  hbLockEvidence,
  locksOn,
  parseProcLocks,
  type HbLockFacts,
} from '../../lib/rules/evidence/lock.ts';
import { programsOf } from '../../lib/rules/crontab/programs.ts';
import { lockGatherer } from '../../lib/adapters/evidence/lock.ts';
import type { CrontabHost } from '../../lib/adapters/evidence/crontabs.ts';
import type { ExplainContext, ExplainTarget } from '../../lib/check/explain.ts';
import { explainTarget } from './explain-target.ts';

const H = 3600_000;
const NOW = Date.parse('2026-12-03T05:00:00Z');

test('/proc/locks: held FLOCK, POSIX and OFD locks with their pid and dev:inode; waiters and odd lines skipped', () => {
  const text = [
    '1: FLOCK  ADVISORY  WRITE 4242 fe:00:1234 0 EOF',
    '1: -> FLOCK  ADVISORY  WRITE 5151 fe:00:1234 0 EOF',
    '2: POSIX  ADVISORY  READ 77 103:01:99 0 100',
    '3: OFDLCK ADVISORY  WRITE -1 08:02:5 0 EOF',
    'garbage',
    '',
  ].join('\n');
  assert.deepEqual(parseProcLocks(text), [
    { type: 'FLOCK', pid: 4242, major: 0xfe, minor: 0, inode: 1234 },
    { type: 'POSIX', pid: 77, major: 0x103, minor: 1, inode: 99 },
    { type: 'OFDLCK', pid: -1, major: 8, minor: 2, inode: 5 },
  ]);
  // stat()'s st_dev as Linux encodes it: minor's low byte, major, then minor's high bits.
  assert.deepEqual(deviceParts(0xfe00), { major: 0xfe, minor: 0 });
  assert.deepEqual(deviceParts((259 << 8) | 1), { major: 259, minor: 1 });
  assert.deepEqual(deviceParts((8 << 8) | (256 << 12)), { major: 8, minor: 256 });
  assert.deepEqual(
    locksOn(parseProcLocks(text), 0xfe00, 1234).map((l) => l.pid),
    [4242],
  );
  assert.deepEqual(locksOn(parseProcLocks(text), 0xfd00, 1234), [], 'the same inode on another device is another file');
});

test("flock's lock file in a crontab command: options and their values skipped; a descriptor, a variable or a relative path is not a file to look up", () => {
  const file = (command: string) =>
    programsOf(command)
      .map(flockFile)
      .find((f) => f !== null) ?? null;
  assert.equal(file('flock -n /var/lock/backup.lock hb wrap --job backup -- /bin/true'), '/var/lock/backup.lock');
  assert.equal(file('/usr/bin/flock -x -w 30 /run/x.lock /usr/local/bin/hb tick x'), '/run/x.lock');
  assert.equal(file("flock --timeout 5 -E 75 /tmp/l -c 'hb tick x'"), '/tmp/l');
  assert.equal(file('flock 9 hb tick x'), null);
  assert.equal(file('flock -n /tmp/$USER.lock hb tick x'), null);
  assert.equal(file('flock -n lockfile hb tick x'), null);
  assert.equal(file('hb tick x'), null);
});

const hbFacts = (over: Partial<HbLockFacts>): HbLockFacts => ({
  path: '/var/lib/hb/locks/backup.lock',
  pid: 4242,
  startedAt: '2026-12-03T02:00:00.000Z',
  host: null,
  gone: { gone: false, reason: 'process 4242 is running' },
  holder: { pid: 4242, argv: ['/bin/sleep', '3600'], startMs: Date.parse('2026-12-03T02:00:00Z') },
  ...over,
});

test("hb's run lock: a live holder is the cause, a dead one a clue (hb takes it over), one on another host a clue", () => {
  const live = hbLockEvidence(hbFacts({}), NOW);
  assert.equal(live.kind, 'lock');
  assert.equal(live.weight, 'cause');
  assert.equal(live.text, "hb's run lock is held by pid 4242 (sleep 3600) since 02:00 UTC, 3h ago: the previous run is still going — hung?");
  assert.deepEqual(live.facts, {
    lock: 'hb',
    file: '/var/lib/hb/locks/backup.lock',
    pid: 4242,
    command: '/bin/sleep 3600',
    since: '2026-12-03T02:00:00.000Z',
    alive: true,
    host: null,
    gone_reason: null,
    crontab_line: null,
  });
  const dead = hbLockEvidence(hbFacts({ gone: { gone: true, reason: 'process 4242 is not running' }, holder: { pid: 4242, argv: null, startMs: null } }), NOW);
  assert.equal(dead.weight, 'clue');
  assert.equal(dead.text, "hb's run lock was left by pid 4242 (taken 02:00 UTC, 3h ago), now gone: a run died holding it; the next run takes it over");
  assert.equal(dead.facts.alive, false);
  assert.equal(dead.facts.gone_reason, 'process 4242 is not running');
  const far = hbLockEvidence(hbFacts({ host: 'db2' }), NOW);
  assert.equal(far.weight, 'clue');
  assert.equal(far.text, "hb's run lock is held by pid 4242 on host db2 since 02:00 UTC, 3h ago");
  assert.equal(far.facts.alive, null);
});

test("a holder's command reads as a person would type it: paths by their last part, node running hb as hb", () => {
  assert.equal(
    commandText(['/usr/bin/node', '/opt/hb/dist/hb.js', 'wrap', '--lock', '--job', 'x', '--', '/usr/local/bin/backup.sh']),
    'hb wrap --lock --job x -- backup.sh',
  );
  assert.equal(commandText(['flock', '/var/lock/x.lock', 'sleep', '600']), 'flock x.lock sleep 600');
  assert.equal(commandText(['node', 'server.js']), 'node server.js');
});

test("a crontab line's flock: held by a live process is the cause, with its command and start; free is ruled out", () => {
  const held = flockEvidence(
    '/var/lock/backup.lock',
    '/etc/cron.d/backup:3',
    [{ pid: 77, argv: ['flock', '/var/lock/backup.lock', 'sleep', '600'], startMs: NOW - 2 * H }],
    NOW,
  );
  assert.equal(held.weight, 'cause');
  assert.equal(held.text, "the line's flock is held by pid 77 (flock backup.lock sleep 600) since 03:00 UTC, 2h ago: the previous run is still going — hung?");
  assert.equal(held.facts.file, '/var/lock/backup.lock');
  assert.equal(held.facts.command, 'flock /var/lock/backup.lock sleep 600');
  assert.equal(held.facts.crontab_line, '/etc/cron.d/backup:3');
  assert.equal(held.facts.since, '2026-12-03T03:00:00.000Z');
  const free = flockEvidence('/var/lock/backup.lock', '/etc/cron.d/backup:3', [], NOW);
  assert.equal(free.weight, 'clear');
  assert.equal(free.text, "the line's flock /var/lock/backup.lock is free");
  assert.equal(free.facts.pid, null);
});

/** A /proc of the test's own: boot time 10h before NOW, processes as given, a locks file. */
function fakeProc(root: string, procs: { pid: number; startMs: number; cmdline: string[] }[], locks: string) {
  const proc = join(root, 'proc');
  const btime = NOW - 10 * H;
  mkdirSync(join(proc, 'sys', 'kernel', 'random'), { recursive: true });
  writeFileSync(join(proc, 'sys', 'kernel', 'random', 'boot_id'), 'boot-1\n');
  writeFileSync(join(proc, 'stat'), `cpu 1 2 3\nbtime ${btime / 1000}\n`);
  writeFileSync(join(proc, 'locks'), locks);
  for (const p of procs) {
    mkdirSync(join(proc, String(p.pid)));
    const ticks = ((p.startMs - btime) / 1000) * 100;
    writeFileSync(join(proc, String(p.pid), 'stat'), `${p.pid} (x) S ${Array(18).fill('0').join(' ')} ${ticks} 0 0\n`);
    writeFileSync(join(proc, String(p.pid), 'cmdline'), `${p.cmdline.join('\0')}\0`);
  }
  return proc;
}

function target(job: string, status: 'stale' | 'never' | 'overrunning'): ExplainTarget {
  return explainTarget(job, status, { judgement: { lastMs: NOW - 5 * H } });
}

test('gatherer: hb locks held by a live and a dead pid, and a flock held per /proc/locks, for stale and never-ran jobs only', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hb-ev-lock-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const state = join(root, 'state');
  mkdirSync(join(state, 'locks'), { recursive: true });
  const lockFile = join(root, 'sync.lock');
  writeFileSync(lockFile, '');
  const freeFile = join(root, 'free.lock');
  writeFileSync(freeFile, '');
  const st = statSync(lockFile);
  const dev = `${((st.dev >> 8) & 0xfff).toString(16).padStart(2, '0')}:${((st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)).toString(16).padStart(2, '0')}`;
  const started = NOW - 3 * H;
  const proc = fakeProc(
    root,
    [
      { pid: 4242, startMs: started, cmdline: ['sleep', '3600'] },
      { pid: 77, startMs: NOW - 2 * H, cmdline: ['flock', lockFile, 'sleep', '600'] },
      // pid 5000 now belongs to a process that started after the lock was taken: the holder is gone.
      { pid: 5000, startMs: NOW - H, cmdline: ['bash'] },
    ],
    `1: FLOCK  ADVISORY  WRITE 77 ${dev}:${st.ino} 0 EOF\n`,
  );
  const holder = (pid: number, at: number) =>
    JSON.stringify({ pid, started_at: new Date(at).toISOString(), pid_started_ms: at, boot_id: 'boot-1', token: 'abc1' });
  writeFileSync(join(state, 'locks', 'hung.lock'), holder(4242, started));
  writeFileSync(join(state, 'locks', 'died.lock'), holder(5000, NOW - 4 * H));
  writeFileSync(join(state, 'locks', 'busy.lock'), holder(4242, started));
  const crontabs = join(root, 'cron.d');
  mkdirSync(crontabs);
  writeFileSync(
    join(crontabs, 'sync'),
    `0 * * * * root flock -n ${lockFile} hb wrap --state-dir ${state} --job sync -- /bin/true\n0 * * * * root flock -n ${freeFile} hb tick calm --state-dir ${state}\n`,
  );
  const host: CrontabHost = {
    askCrontab: async () => null,
    users: () => ({ byUid: new Map([[0, 'root']]), homes: new Map([['root', '/root']]) }),
    me: () => 'root',
  };
  const ctx = {
    nowMs: NOW,
    dirs: [state],
    config: { file: null, defaults: {}, notify: [], jobs: new Map() },
    env: { HB_CRONTAB_PATHS: crontabs },
    isRoot: true,
    procRoot: proc,
  } as unknown as ExplainContext;
  const got = await lockGatherer(host)(
    [
      target('hung', 'stale'),
      target('died', 'never'),
      target('sync', 'stale'),
      target('calm', 'stale'),
      target('busy', 'overrunning'),
      target('none', 'stale'),
    ],
    ctx,
  );
  assert.deepEqual([...got.keys()], ['hung', 'died', 'sync', 'calm']);
  const only = (job: string) => {
    assert.equal(got.get(job)!.length, 1);
    return got.get(job)![0]!;
  };
  assert.equal(only('hung').weight, 'cause');
  assert.equal(only('hung').text, "hb's run lock is held by pid 4242 (sleep 3600) since 02:00 UTC, 3h ago: the previous run is still going — hung?");
  assert.equal(only('died').weight, 'clue');
  assert.match(String(only('died').facts.gone_reason), /process id 5000 was reused/);
  assert.equal(only('sync').weight, 'cause');
  assert.equal(only('sync').facts.pid, 77);
  assert.equal(only('sync').facts.command, `flock ${lockFile} sleep 600`);
  assert.equal(only('sync').facts.since, new Date(NOW - 2 * H).toISOString());
  assert.equal(only('calm').weight, 'clear');
});
