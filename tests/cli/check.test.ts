// `hb check` and `hb status` through the built CLI: the lateness rule end to end, with faketime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, requireTool, sandbox } from '../helpers.ts';

const at = (iso: string) => ['faketime', '-f', `@${iso.replace('T', ' ').replace('Z', '')}`];

test('every-schedule: ok, late within grace, stale after grace (faketime)', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    assert.equal(hb(['tick', 'backup', '--every', '1h', '--grace', '30m'], { env: s.env, prefix: at('2026-11-20T09:00:00Z') }).code, 0);
    const check = (iso: string) => hb(['check', '--json'], { env: s.env, prefix: at(iso) });
    const ok = check('2026-11-20T09:59:00Z');
    assert.equal(ok.code, 0, ok.stderr);
    const okJob = JSON.parse(ok.stdout).jobs[0];
    assert.equal(okJob.status, 'ok');
    assert.equal(okJob.period_s, 3600);
    const started = Date.parse(okJob.last.started_at);
    assert.ok(Math.abs(started - Date.parse('2026-11-20T09:00:00Z')) < 5000);
    assert.equal(Date.parse(okJob.due) - started, 3600_000);
    assert.equal(Date.parse(okJob.deadline) - started, 5400_000);
    const late = check('2026-11-20T10:20:00Z');
    assert.equal(late.code, 0, 'late within grace is not a problem');
    assert.equal(JSON.parse(late.stdout).jobs[0].status, 'late');
    const stale = check('2026-11-20T10:31:00Z');
    assert.equal(stale.code, 1);
    const j = JSON.parse(stale.stdout).jobs[0];
    assert.equal(j.status, 'stale');
    assert.equal(j.problem, true);
    assert.ok(Math.abs(j.age_s - 5460) < 5, String(j.age_s));
    assert.ok(Math.abs(j.ratio - 1.517) < 0.002, String(j.ratio));
  } finally {
    s.cleanup();
  }
});

test('the 2x rule: default grace is one period', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    hb(['tick', 'j', '--every', '10m'], { env: s.env, prefix: at('2026-11-20T09:00:00Z') });
    assert.equal(hb(['check'], { env: s.env, prefix: at('2026-11-20T09:19:59Z') }).code, 0);
    const r = hb(['check'], { env: s.env, prefix: at('2026-11-20T09:20:01Z') });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^j\s+STALE\s+last heartbeat 20m\d?s? ago/m);
  } finally {
    s.cleanup();
  }
});

test('cron schedule with a zone: weekday job after Friday is due Monday, across a weekend', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    // Friday 2026-11-20 09:00 Berlin = 08:00Z
    hb(['tick', 'standup', '--cron', '0 9 * * 1-5', '--tz', 'Europe/Berlin', '--grace', '1h'], { env: s.env, prefix: at('2026-11-20T08:00:10Z') });
    const sunday = hb(['check', '--json'], { env: s.env, prefix: at('2026-11-22T20:00:00Z') });
    assert.equal(sunday.code, 0, sunday.stdout);
    const j = JSON.parse(sunday.stdout).jobs[0];
    assert.equal(j.due, '2026-11-23T08:00:00.000Z');
    assert.equal(j.period_s, 86400);
    assert.equal(hb(['check'], { env: s.env, prefix: at('2026-11-23T09:00:01Z') }).code, 1);
  } finally {
    s.cleanup();
  }
});

