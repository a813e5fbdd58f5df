// The daemon loop on a fake clock: one timer to the earliest fire, starts and lock skips, the
// log lines, and the graceful stop (wait, SIGTERM, SIGKILL, a second signal).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonJob } from '../../lib/rules/daemon/jobs.ts';
import { DaemonLoop, LOOP_DEFAULTS, daemonLogLine, type LoopOptions } from '../../lib/rules/daemon/loop.ts';
import { LATE_START_MS, type LoadStats } from '../../lib/rules/daemon/load.ts';

const every = (name: string, e: string, lock = false): DaemonJob => ({ name, kind: 'tick', schedule: { every: e }, lock });
/** A job with `overlap: true`: its fires start runs while earlier ones go (the fake runs never end on their own). */
const overlapping = (name: string, e: string): DaemonJob => ({ ...every(name, e), overlap: true });
const check: DaemonJob = { name: 'hb-check', kind: 'check', schedule: { every: '1m' }, lock: true };

/** A clock with timers; `advance` runs each due timer at its own instant plus `lateMs`. */
class FakeWorld {
  nowMs = 1_000_000;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private nextId = 1;
  readonly spawned: Array<{ job: string; pid: number; at: number }> = [];
  readonly kills: Array<[number, string]> = [];
  readonly skips: Array<[string, number]> = [];
  readonly lines: string[] = [];
  readonly sleeps: number[] = [];
  private pid = 100;
  /** When set, each run ends by itself (exit 0) this long after it started. */
  runMs: number | null = null;
  /** Runs in flight now, and the most at once. */
  inFlight = 0;
  peakInFlight = 0;
  readonly minutes: LoadStats[] = [];

  deps(loopRef: () => DaemonLoop) {
    return {
      now: () => this.nowMs,
      setTimer: (fn: () => void, ms: number) => {
        this.sleeps.push(ms);
        const t = { id: this.nextId++, at: this.nowMs + ms, fn };
        this.timers.push(t);
        return t.id;
      },
      clearTimer: (id: unknown) => void (this.timers = this.timers.filter((t) => t.id !== id)),
      spawn: (job: DaemonJob) => {
        const pid = ++this.pid;
        this.spawned.push({ job: job.name, pid, at: this.nowMs });
        this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
        if (this.runMs !== null) {
          const t = {
            id: this.nextId++,
            at: this.nowMs + this.runMs,
            fn: () => {
              this.inFlight--;
              loopRef().exited(pid, 0, null);
            },
          };
          this.timers.push(t);
        }
        return { id: pid };
      },
      kill: (pid: number, signal: 'SIGTERM' | 'SIGKILL') => {
        this.kills.push([pid, signal]);
        void loopRef;
      },
      log: (m: string) => this.lines.push(m),
      skipped: (job: DaemonJob, holder: { pid: number }) => this.skips.push([job.name, holder.pid]),
      minuteEnded: (stats: LoadStats) => void this.minutes.push(stats),
    };
  }

