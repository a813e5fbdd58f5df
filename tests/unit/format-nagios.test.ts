// renderNagios / renderNagiosError: plugin states, status line, perfdata grammar, long output.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderNagios, renderNagiosError } from '../../lib/rules/format/nagios.ts';
import { PROBLEM_STATUSES } from '../../lib/rules/health/types.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { CRON_DOWN, HOSTILE, LINE_GONE, NO_LOCK } from '../fixtures/evidence.ts';

const NOW = Date.parse('2026-11-20T09:00:00Z');
const ctx = { nowMs: NOW, host: 'web1' };
const iso = (ms: number): string => new Date(ms).toISOString();

// A JobHealth for an `every` job whose last run started `age_s` ago, consistent unless overridden.
function job(name: string, over: Partial<JobHealth> = {}): JobHealth {
  const status: JobStatus = over.status ?? 'ok';
  const age = over.age_s === undefined ? 600 : over.age_s;
  const period = over.period_s === undefined ? 3600 : over.period_s;
  const grace = over.grace_s === undefined ? 3600 : over.grace_s;
  const lastMs = NOW - (age ?? 0) * 1000;
  const last: HeartbeatRecord = {
    v: 1,
    job: name,
    host: 'web1',
    status: status === 'failed' ? 'error' : 'ok',
    exit_code: status === 'failed' ? 1 : 0,
    signal: null,
    started_at: iso(lastMs),
    finished_at: iso(lastMs + 1500),
    duration_ms: 1500,
    cycle: 7,
    action: null,
    message: null,
    schedule: { every: '1h' },
    grace_s: grace,
    output_tail: null,
    pid: 4242,
    hb_version: '0.1.0',
  };
  return {
    job: name,
    status,
    problem: PROBLEM_STATUSES.has(status),
    reason: `${name} is ${status}`,
    age_s: age,
    period_s: period,
    grace_s: grace,
    ratio: period && age !== null ? age / period : null,
    due: period === null ? null : iso(lastMs + period * 1000),
    deadline: period === null ? null : iso(lastMs + (period + (grace ?? 0)) * 1000),
    schedule: period === null ? null : { every: '1h' },
    schedule_source: period === null ? null : 'heartbeat',
    last_success_at: status === 'failed' ? null : iso(lastMs),
    last,
    running: null,
    file: `/state/${name}.last`,
    evidence: [],
    root_cause: null,
    ...over,
  };
}

const firstLine = (text: string): string => text.split('\n')[0]!;
const perf = (text: string): string => firstLine(text).split(' | ')[1]!;

