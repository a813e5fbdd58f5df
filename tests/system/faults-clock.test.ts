// The clock jumps, against the built CLI under faketime: jobs tick on schedule, the clock moves
// forward (+3 h, +2 days) or backward (-1 h, -1 day) between ticks, and a heartbeat arrives from
// the future. Alerts go to a real `command` sink that appends one line per notification.
//
// What must hold:
// - Forward jump: jobs are judged by the new time. Every job whose deadline the jump passed is
//   `stale` (true, and expected); each gets exactly one alert for the incident however many
//   checks (and further jumps) follow, and exactly one resolve once its ticks resume.
// - Backward jump: a heartbeat now more than 60 s in the future is `clock_skew` (a problem,
//   exit 1, one alert), never accepted as fresh; every other job is judged with a smaller age
//   than before, so nothing that was fine becomes `stale`. The next tick written on the new
//   clock replaces the future heartbeat (the cycle counts on) and resolves the incident.
//   hb check's own heartbeat (`hb-check`) is then in the future too: the step is reported once
//   through it (one clock_skew alert), and resolved by the next check, which wrote a new one.
// - A heartbeat at most a minute ahead (clocks of a few seconds apart) is accepted as is.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hb, readJson, requireTool, sandbox, type Sandbox } from '../helpers.ts';

/** The simulated start, a Friday morning. */
const T0 = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The jobs ticking on schedule: their tick flags. */
const JOBS: Record<string, string[]> = {
  fast: ['--every', '10m'],
  hourly: ['--every', '1h'],
  quarter: ['--cron', '*/15 * * * *'],
};

/** faketime's absolute form: the process starts at `ms` (UTC; the sandbox sets TZ=UTC). */
function at(ms: number): string[] {
  const iso = new Date(ms).toISOString();
  return ['faketime', '-f', `@${iso.slice(0, 10)} ${iso.slice(11, 19)}`];
}

/** A sandbox whose one sink is a command appending `TYPE JOB STATUS` to a file. */
function withCommandSink(): Sandbox & { log: string } {
  const s = sandbox();
  const log = join(s.root, 'notifications.log');
  const config = join(s.root, 'hb.yaml');
  writeFileSync(log, '');
  writeFileSync(config, `notify:\n  - command: 'printf "%s %s %s\\n" "$HB_TYPE" "$HB_JOB" "$HB_STATUS" >> "${log}"'\n`);
  s.env.HB_CONFIG = config;
  return { ...s, log };
}

function tick(s: Sandbox, job: string, ms: number, extra: string[] = []): void {
  const r = hb(['tick', job, ...JOBS[job]!, ...extra], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, 0, `tick ${job}: ${r.stderr}`);
}