test('corrupt and foreign .last files: corrupt is reported with the reason, a touched file is a heartbeat', () => {
  const s = sandbox();
  try {
    mkdirSync(s.state, { recursive: true });
    writeFileSync(join(s.state, 'broken.last'), '{"v":1,"job":"broken",');
    writeFileSync(join(s.state, 'touched.last'), '');
    writeFileSync(join(s.state, 'dated.last'), 'Fri Nov 20 09:00:00 UTC 2026\n');
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  touched:\n    every: 1h\n  dated:\n    every: 1h\n');
    const old = new Date(Date.now() - 3 * 3600_000);
    utimesSync(join(s.state, 'dated.last'), old, old);
    hb(['tick', 'fine', '--every', '1h'], { env: s.env });
    const r = hb(['--config', cfg, 'check', '--json'], { env: s.env });
    assert.equal(r.code, 1);
    const jobs = Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { job: string }) => [j.job, j]));
    assert.equal(jobs.broken.status, 'corrupt');
    assert.match(jobs.broken.reason, /broken\.last: not valid JSON/);
    assert.equal(jobs.touched.status, 'ok');
    assert.equal(jobs.dated.status, 'stale');
    assert.equal(jobs.fine.status, 'ok');
    const text = hb(['--config', cfg, 'check'], { env: s.env });
    assert.match(text.stdout, /broken\s+CORRUPT/);
    assert.match(text.stdout, /dated\s+STALE/);
    assert.doesNotMatch(text.stdout, /fine/);
    // The first check left the meta-heartbeat's own hb-check.last: a fifth job, shown, not judged.
    assert.match(text.stdout, /2 of 5 jobs unhealthy/);
  } finally {
    s.cleanup();
  }
});

test('a heartbeat from the future is clock_skew; a job without a schedule is unscheduled and never judged', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    hb(['tick', 'future', '--every', '1h'], { env: s.env, prefix: at('2026-11-20T12:00:00Z') });
    hb(['tick', 'free'], { env: s.env, prefix: at('2020-01-01T00:00:00Z') });
    const r = hb(['check', '--json'], { env: s.env, prefix: at('2026-11-20T10:00:00Z') });
    const jobs = Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { job: string }) => [j.job, j]));
    assert.equal(jobs.future.status, 'clock_skew');
    assert.equal(jobs.free.status, 'unscheduled');
    assert.equal(jobs.free.problem, false);
    assert.equal(r.code, 1);
  } finally {
    s.cleanup();
  }
});

test('a configured job that never ran becomes `never` one period + grace after hb first saw it', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  fresh:\n    every: 1h\n    grace: 10m\n');
    const env = { ...s.env, HB_CONFIG: cfg };
    const first = hb(['check', '--json'], { env, prefix: at('2026-11-20T09:00:00Z') });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(JSON.parse(first.stdout).jobs[0].status, 'ok');
    assert.equal(JSON.parse(hb(['check', '--json'], { env, prefix: at('2026-11-20T10:05:00Z') }).stdout).jobs[0].status, 'late');
    const never = hb(['check'], { env, prefix: at('2026-11-20T10:11:00Z') });
    assert.equal(never.code, 1);
    assert.match(never.stdout, /fresh\s+NEVER\s+configured, but no heartbeat/);
  } finally {
    s.cleanup();
  }
});

test('check names unknown jobs with exit 2, or UNKNOWN/3 under nagios; no jobs at all is healthy', () => {
  const s = sandbox();
  try {
    const empty = hb(['check'], { env: s.env });
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /no jobs/);
    const r = hb(['check', 'ghost'], { env: s.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no job named ghost/);
    const n = hb(['check', 'ghost', '--format', 'nagios'], { env: s.env });
    assert.equal(n.code, 3);
    assert.match(n.stdout, /^HB UNKNOWN - no job named ghost/);
    assert.equal(n.stderr, '');
    const bad = hb(['check', '--format', 'nagios', '--bogus'], { env: s.env });
    assert.equal(bad.code, 3);
    assert.match(bad.stdout, /^HB UNKNOWN - unknown option '--bogus'/);
    assert.equal(bad.stderr, '');
  } finally {
    s.cleanup();
  }
});

test('nagios: OK with perfdata, CRITICAL on a problem', () => {
  const s = sandbox();
  try {
    hb(['tick', 'a', '--every', '1h'], { env: s.env });
    const ok = hb(['check', '--format', 'nagios'], { env: s.env });
    assert.equal(ok.code, 0);
    assert.match(ok.stdout.split('\n')[0]!, /^HB OK - .*\|/);
    hb(['tick', 'b', '--every', '1h', '--status', 'error'], { env: s.env });
    const crit = hb(['check', '--format', 'nagios'], { env: s.env });
    assert.equal(crit.code, 2);
    assert.match(crit.stdout.split('\n')[0]!, /^HB CRITICAL - .*b failed/);
  } finally {
    s.cleanup();
  }
});