describe('renderNagios', () => {
  it('says OK with a count when every job is healthy', () => {
    const r = renderNagios([job('a'), job('b'), job('c')], ctx);
    assert.equal(r.exitCode, 0);
    assert.match(firstLine(r.text), /^HB OK - 3 jobs healthy \| 'jobs'=3;;;0 'problems'=0;;;0 /);
  });

  it('answers OK for an empty job list, with perfdata and nothing else', () => {
    const r = renderNagios([], ctx);
    assert.deepEqual(r, { text: "HB OK - no jobs to check | 'jobs'=0;;;0 'problems'=0;;;0\n", exitCode: 0 });
  });

  it('writes the status line of the contract for a stale and a failed job', () => {
    const jobs = [
      job('backup', { status: 'stale', age_s: 3 * 3600, period_s: 3600, grace_s: 3600 }),
      job('sync', { status: 'failed' }),
      ...'abcdefghij'.split('').map((n) => job(n)),
    ];
    const r = renderNagios(jobs, ctx);
    assert.equal(r.exitCode, 2);
    // backup's last run was 3h ago with period 1h: due 2h ago.
    assert.equal(firstLine(r.text).split(' | ')[0], 'HB CRITICAL - 2 of 12 jobs unhealthy: backup stale (due 2h ago), sync failed (exit 1)');
  });

  for (const status of [...PROBLEM_STATUSES]) {
    it(`is CRITICAL (2) for a ${status} job and names it`, () => {
      const r = renderNagios([job('ok1'), job('x', { status })], ctx);
      assert.equal(r.exitCode, 2);
      assert.match(firstLine(r.text), new RegExp(`^HB CRITICAL - 1 of 2 jobs unhealthy: x ${status}[ (]`));
      assert.match(r.text.split('\n')[1]!, new RegExp(`^CRITICAL x ${status} - x is ${status}$`));
    });
  }

  for (const status of ['ok', 'running', 'paused'] as const) {
    it(`is OK (0) for a ${status} job`, () => {
      const r = renderNagios([job('x', { status })], ctx);
      assert.equal(r.exitCode, 0);
      assert.match(firstLine(r.text), /^HB OK - 1 job healthy \| /);
    });
  }

  const unscheduled = (name: string, over: Partial<JobHealth> = {}) =>
    job(name, { status: 'unscheduled', period_s: null, grace_s: null, reason: `no schedule, so hb cannot tell when it is late: fix ${name}`, ...over });

  it('is WARNING (1) for a job without a schedule, naming it, when nothing is worse', () => {
    const r = renderNagios([job('a'), unscheduled('nightly'), job('b')], ctx);
    assert.equal(r.exitCode, 1);
    assert.equal(firstLine(r.text).split(' | ')[0], 'HB WARNING - 1 of 3 jobs without a schedule (hb cannot tell when it is late): nightly');
    assert.equal(r.text.split('\n')[1], 'WARNING nightly unscheduled - no schedule, so hb cannot tell when it is late: fix nightly');
    const two = renderNagios([unscheduled('y'), unscheduled('x')], ctx);
    assert.equal(firstLine(two.text).split(' | ')[0], 'HB WARNING - 2 of 2 jobs without a schedule (hb cannot tell when they are late): x, y');
  });

  it('names late jobs and jobs without a schedule together on a WARNING line', () => {
    const r = renderNagios([job('slow', { status: 'late', age_s: 3900 }), unscheduled('loose')], ctx);
    assert.equal(r.exitCode, 1);
    assert.equal(
      firstLine(r.text).split(' | ')[0],
      'HB WARNING - 1 of 2 jobs late: slow late (due 5m ago); 1 of 2 jobs without a schedule (hb cannot tell when it is late): loose',
    );
  });

  it('stays CRITICAL beside a job without a schedule, which is a WARNING line below', () => {
    const r = renderNagios([unscheduled('loose'), job('dead', { status: 'crashed' })], ctx);
    assert.equal(r.exitCode, 2);
    assert.match(firstLine(r.text), /^HB CRITICAL - 1 of 2 jobs unhealthy: dead crashed /);
    assert.deepEqual(
      r.text
        .split('\n')
        .slice(1, 3)
        .map((l) => l.split(' ').slice(0, 3).join(' ')),
      ['CRITICAL dead crashed', 'WARNING loose unscheduled'],
    );
  });

  it('is CRITICAL for a job without a schedule that the config made a problem (unscheduled: problem)', () => {
    const r = renderNagios([job('a'), unscheduled('loose', { problem: true })], ctx);
    assert.equal(r.exitCode, 2);
    assert.match(firstLine(r.text), /^HB CRITICAL - 1 of 2 jobs unhealthy: loose unscheduled \| /);
  });

  it('is OK while only the meta-heartbeat has no schedule: it is shown, never judged', () => {
    const r = renderNagios([job('a'), unscheduled('hb-check')], ctx);
    assert.equal(r.exitCode, 0);
    assert.match(firstLine(r.text), /^HB OK - 2 jobs healthy \| /);
    assert.match(r.text.split('\n')[2]!, /^OK hb-check unscheduled - /);
  });

  it('is WARNING (1) when a job is late and nothing is critical', () => {
    const r = renderNagios([job('a'), job('slow', { status: 'late', age_s: 3900 })], ctx);
    assert.equal(r.exitCode, 1);
    assert.match(firstLine(r.text), /^HB WARNING - 1 of 2 jobs late: slow late \(due 5m ago\) \| /);
  });

  const outcome = (name: string, status: JobStatus, reason: string, over: Partial<JobHealth> = {}): JobHealth => {
    const base = job(name, { status });
    return { ...base, last: { ...base.last!, outcome: status === 'failed' ? 'failed' : (status as 'warning'), reason }, ...over };
  };

  it('is WARNING (1) for a run that succeeded with a warning, its reason on the status line and in the long output', () => {
    const w = outcome('sync', 'warning', 'exit 24 is in warn_codes', { reason: 'last run 10m ago succeeded with a warning: exit 24 is in warn_codes' });
    const r = renderNagios([job('a'), w], ctx);
    assert.equal(r.exitCode, 1);
    assert.equal(firstLine(r.text).split(' | ')[0], 'HB WARNING - 1 of 2 jobs warned: sync warning (exit 24 is in warn_codes)');
    assert.equal(r.text.split('\n')[1], 'WARNING sync warning - last run 10m ago succeeded with a warning: exit 24 is in warn_codes');
  });

  it('is WARNING (1) for a failure still within tolerate: {failed_runs}, CRITICAL once it is a problem', () => {
    const reason = 'last run failed, 10m ago: ERROR: db unreachable (1 of 2 failed runs in a row tolerated)';
    const t = outcome('dump', 'failed', 'ERROR: db unreachable', { problem: false, reason });
    const r = renderNagios([t, job('a')], ctx);
    assert.equal(r.exitCode, 1);
    assert.equal(firstLine(r.text).split(' | ')[0], 'HB WARNING - 1 of 2 jobs failed within tolerance: dump failed (ERROR: db unreachable)');
    assert.equal(r.text.split('\n')[1], `WARNING dump failed - ${reason}`);
    assert.equal(renderNagios([{ ...t, problem: true }], ctx).exitCode, 2);
  });

  it('is CRITICAL (2) for a suspicious or a slow run, with the reason the run recorded', () => {
    for (const status of ['suspicious', 'slow'] as const) {
      const j = outcome('backup', status, 'took 10ms; usually 2s–2.4s', { reason: `last run 10m ago was ${status}: took 10ms; usually 2s–2.4s` });
      const r = renderNagios([j], ctx);
      assert.equal(r.exitCode, 2);
      assert.equal(firstLine(r.text).split(' | ')[0], `HB CRITICAL - 1 of 1 job unhealthy: backup ${status} (took 10ms; usually 2s–2.4s)`);
      assert.equal(r.text.split('\n')[1], `CRITICAL backup ${status} - last run 10m ago was ${status}: took 10ms; usually 2s–2.4s`);
    }
  });

  it('stays CRITICAL when a late job sits beside a problem, listing the late one only below', () => {
    const r = renderNagios([job('slow', { status: 'late' }), job('dead', { status: 'crashed' })], ctx);
    assert.equal(r.exitCode, 2);
    assert.doesNotMatch(firstLine(r.text).split(' | ')[0]!, /slow/);
    assert.deepEqual(
      r.text
        .split('\n')
        .slice(1, 3)
        .map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['CRITICAL dead', 'WARNING slow'],
    );
  });

  it('puts problems first in the long output, one line per job, sorted by name within a state', () => {
    const r = renderNagios([job('b'), job('z', { status: 'never' }), job('a'), job('c', { status: 'stale' })], ctx);
    const lines = r.text.trimEnd().split('\n').slice(1);
    assert.deepEqual(
      lines.map((l) => l.split(' ')[1]),
      ['c', 'z', 'a', 'b'],
    );
  });

  it('names details from the record: signal, timeout, overrun, crash start, clock skew', () => {
    const started = iso(NOW - 2 * 3600_000);
    const marker = { job: 'x', pid: 1, started_at: started, host: 'h', cycle: 3, boot_id: null, pid_started_ms: null };
    const cases: Array<[JobHealth, string]> = [
      [job('k', { status: 'failed', last: { ...job('k').last!, status: 'error', exit_code: null, signal: 'SIGKILL' } }), 'k failed (signal SIGKILL)'],
      [job('t', { status: 'failed', last: { ...job('t').last!, status: 'error', exit_code: 124, timed_out: true } }), 't failed (timed out)'],
      [job('o', { status: 'overrunning', running: marker }), 'o overrunning (running 2h)'],
      [job('c', { status: 'crashed', running: marker }), 'c crashed (started 2h ago)'],
      [job('s', { status: 'clock_skew', age_s: -300 }), 's clock_skew (heartbeat 5m in the future)'],
      [job('n', { status: 'never', age_s: null, last: null }), 'n never (no heartbeat)'],
    ];
    for (const [j, expected] of cases) {
      assert.equal(firstLine(renderNagios([j], ctx).text).split(' | ')[0], `HB CRITICAL - 1 of 1 job unhealthy: ${expected}`);
    }
  });

  it('caps the status line at five names', () => {
    const jobs = 'abcdefg'.split('').map((n) => job(n, { status: 'never', age_s: null, last: null }));
    assert.match(firstLine(renderNagios(jobs, ctx).text), /: a never \(no heartbeat\), .*e never \(no heartbeat\), and 2 more \| /);
  });

  it('writes age perfdata with warn = due age and crit = deadline age, U when unknown', () => {
    const cron = job('nightly', {
      age_s: 3600,
      period_s: 86400,
      grace_s: 1800,
      // Last run 08:00, next fire 02:30 tomorrow: due age 18.5h, not the 24h period.
      due: '2026-11-21T02:30:00.000Z',
      deadline: '2026-11-21T03:00:00.000Z',
      schedule: { cron: '30 2 * * *', tz: 'UTC' },
    });
    const loose = job('loose', { status: 'unscheduled', period_s: null, grace_s: null, age_s: 12.25 });
    const never = job('ghost', { status: 'never', age_s: null, last: null });
    const r = renderNagios([job('backup', { age_s: 3600 }), cron, loose, never], ctx);
    assert.equal(
      perf(r.text),
      "'jobs'=4;;;0 'problems'=1;;;0 'backup_age'=3600s;3600;7200;0 'ghost_age'=U;3600;7200;0 " + "'loose_age'=12.25s;;;0 'nightly_age'=3600s;66600;68400;0",
    );
  });

  it('keeps every perfdata token in the plugin grammar', () => {
    const r = renderNagios([job('a.b-c_1'), job('x', { status: 'stale', age_s: 7300.1234 })], ctx);
    for (const token of perf(r.text).split(' ')) {
      assert.match(token, /^'[^'=]+'=(-?[0-9.]+[a-zA-Z%]*|U);[0-9.]*;[0-9.]*;[0-9.]*;?[0-9.]*$/, token);
    }
  });

  it('keeps whatever a reason holds from breaking the format', () => {
    const evil = "line1\nHB OK - fake | 'x'=1\r\n\ttab\u0000nul\u2028ls 'quoted' \"dq\" back\\slash";
    const jobs = [job('c', { status: 'corrupt', reason: evil, last: null }), job('f', { status: 'failed', reason: evil }), job('o', { reason: evil })];
    const r = renderNagios(jobs, ctx);
    const lines = r.text.split('\n');
    assert.equal(lines.length, 1 + jobs.length + 1, 'one line per job plus the status line and a final newline');
    assert.equal(lines.at(-1), '');
    assert.equal(firstLine(r.text).split('|').length, 2, 'exactly one pipe on the status line');
    for (const line of lines.slice(1)) assert.doesNotMatch(line, /[|\u0000-\u001f\u2028]/);
    assert.match(firstLine(r.text), /c corrupt \(line1 HB OK - fake \/ 'x'=1 tab nul ls/);
  });

  it("puts a problem job's likely cause in the long output under its line, never a late job's, never a ruled-out cause", () => {
    const jobs = [
      job('backup', { status: 'stale', age_s: 3 * 3600, evidence: [LINE_GONE, NO_LOCK, CRON_DOWN] }),
      job('sync', { status: 'late', age_s: 4000, evidence: [CRON_DOWN] }),
    ];
    const lines = renderNagios(jobs, ctx).text.split('\n');
    assert.equal(lines[1], 'CRITICAL backup stale - backup is stale');
    assert.equal(lines[2], `  likely: ${CRON_DOWN.text}; also: ${LINE_GONE.text}`);
    assert.equal(lines[3], 'WARNING sync late - sync is late');
    assert.equal(lines.length, 5);
  });

  it('keeps a hostile cause line to one line with no pipe and no control character', () => {
    const lines = renderNagios([job('backup', { status: 'stale', evidence: [HOSTILE] })], ctx).text.split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^ {2}likely: cron said {2}\[2J<b>\*boom\*<\/b> \/ @ops invoice\\u202etxt\.exe next line$/);
    assert.doesNotMatch(lines[2]!, /[|\u0000-\u001f\u202e]/);
  });

  it('does not reorder or change the jobs it was given', () => {
    const jobs = [job('b'), job('a', { status: 'stale' })];
    const copy = structuredClone(jobs);
    renderNagios(jobs, ctx);
    assert.deepEqual(jobs, copy);
  });
});

describe('renderNagiosError', () => {
  it('answers UNKNOWN (3) on one line', () => {
    assert.deepEqual(renderNagiosError('hb.yaml:3:5: jobs.x.every: "soon" is not a duration'), {
      text: 'HB UNKNOWN - hb.yaml:3:5: jobs.x.every: "soon" is not a duration\n',
      exitCode: 3,
    });
  });

  it('flattens a multi-line message and keeps pipes out', () => {
    const r = renderNagiosError('a.yaml:1: bad\na.yaml:2: worse | really');
    assert.equal(r.text, 'HB UNKNOWN - a.yaml:1: bad a.yaml:2: worse / really\n');
  });
});