  /** Moves time forward to `untilMs`, firing timers in order, each `lateMs` after its due time. */
  advance(byMs: number, lateMs = 0): void {
    const until = this.nowMs + byMs;
    for (;;) {
      const next = this.timers.filter((t) => t.at + lateMs <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = Math.max(this.nowMs, next.at + lateMs);
      next.fn();
    }
    this.nowMs = until;
  }

  pending(): number {
    return this.timers.length;
  }
}

function setup(jobs: DaemonJob[], options: Partial<LoopOptions> = {}) {
  const w = new FakeWorld();
  const loop: DaemonLoop = new DaemonLoop(
    w.deps(() => loop),
    jobs,
    new Map(),
    { ...LOOP_DEFAULTS, ...options },
  );
  loop.start();
  return { w, loop };
}

test('starts each job at its fires with one timer, sleeping exactly until the earliest', () => {
  const { w } = setup([overlapping('a', '500ms'), overlapping('b', '2s')]);
  assert.equal(w.pending(), 1);
  w.advance(4000);
  const t0 = 1_000_000;
  assert.deepEqual(
    w.spawned.filter((s) => s.job === 'a').map((s) => s.at - t0),
    [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000],
  );
  assert.deepEqual(
    w.spawned.filter((s) => s.job === 'b').map((s) => s.at - t0),
    [2000, 4000],
  );
  assert.equal(w.pending(), 1);
  assert.ok(
    w.sleeps.every((ms) => ms === 500),
    `sleeps ${w.sleeps.join(',')}`,
  );
  assert.equal(w.lines[0], 'started tick a (pid 101)');
});

test('late timers do not shift later fires (starts land on the grid, not wake + period)', () => {
  const { w } = setup([overlapping('a', '1s')]);
  w.advance(10_000, 300);
  assert.deepEqual(
    w.spawned.map((s) => s.at - 1_000_000),
    [1300, 2300, 3300, 4300, 5300, 6300, 7300, 8300, 9300],
  );
  assert.deepEqual(w.sleeps.slice(1), Array(9).fill(700));
});

test('a long sleep is cut to maxSleepMs so a suspend or clock jump is noticed', () => {
  const { w } = setup([{ name: 'nightly', kind: 'tick', schedule: { cron: '0 3 * * *', tz: 'UTC' }, lock: false }]);
  assert.equal(w.sleeps[0], 60_000);
});

test("lock: fires while the run goes are skipped and logged; the run's exit lets the next one start", () => {
  const { w, loop } = setup([every('slow', '1s', true)]);
  w.advance(1000);
  w.advance(2000);
  assert.equal(w.spawned.length, 1);
  assert.deepEqual(w.skips, [
    ['slow', 101],
    ['slow', 101],
  ]);
  assert.match(
    w.lines[1]!,
    /^skipped tick slow due at \d\d:\d\d:\d\dZ: the previous run \(pid 101, started \d\d:\d\d:\d\dZ\) is still going and the job has lock$/,
  );
  loop.exited(101, 0, null);
  w.advance(1000);
  assert.equal(w.spawned.length, 2);
});

test('overlap is off by default: a fire while the run goes is skipped and says so; the exit lets the next one start', () => {
  const { w, loop } = setup([every('a', '1s')]);
  w.advance(2000);
  assert.equal(w.spawned.length, 1);
  assert.deepEqual(w.skips, [['a', 101]]);
  assert.match(
    w.lines[1]!,
    /^skipped tick a due at \d\d:\d\d:\d\dZ: the previous run \(pid 101, started \d\d:\d\d:\d\dZ\) is still going and overlap is off for this job$/,
  );
  loop.exited(101, 0, null);
  w.advance(1000);
  assert.equal(w.spawned.length, 2);
});

test('with overlap: true runs overlap (lock still wins); a non-zero exit and a signal are logged, a zero exit is not', () => {
  const locked = setup([{ ...every('l', '1s', true), overlap: true }]);
  locked.w.advance(3000);
  assert.equal(locked.w.spawned.length, 1, 'lock: true never overlaps, whatever overlap says');
  const { w, loop } = setup([overlapping('a', '1s')]);
  w.advance(3000);
  assert.deepEqual(
    w.spawned.map((s) => s.pid),
    [101, 102, 103],
  );
  w.nowMs += 1500;
  loop.exited(101, 0, null);
  loop.exited(102, 3, null);
  loop.exited(103, null, 'SIGTERM');
  assert.deepEqual(w.lines.slice(3), ['tick a (pid 102) exited 3 after 2.5s', 'tick a (pid 103) was ended by SIGTERM after 1.5s']);
});

test('--quiet drops routine start lines, keeps skips and failures', () => {
  const { w, loop } = setup([every('a', '1s', true), check], { quiet: true });
  w.advance(2000);
  loop.exited(101, 1, null);
  assert.deepEqual(
    w.lines.map((l) => l.split(' (')[0]),
    ['skipped tick a due at 00:16:42Z: the previous run', 'tick a'],
  );
});

test('stop with nothing running resolves at once and stops scheduling', async () => {
  const { w, loop } = setup([every('a', '1s')]);
  await loop.stop();
  w.advance(5000);
  assert.equal(w.spawned.length, 0);
  assert.equal(w.pending(), 0);
});

test('stop waits for running runs to finish; no signal when they end in time', async () => {
  const { w, loop } = setup([every('a', '1s', true)], { stopTimeoutMs: 30_000 });
  w.advance(1000);
  let done = false;
  const stopped = loop.stop().then(() => (done = true));
  w.advance(5000);
  assert.equal(done, false);
  assert.equal(w.spawned.length, 1, 'no new run while stopping');
  loop.exited(101, 0, null);
  await stopped;
  assert.deepEqual(w.kills, []);
  assert.match(w.lines.join('\n'), /stopping: waiting up to 30s for 1 run: tick a \(pid 101\) to finish/);
});

test('stop timeout: SIGTERM to the runs, SIGKILL killAfter later, then it resolves', async () => {
  const { w, loop } = setup([every('a', '1s'), every('b', '1s')], { stopTimeoutMs: 30_000, killAfterMs: 10_000 });
  w.advance(1000);
  const stopped = loop.stop();
  w.advance(29_999);
  assert.deepEqual(w.kills, []);
  w.advance(1);
  assert.deepEqual(w.kills, [
    [101, 'SIGTERM'],
    [102, 'SIGTERM'],
  ]);
  loop.exited(101, null, 'SIGTERM');
  w.advance(10_000);
  assert.deepEqual(w.kills.slice(2), [[102, 'SIGKILL']]);
  loop.exited(102, null, 'SIGKILL');
  await stopped;
  assert.ok(w.lines.some((l) => l.startsWith('sending SIGKILL to 1 run: tick b (pid 102): still running 10s after SIGTERM')));
});

test('a second stop while waiting sends SIGTERM now', async () => {
  const { w, loop } = setup([every('a', '1s')]);
  w.advance(1000);
  const first = loop.stop();
  assert.equal(loop.stop(), first);
  assert.deepEqual(w.kills, [[101, 'SIGTERM']]);
  loop.exited(101, 143, null);
  await first;
});

test('reload keeps the timer on the earliest fire of the new plan', () => {
  const { w, loop } = setup([every('a', '1m')]);
  w.advance(10_000);
  const changes = loop.reload([every('a', '1m'), every('b', '1s')], new Map());
  assert.deepEqual(changes.added, ['b']);
  assert.equal(w.pending(), 1);
  w.advance(1000);
  assert.deepEqual(
    w.spawned.map((s) => s.job),
    ['b'],
  );
  assert.deepEqual(loop.running(), new Map([['b', [101]]]));
});

test('log lines: whole-second UTC stamp, one line even for a multi-line message', () => {
  assert.equal(
    daemonLogLine(Date.parse('2026-11-23T08:00:00.456Z'), 'started tick backup (pid 123)'),
    '2026-11-23T08:00:00Z hb daemon: started tick backup (pid 123)\n',
  );
  assert.equal(
    daemonLogLine(0, 'reload failed: a.yaml:1:1: x\n  a.yaml:2:1: y'),
    '1970-01-01T00:00:00Z hb daemon: reload failed: a.yaml:1:1: x; a.yaml:2:1: y\n',
  );
});

test('the meta-heartbeat never overlaps itself, and its exit 1 says a job is a problem', () => {
  const { w, loop } = setup([{ ...check, schedule: { every: '1s' } }]);
  w.advance(2000);
  assert.equal(w.spawned.length, 1);
  assert.match(w.lines[1]!, /^skipped check due at .*: the previous run \(pid 101, /);
  w.nowMs += 250;
  loop.exited(101, 1, null);
  assert.equal(w.lines[2], 'check (pid 101) exited 1 after 1.3s: a job is a problem');
});

test('--max-concurrent: fires beyond the cap wait (one per job, oldest first) and start as runs end; a stop drops them', async () => {
  const { w, loop } = setup([every('a', '1s'), every('b', '1s'), every('c', '1s'), every('d', '1s')], { maxConcurrent: 2 });
  w.advance(1000);
  assert.deepEqual(
    w.spawned.map((s) => s.job),
    ['a', 'b'],
  );
  assert.deepEqual(w.lines.slice(2), [
    'tick c waits: 2 runs are going, the most --max-concurrent allows',
    'tick d waits: 2 runs are going, the most --max-concurrent allows',
  ]);
  w.advance(1000);
  assert.equal(w.spawned.length, 2, 'still at the cap');
  assert.ok(
    w.lines.includes(`skipped tick c due at ${new Date(w.nowMs).toISOString().slice(11, 19)}Z: an earlier fire of it is still waiting for a free run`),
    w.lines.join('\n'),
  );
  w.nowMs += 500;
  loop.exited(101, 0, null);
  assert.deepEqual(
    w.spawned.map((s) => s.job),
    ['a', 'b', 'c'],
  );
  assert.equal(w.lines.at(-1), 'started tick c (pid 103) after waiting 1.5s for a free run');
  loop.exited(102, 0, null);
  assert.deepEqual(
    w.spawned.map((s) => s.job),
    ['a', 'b', 'c', 'd'],
  );
  const left = w.spawned.length;
  w.advance(500);
  assert.ok(
    w.lines.some((l) => /^tick [ab] waits: /.test(l)),
    w.lines.join('\n'),
  );
  const stopped = loop.stop();
  assert.match(w.lines.find((l) => l.startsWith('dropped')) ?? '', /^dropped 2 waiting runs: tick a, tick b$/);
  loop.exited(103, 0, null);
  loop.exited(104, 0, null);
  await stopped;
  assert.equal(w.spawned.length, left, 'nothing started after the stop');
});

test('with nothing to run the loop still keeps one timer (the daemon stays up for a reload or a stop)', () => {
  const { w } = setup([]);
  assert.deepEqual(w.sleeps, [60_000]);
  w.advance(180_000);
  assert.equal(w.pending(), 1);
  assert.equal(w.spawned.length, 0);
});

/** `n` jobs every minute, all on the same grid (same-phase: every fire is due at one instant). */
const sameMinute = (n: number) => Array.from({ length: n }, (_, i) => every(`j${String(i).padStart(4, '0')}`, '1m'));
const overloadLines = (w: FakeWorld) => w.lines.filter((l) => l.startsWith('overloaded in the minute from '));

test('1,000 same-phase jobs every minute: every fire starts within the minute, never more than the cap at once, nothing late or lost', () => {
  const { w, loop } = setup(sameMinute(1000), { maxConcurrent: 32, quiet: true });
  w.runMs = 20;
  w.advance(5 * 60_000 + 59_000);
  const dueEach = (k: number) => 1_000_000 + k * 60_000;
  assert.equal(w.spawned.length, 5000, 'five fires of each job');
  for (let k = 1; k <= 5; k++) {
    const minute = w.spawned.filter((s) => s.at >= dueEach(k) && s.at < dueEach(k) + 60_000);
    assert.equal(new Set(minute.map((s) => s.job)).size, 1000, `every job started in minute ${k}`);
    const worst = Math.max(...minute.map((s) => s.at - dueEach(k)));
    assert.ok(worst <= LATE_START_MS, `minute ${k}: the last start came ${worst}ms after its fire`);
  }
  assert.ok(w.peakInFlight <= 32, `peak ${w.peakInFlight} runs at once`);
  assert.equal(w.peakInFlight, 32, 'the cap was used');
  const load = loop.load();
  assert.deepEqual([load.fires, load.late, load.lost, load.overload_minutes], [5000, 0, 0, 0]);
  assert.deepEqual(overloadLines(w), []);
  // Under --quiet: one line when a queue forms each minute, no line per waiting fire or start.
  assert.equal(w.lines.length, 5, w.lines.join('\n'));
  assert.ok(w.minutes.length >= 4, 'the counters were published as minutes ended');
  assert.equal(w.minutes.at(-1)!.last_minute!.fires, 1000);
});

test('past capacity: late and lost fires are counted, and each overloaded minute gives exactly one log line', () => {
  // 4 runs at once of 5 s each: 48 runs a minute for 100 fires a minute.
  const { w, loop } = setup(sameMinute(100), { maxConcurrent: 4, quiet: true });
  w.runMs = 5000;
  w.advance(3 * 60_000 + 30_000);
  const lines = overloadLines(w);
  assert.equal(lines.length, 3, w.lines.join('\n'));
  assert.equal(new Set(lines.map((l) => /from (\d\d:\d\d)Z/.exec(l)![1])).size, 3, 'one line for each minute');
  assert.match(
    lines[0]!,
    /^overloaded in the minute from \d\d:\d\dZ: \d+ of \d+ fires started more than 2s after they were due \(worst [\d.]+s, p99 [\d.]+s\), \d+ lost, up to \d+ waiting for a free run; /,
  );
  const load = loop.load();
  assert.equal(load.overload_minutes, 3);
  assert.ok(load.late > 0 && load.lost > 0, JSON.stringify(load));
  assert.equal(load.running, 4);
  assert.ok(load.waiting > 0);
  assert.notEqual(load.last_overload_at, null);
  assert.ok(w.peakInFlight <= 4);
  // Under --quiet no line per late start: the minute's line says it (a lost fire keeps its skip line).
  const other = w.lines.filter((l) => !/^(overloaded in the minute from |tick j\d+ waits: |skipped tick j\d+ due at )/.test(l));
  assert.deepEqual(other, []);
  // Every fire is accounted for: started (on time or late) or skipped for overlap; the rest are lost.
  assert.equal(load.fires, w.spawned.length + w.skips.length);
});

test('a loop woken late keeps every fire: each due fire still starts once, none is lost', () => {
  const { w, loop } = setup(sameMinute(8), { maxConcurrent: 8, quiet: true });
  w.runMs = 10;
  // Every timer fires 1.5 s late (a busy host), for 5 minutes.
  w.advance(5 * 60_000 + 10_000, 1500);
  const perJob = new Map<string, number>();
  for (const s of w.spawned) perJob.set(s.job, (perJob.get(s.job) ?? 0) + 1);
  assert.equal(perJob.size, 8);
  assert.ok(
    [...perJob.values()].every((n) => n === 5),
    JSON.stringify([...perJob]),
  );
  assert.deepEqual([loop.load().lost, loop.load().late], [0, 0]);
  assert.ok(!w.lines.some((l) => l.includes('missed')), w.lines.join('\n'));
});

test('a wake-up later than a whole period still starts one run (missed fires are not replayed), counts them as lost and says so once for the minute', () => {
  const { w, loop } = setup(sameMinute(3), { quiet: true });
  w.runMs = 10;
  w.advance(60_000 * 4, 150_000);
  assert.equal(w.spawned.length, 3, 'one run each, not a burst');
  assert.ok(
    w.lines.some((l) => /^started tick j0000 \(pid \d+\); 2 earlier fires missed \(the daemon was late\)$/.test(l)),
    w.lines.join('\n'),
  );
  assert.equal(loop.load().lost, 6);
  w.advance(60_000);
  assert.equal(overloadLines(w).length, 1, w.lines.join('\n'));
});

/** Five jobs due together 50 s after the start behind a cap of one, 2.5 s each: all but the first start late, then nothing happens until the next minute. */
function lateBurst() {
  const jobs = Array.from({ length: 5 }, (_, i) => every(`b${i}`, '50s'));
  const { w, loop } = setup(jobs, { maxConcurrent: 1, quiet: true });
  w.runMs = 2500;
  return { w, loop };
}

test('an overloaded minute is logged when it ends, not held back until the next fire', () => {
  const { w, loop } = lateBurst();
  // The fake clock starts 40 s into a minute: the fires come 10 s into the next one, which ends
  // 20 s before the next fires are due.
  w.advance(79_000);
  assert.equal(w.spawned.length, 5);
  assert.deepEqual(overloadLines(w), [], 'not before the minute ends');
  w.advance(1_500);
  assert.equal(overloadLines(w).length, 1, w.lines.join('\n'));
  assert.match(overloadLines(w)[0]!, /: 4 of 5 fires started more than 2s after/);
  assert.equal(loop.load().overload_minutes, 1);
});

test('a stop in the middle of an overloaded minute logs that minute before the daemon exits', async () => {
  const { w, loop } = lateBurst();
  w.advance(56_000);
  assert.equal(w.spawned.length, 3);
  assert.deepEqual(overloadLines(w), []);
  const stopped = loop.stop();
  assert.equal(overloadLines(w).length, 1, w.lines.join('\n'));
  assert.match(overloadLines(w)[0]!, /: 2 of 3 fires started more than 2s after/);
  assert.equal(loop.load().overload_minutes, 1);
  w.advance(5_000);
  await stopped;
});