test('status: the panel lists every job with age, interval, ratio, exit, duration, cycle, action; --json', () => {
  const s = sandbox();
  try {
    hb(['tick', 'backup', '--every', '1h', '--action', 'dumped 3 dbs'], { env: s.env });
    hb(['tick', 'sync', '--every', '5m', '--status', 'error'], { env: s.env });
    const r = hb(['status'], { env: s.env });
    assert.equal(r.code, 0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(header!, /^JOB\s+STATUS\s+AGE\s+INTERVAL\s+RATIO\s+EXIT\s+DURATION\s+CYCLE\s+ACTION$/);
    assert.match(rows[0]!, /^backup\s+ok\s+\S+\s+1h\s+0\.\d\d\s+0\s+0ms\s+1\s+dumped 3 dbs$/);
    assert.match(rows[1]!, /^sync\s+failed\s+\S+\s+5m\s+0\.\d\d\s+1\s/);
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when piped');
    const j = JSON.parse(hb(['status', '--json'], { env: s.env }).stdout);
    assert.deepEqual(
      j.jobs.map((x: { job: string }) => x.job),
      ['backup', 'sync'],
    );
    for (const key of ['job', 'status', 'problem', 'age_s', 'period_s', 'ratio', 'due', 'deadline', 'last']) assert.ok(key in j.jobs[0], key);
  } finally {
    s.cleanup();
  }
});

test('a reader that goes away early (| head -c 10) costs no stack trace', () => {
  const s = sandbox();
  try {
    // Enough jobs that the output overflows the pipe after the reader has gone.
    mkdirSync(s.state, { recursive: true });
    for (let i = 0; i < 3000; i++) writeFileSync(join(s.state, `job-${i}.last`), '');
    for (const cmd of ['status', 'check --verbose', 'check --json']) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${HB}" ${cmd} | head -c 10 >/dev/null`], { env: s.env, encoding: 'utf8' });
      assert.equal(r.stderr, '', `${cmd}: ${r.stderr}`);
      assert.equal(r.status, 0);
    }
  } finally {
    s.cleanup();
  }
});

test('check removes temp files that writers killed mid-write left behind, and nothing else', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  assert.equal(hb(['tick', 'backup', '--every', '1h'], { env: s.env }).code, 0);
  const old = new Date(Date.now() - 2 * 3_600_000);
  const orphan = join(s.state, '.backup.last.hb-4194999-1-dead0.tmp');
  const foreign = join(s.state, 'notes.tmp');
  for (const f of [orphan, foreign]) {
    writeFileSync(f, '{"v":1,');
    utimesSync(f, old, old);
  }
  const r = hb(['check'], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(orphan), false);
  assert.equal(existsSync(foreign), true, 'only names of hb temp files are touched');
  assert.equal(existsSync(join(s.state, 'backup.last')), true);
});

test('a monthly job on the 1st and 31st ticked on 1 February is stale in mid-March: the 1 March run is due', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    hb(['tick', 'monthly', '--cron', '0 0 1,31 * *', '--tz', 'UTC', '--grace', '1d'], { env: s.env, prefix: at('2026-02-01T00:00:05Z') });
    const r = hb(['check', '--json'], { env: s.env, prefix: at('2026-03-15T00:00:00Z') });
    assert.equal(r.code, 1, r.stdout);
    const j = JSON.parse(r.stdout).jobs[0];
    assert.equal(j.status, 'stale');
    assert.equal(j.due, '2026-03-01T00:00:00.000Z');
    assert.equal(j.deadline, '2026-03-02T00:00:00.000Z');
    assert.equal(j.period_s, 30 * 86400, 'the fire after 1 March is 31 March');
  } finally {
    s.cleanup();
  }
});