/** `hb check --json` at `ms`: exit code and each job's status. */
function check(s: Sandbox, ms: number): { code: number | null; status: Record<string, string> } {
  const r = hb(['check', '--json'], { env: s.env, prefix: at(ms) });
  assert.ok(r.code === 0 || r.code === 1, `check: exit ${r.code}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a stack trace');
  const status: Record<string, string> = {};
  for (const j of (JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string }> }).jobs) status[j.job] = j.status;
  delete status['hb-check'];
  return { code: r.code, status };
}

/** The notifications the sink received so far, as `TYPE JOB STATUS` lines. */
const sent = (s: { log: string }) => readFileSync(s.log, 'utf8').split('\n').filter(Boolean);

describe('the clock jumps between ticks', () => {
  test('forward +3 h, then +2 days: stale by the new time, one alert per job, resolved when ticks resume', (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = withCommandSink();
    t.after(() => s.cleanup());
    for (const job of Object.keys(JOBS)) tick(s, job, T0 + 5_000);
    let c = check(s, T0 + MIN);
    assert.deepEqual(c.status, { fast: 'ok', hourly: 'ok', quarter: 'ok' });
    assert.equal(c.code, 0);

    // +3 h: every deadline (fast 09:20, quarter 09:30, hourly 11:00) has passed.
    const jump = T0 + 3 * HOUR;
    c = check(s, jump);
    assert.deepEqual(c.status, { fast: 'stale', hourly: 'stale', quarter: 'stale' });
    assert.equal(c.code, 1);
    assert.deepEqual(sent(s).sort(), ['alert fast stale', 'alert hourly stale', 'alert quarter stale']);

    // More checks, and a second jump of two days: the same incidents, nothing new sent.
    for (const ms of [jump + MIN, jump + 10 * MIN, jump + 2 * DAY, jump + 2 * DAY + MIN]) {
      c = check(s, ms);
      assert.equal(c.code, 1);
      assert.deepEqual(Object.values(c.status), ['stale', 'stale', 'stale']);
    }
    assert.equal(sent(s).length, 3, `one alert per job incident, got:\n${sent(s).join('\n')}`);

    // Ticks resume on the new clock: each incident resolves, once.
    const resumed = jump + 2 * DAY + 2 * MIN;
    for (const job of Object.keys(JOBS)) tick(s, job, resumed);
    c = check(s, resumed + MIN);
    assert.deepEqual(c.status, { fast: 'ok', hourly: 'ok', quarter: 'ok' });
    assert.equal(c.code, 0);
    check(s, resumed + 2 * MIN);
    assert.deepEqual(sent(s).slice(3).sort(), ['resolve fast ok', 'resolve hourly ok', 'resolve quarter ok']);
    assert.equal(sent(s).length, 6);
  });

  test('backward -1 h: recent heartbeats are clock_skew (one alert each), older ones stay fine, nothing turns stale', (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = withCommandSink();
    t.after(() => s.cleanup());
    // On schedule until 11:05: fast and quarter last ran at 11:00; hourly at 10:00, due at
    // 11:00, so it is late (within its grace).
    tick(s, 'hourly', T0 + HOUR);
    tick(s, 'quarter', T0 + 2 * HOUR);
    tick(s, 'fast', T0 + 2 * HOUR);
    const before = check(s, T0 + 2 * HOUR + 5 * MIN);
    assert.deepEqual(before.status, { fast: 'ok', hourly: 'late', quarter: 'ok' });
    assert.equal(before.code, 0);

    // NTP steps the clock back an hour: 10:05. Heartbeats from 11:00 are 55 min ahead.
    const back = T0 + HOUR + 5 * MIN;
    const c = check(s, back);
    // hourly's heartbeat (10:00) is in the past again and younger than before: ok, not stale.
    assert.deepEqual(c.status, { fast: 'clock_skew', hourly: 'ok', quarter: 'clock_skew' });
    assert.equal(c.code, 1, 'a future heartbeat is a problem, not silently fresh');
    assert.deepEqual(sent(s).sort(), ['alert fast clock_skew', 'alert hb-check clock_skew', 'alert quarter clock_skew']);

    // The jobs tick on the new clock: each future heartbeat is replaced and its incident resolves.
    tick(s, 'fast', back + MIN);
    let after = check(s, back + 2 * MIN);
    assert.deepEqual(after.status, { fast: 'ok', hourly: 'ok', quarter: 'clock_skew' });
    tick(s, 'quarter', back + 5 * MIN);
    after = check(s, back + 6 * MIN);
    assert.deepEqual(after.status, { fast: 'ok', hourly: 'ok', quarter: 'ok' });
    assert.equal(after.code, 0);
    assert.deepEqual(sent(s).slice(3).sort(), ['resolve fast ok', 'resolve hb-check unscheduled', 'resolve quarter ok']);
    assert.equal(readJson(join(s.state, 'fast.last')).cycle, 2, 'the cycle counts on across the jump');
    assert.ok(!sent(s).some((line) => line.includes('stale')), `no stale alert:\n${sent(s).join('\n')}`);
  });

  test('backward -1 day: every heartbeat is ahead, every job clock_skew once, never stale, all resolve on the next ticks', (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = withCommandSink();
    t.after(() => s.cleanup());
    for (const job of Object.keys(JOBS)) tick(s, job, T0);
    assert.equal(check(s, T0 + MIN).code, 0);

    const back = T0 - DAY + 2 * MIN;
    for (const ms of [back, back + MIN, back + 30 * MIN, back + 3 * HOUR]) {
      const c = check(s, ms);
      assert.deepEqual(Object.values(c.status), ['clock_skew', 'clock_skew', 'clock_skew'], `at +${(ms - back) / MIN} min`);
      assert.equal(c.code, 1);
    }
    assert.deepEqual(sent(s).slice(0, 4).sort(), ['alert fast clock_skew', 'alert hb-check clock_skew', 'alert hourly clock_skew', 'alert quarter clock_skew']);
    assert.deepEqual(sent(s).slice(4), ['resolve hb-check unscheduled'], 'the watcher’s own heartbeat, rewritten by the first check after the step');

    const resumed = back + 3 * HOUR + MIN;
    for (const job of Object.keys(JOBS)) tick(s, job, resumed);
    const c = check(s, resumed + MIN);
    assert.deepEqual(c.status, { fast: 'ok', hourly: 'ok', quarter: 'ok' });
    assert.equal(c.code, 0);
    assert.deepEqual(sent(s).slice(5).sort(), ['resolve fast ok', 'resolve hourly ok', 'resolve quarter ok']);
    assert.equal(sent(s).length, 8);
  });

  test('a heartbeat from the future: clock_skew with exit 1 beyond a minute, accepted within it; the next tick on a correct clock clears it', (t) => {
    if (!requireTool(t, 'faketime')) return;
    const s = withCommandSink();
    t.after(() => s.cleanup());
    // Written by a clock two hours fast; read by a correct one.
    tick(s, 'hourly', T0 + 2 * HOUR);
    let r = hb(['check'], { env: s.env, prefix: at(T0) });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /hourly\s+CLOCK_SKEW\s+heartbeat is (1h59m|2h)\S* in the future \(started_at 2026-11-20T11:00:\d\d\.\d+Z\): check the clocks/);
    assert.deepEqual(sent(s), ['alert hourly clock_skew']);
    const json = JSON.parse(hb(['check', '--json'], { env: s.env, prefix: at(T0 + 1000) }).stdout) as {
      jobs: Array<{ job: string; status: string; problem: boolean; age_s: number }>;
    };
    const hourly = json.jobs.find((j) => j.job === 'hourly')!;
    assert.equal(hourly.status, 'clock_skew');
    assert.equal(hourly.problem, true);
    assert.ok(hourly.age_s < 0, 'its age is negative, shown as is');
    assert.equal(hb(['check', '--format', 'nagios'], { env: s.env, prefix: at(T0 + 2000) }).code, 2, 'CRITICAL for Nagios');

    // The clock is corrected: the next tick replaces the future heartbeat and the incident resolves.
    tick(s, 'hourly', T0 + 10 * MIN);
    const last = readJson(join(s.state, 'hourly.last'));
    assert.equal(last.cycle, 2);
    assert.ok(Math.abs(Date.parse(last.started_at) - (T0 + 10 * MIN)) < 5_000, `stored ${last.started_at}`);
    const c = check(s, T0 + 11 * MIN);
    assert.equal(c.status.hourly, 'ok');
    assert.equal(c.code, 0);
    assert.deepEqual(sent(s), ['alert hourly clock_skew', 'resolve hourly ok']);

    // Clocks a little apart (under a minute) are not skew.
    tick(s, 'fast', T0 + 20 * MIN + 40_000);
    r = hb(['check', '--json'], { env: s.env, prefix: at(T0 + 20 * MIN) });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(sent(s).length, 2);
  });
});