test('a job ticked without a schedule, 30 days later: listed with how to schedule it and counted, exit 0 (faketime)', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    hb(['tick', 'nightly'], { env: s.env, prefix: at('2026-10-21T02:00:00Z') });
    hb(['tick', 'hourly', '--every', '1h'], { env: s.env, prefix: at('2026-11-20T09:30:00Z') });
    const r = hb(['check'], { env: s.env, prefix: at('2026-11-20T10:00:00Z') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        "nightly  UNSCHEDULED  no schedule, so hb cannot tell when it is late: add --every 15m or --cron '30 2 * * *' to its hb tick or hb wrap line, or every/cron under jobs.nightly in the config",
        'all 2 jobs healthy; 1 job has no schedule: hb cannot tell when it is late',
        '',
      ].join('\n'),
    );
    // Beside a problem both are counted; the meta-heartbeat (now with a heartbeat of its own, no
    // schedule) is a job in the count, never listed for want of one.
    const stale = hb(['check'], { env: s.env, prefix: at('2026-11-20T11:31:00Z') });
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /^hourly\s+STALE\s+/m);
    assert.match(stale.stdout, /^nightly\s+UNSCHEDULED\s+no schedule/m);
    assert.doesNotMatch(stale.stdout, /hb-check/);
    assert.match(stale.stdout, /\n1 of 3 jobs unhealthy; 1 job has no schedule: hb cannot tell when it is late\n$/);
  } finally {
    s.cleanup();
  }
});

test('unscheduled jobs under each format: nagios WARNING (exit 1) naming them, JSON and Prometheus as before (exit 0)', () => {
  const s = sandbox();
  try {
    hb(['tick', 'a', '--every', '1h'], { env: s.env });
    hb(['tick', 'loose'], { env: s.env });
    hb(['tick', 'stray'], { env: s.env });
    const n = hb(['check', '--format', 'nagios'], { env: s.env });
    assert.equal(n.code, 1, n.stdout);
    const lines = n.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^HB WARNING - 2 of 3 jobs without a schedule \(hb cannot tell when they are late\): loose, stray \| 'jobs'=3;;;0 'problems'=0;;;0 /,
    );
    assert.match(lines[1]!, /^WARNING loose unscheduled - no schedule, so hb cannot tell when it is late: .*jobs\.loose/);
    assert.match(lines[2]!, /^WARNING stray unscheduled - /);
    assert.match(lines[3]!, /^OK a ok - /);
    // The check's own heartbeat, unscheduled too, leaves the answer as it was.
    assert.equal(hb(['check', '--format', 'nagios'], { env: s.env }).code, 1);

    const j = hb(['check', '--json'], { env: s.env });
    assert.equal(j.code, 0);
    const loose = JSON.parse(j.stdout).jobs.find((x: { job: string }) => x.job === 'loose');
    assert.deepEqual([loose.status, loose.problem, loose.schedule], ['unscheduled', false, null]);
    const p = hb(['check', '--format', 'prometheus'], { env: s.env });
    assert.equal(p.code, 0);
    assert.match(p.stdout, /^hb_job_status\{hb_job="loose",status="unscheduled"\} 1$/m);
    assert.match(p.stdout, /^hb_problem\{hb_job="loose"\} 0$/m);

    // Worse wins: a failed job makes it CRITICAL, the unscheduled ones stay WARNING lines below.
    hb(['tick', 'b', '--every', '1h', '--status', 'error'], { env: s.env });
    const crit = hb(['check', '--format', 'nagios'], { env: s.env });
    assert.equal(crit.code, 2);
    assert.match(crit.stdout, /^HB CRITICAL - 1 of 5 jobs unhealthy: b failed/);
    assert.match(crit.stdout, /^WARNING loose unscheduled - /m);
  } finally {
    s.cleanup();
  }
});

test('unscheduled: problem in the config makes a job without a schedule a problem: exit 1, Nagios CRITICAL, JSON problem', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    // hb-report only routes the report's sinks (docs/report.md): it needs no schedule, ever.
    writeFileSync(cfg, 'unscheduled: problem\njobs:\n  configured:\n    command: "true"\n  hb-report:\n    notify:\n      - command: "true"\n');
    const env = { ...s.env, HB_CONFIG: cfg };
    hb(['tick', 'loose'], { env });
    hb(['tick', 'a', '--every', '1h'], { env });
    const r = hb(['check'], { env });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^configured\s+UNSCHEDULED\s+no schedule, so hb cannot tell when it is late: .*jobs\.configured/m);
    assert.match(r.stdout, /^loose\s+UNSCHEDULED\s+/m);
    assert.match(r.stdout, /\n2 of 4 jobs unhealthy\n$/, 'counted as problems, not twice');
    assert.doesNotMatch(r.stdout, /hb-report/);
    // The meta-heartbeat's own heartbeat (no schedule) is still never judged.
    const again = hb(['check', '--json'], { env });
    assert.equal(again.code, 1);
    const jobs = Object.fromEntries(JSON.parse(again.stdout).jobs.map((j: { job: string }) => [j.job, j]));
    assert.deepEqual([jobs.loose.status, jobs.loose.problem], ['unscheduled', true]);
    assert.deepEqual([jobs['hb-check'].status, jobs['hb-check'].problem], ['unscheduled', false]);
    assert.deepEqual([jobs['hb-report'].status, jobs['hb-report'].problem], ['unscheduled', false]);
    assert.equal(JSON.parse(again.stdout).problems, 2);
    const n = hb(['check', '--format', 'nagios'], { env });
    assert.equal(n.code, 2);
    assert.match(n.stdout, /^HB CRITICAL - 2 of 5 jobs unhealthy: configured unscheduled, loose unscheduled \|/);
    assert.match(n.stdout, /^OK hb-report unscheduled - routes hb report --send to its sinks/m);

    writeFileSync(cfg, 'unscheduled: sometimes\n');
    const bad = hb(['check'], { env });
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      new RegExp(`${cfg.replace(/[.]/g, '\\.')}:1:14: unscheduled: expected warn or problem \\(what a job with no schedule is\\), found string "sometimes"`),
    );
  } finally {
    s.cleanup();
  }
});

test('--textfile writes every job for Prometheus while the text output still lists only what needs attention', () => {
  const s = sandbox();
  try {
    hb(['tick', 'fine', '--every', '1h'], { env: s.env });
    hb(['tick', 'broken', '--every', '1h', '--status', 'error'], { env: s.env });
    const prom = join(s.root, 'hb.prom');
    const r = hb(['check', '--textfile', prom], { env: s.env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^broken\s+FAILED\s+/m);
    assert.doesNotMatch(r.stdout, /^fine\s/m, 'a healthy job is not listed without --verbose');
    assert.match(r.stdout, /\n1 of 2 jobs unhealthy\n$/);
    const text = readFileSync(prom, 'utf8');
    assert.match(text, /^hb_job_status\{hb_job="fine",status="ok"\} 1$/m);
    assert.match(text, /^hb_job_status\{hb_job="broken",status="failed"\} 1$/m);
    const verbose = hb(['check', '--textfile', prom, '--verbose'], { env: s.env });
    assert.match(verbose.stdout, /^fine\s+OK\s+/m);
  } finally {
    s.cleanup();
  }
});

test('a check that neither notifies nor recovers is a look: it leaves hb-check.last alone, so a dead cron line of the acting check stays seen', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    assert.equal(hb(['tick', 'lookonly-job', '--every', '1h'], { env: s.env }).code, 0);
    const own = join(s.state, 'hb-check.last');
    const look = hb(['check', '--no-notify', '--no-recover'], { env: s.env });
    assert.equal(look.code, 0, look.stderr);
    assert.equal(existsSync(own), false, 'a look writes no hb-check.last');
    assert.equal(hb(['check', '--format', 'nagios', '--no-notify', '--no-recover'], { env: s.env }).code, 0);
    assert.equal(existsSync(own), false, 'nor does a Nagios look');
    // Either flag alone still leaves a check that acts: it records itself.
    assert.equal(hb(['check', '--no-recover'], { env: s.env }).code, 0);
    assert.ok(existsSync(own), 'a check that notifies records itself');
    const before = readFileSync(own, 'utf8');
    assert.equal(hb(['check', '--no-notify', '--no-recover'], { env: { ...s.env }, prefix: ['faketime', '-f', '+2h'] }).code, 1);
    assert.equal(readFileSync(own, 'utf8'), before, 'a later look leaves the recorded one as it was');
  } finally {
    s.cleanup();
  }
});
