// renderPrometheus: exposition grammar, families, omitted unknowns, escaping; writeTextfile.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_OUTCOMES, ALL_STATUSES, escapeLabel, formatValue, prometheusParts, renderPrometheus } from '../../lib/rules/format/prometheus.ts';
import { inPieces } from '../../lib/rules/format/pieces.ts';
import { writeTextfile } from '../../lib/adapters/format/textfile.ts';
import { PROBLEM_STATUSES } from '../../lib/rules/health/types.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import type { RunOutcome } from '../../lib/rules/outcome/types.ts';

const NOW = Date.parse('2026-11-20T09:00:00Z');
const ctx = { nowMs: NOW, host: 'web1' };
const iso = (ms: number): string => new Date(ms).toISOString();

// A JobHealth for an `every: 1h` job whose last run started 10 minutes ago, unless overridden.
function job(name: string, status: JobStatus = 'ok', over: Partial<JobHealth> = {}): JobHealth {
  const lastMs = NOW - 600_000;
  return {
    job: name,
    status,
    problem: PROBLEM_STATUSES.has(status),
    reason: `${name} is ${status}`,
    age_s: 600,
    period_s: 3600,
    grace_s: 1800,
    ratio: 0.167,
    due: iso(lastMs + 3600_000),
    deadline: iso(lastMs + 5400_000),
    schedule: { every: '1h' },
    schedule_source: 'heartbeat',
    last_success_at: iso(lastMs - 3600_000),
    last: {
      v: 1,
      job: name,
      host: 'web1',
      status: status === 'failed' ? 'error' : 'ok',
      exit_code: status === 'failed' ? 3 : 0,
      signal: null,
      started_at: iso(lastMs),
      finished_at: iso(lastMs + 2500),
      duration_ms: 2500,
      cycle: 41,
      action: null,
      message: null,
      schedule: { every: '1h' },
      grace_s: 1800,
      output_tail: null,
      pid: 77,
      hb_version: '0.1.0',
    },
    running: null,
    file: `/state/${name}.last`,
    evidence: [],
    root_cause: null,
    ...over,
  };
}

interface Parsed {
  families: Map<string, { help: string; type: string; samples: Map<string, number> }>;
}

// A strict reader of the subset we emit: HELP then TYPE then samples, families contiguous.
function parse(text: string): Parsed {
  assert.ok(text.endsWith('\n'), 'final newline');
  const families: Parsed['families'] = new Map();
  let current = '';
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-z_:][a-z0-9_:]*) (.+)$/.exec(line);
    const type = /^# TYPE ([a-z_:][a-z0-9_:]*) (gauge|counter)$/.exec(line);
    const sample = /^([a-z_:][a-z0-9_:]*)(\{(?:[a-z_]+="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/.exec(line);
    if (help) {
      assert.ok(!families.has(help[1]!), `family ${help[1]} appears once`);
      families.set(help[1]!, { help: help[2]!, type: '', samples: new Map() });
      current = help[1]!;
    } else if (type) {
      assert.equal(type[1], current, 'TYPE follows its HELP');
      families.get(current)!.type = type[2]!;
    } else if (sample) {
      assert.equal(sample[1], current, `sample ${line} inside its family`);
      const f = families.get(current)!;
      assert.notEqual(f.type, '', 'TYPE before samples');
      const key = sample[2] ?? '';
      assert.ok(!f.samples.has(key), `no duplicate series: ${line}`);
      assert.ok(/^(-?[0-9.]+(e[+-]?\d+)?|NaN|[+-]Inf)$/.test(sample[3]!), `value only, no timestamp: ${line}`);
      f.samples.set(key, Number(sample[3]));
    } else {
      assert.fail(`not an exposition line: ${JSON.stringify(line)}`);
    }
  }
  return { families };
}

const value = (p: Parsed, family: string, labels = ''): number | undefined => p.families.get(family)?.samples.get(labels);

// One job in every status, as `hb check` could see them.
function everyStatus(): JobHealth[] {
  return ALL_STATUSES.map((s) =>
    s === 'never'
      ? job(`j-${s}`, s, { age_s: null, ratio: null, last: null, last_success_at: null, due: null, deadline: null })
      : s === 'unscheduled'
        ? job(`j-${s}`, s, { period_s: null, grace_s: null, ratio: null, due: null, deadline: null, schedule: null, schedule_source: null })
        : job(`j-${s}`, s),
  );
}

const FAMILIES = [
  'hb_check_timestamp_seconds',
  'hb_jobs',
  'hb_problems',
  'hb_job_healthy',
  'hb_problem',
  'hb_job_status',
  'hb_job_info',
  'hb_job_reason_info',
  'hb_last_run_timestamp_seconds',
  'hb_last_success_timestamp_seconds',
  'hb_last_duration_seconds',
  'hb_last_exit_code',
  'hb_age_seconds',
  'hb_period_seconds',
  'hb_grace_seconds',
  'hb_due_timestamp_seconds',
  'hb_deadline_timestamp_seconds',
  'hb_run_cycle',
  'hb_running',
  'hb_last_run_outcome',
  'hb_failed_runs_in_a_row',
];

describe('renderPrometheus', () => {
  it('writes every family as a gauge with help, in a stable order', () => {
    const p = parse(renderPrometheus(everyStatus(), ctx));
    assert.deepEqual([...p.families.keys()], FAMILIES);
    for (const [name, f] of p.families) {
      assert.equal(f.type, 'gauge', name);
      assert.ok(!name.endsWith('_total'), `${name}: only counters end in _total`);
    }
  });

  it('writes the totals and the check time', () => {
    const p = parse(renderPrometheus(everyStatus(), ctx));
    assert.equal(value(p, 'hb_check_timestamp_seconds'), NOW / 1000);
    assert.equal(value(p, 'hb_jobs'), ALL_STATUSES.length);
    assert.equal(value(p, 'hb_problems'), PROBLEM_STATUSES.size);
  });

  it('one-hot encodes every status for every job', () => {
    const p = parse(renderPrometheus(everyStatus(), ctx));
    for (const s of ALL_STATUSES) {
      for (const other of ALL_STATUSES) {
        assert.equal(value(p, 'hb_job_status', `{hb_job="j-${s}",status="${other}"}`), s === other ? 1 : 0);
      }
      const problem = PROBLEM_STATUSES.has(s) ? 1 : 0;
      assert.equal(value(p, 'hb_problem', `{hb_job="j-${s}"}`), problem, s);
      assert.equal(value(p, 'hb_job_healthy', `{hb_job="j-${s}"}`), 1 - problem, s);
    }
  });

  it('one-hot encodes the last run outcome, and counts the failed runs in a row it ends', () => {
    const base = job('b', 'ok');
    const cases: Array<[JobHealth, RunOutcome | null, number | null]> = [
      [{ ...base, last: { ...base.last!, outcome: 'warning', reason: 'exit 24 is in warn_codes' } }, 'warning', 0],
      [{ ...base, status: 'suspicious', last: { ...base.last!, outcome: 'suspicious', reason: 'took 10ms' } }, 'suspicious', 0],
      [{ ...base, status: 'slow', last: { ...base.last!, outcome: 'slow', reason: 'took 1h' } }, 'slow', 0],
      [{ ...base, status: 'failed', last: { ...base.last!, status: 'error', outcome: 'failed', reason: null, failed_streak: 3 } }, 'failed', 3],
      // A record from before outcomes: its status speaks, and a failure counts once.
      [{ ...base, status: 'failed', last: { ...base.last!, status: 'error' } }, 'failed', 1],
      [base, 'ok', 0],
      [{ ...base, status: 'never', last: null }, null, null],
    ];
    for (const [j, outcome, streak] of cases) {
      const text = renderPrometheus([j], ctx);
      const p = parse(text);
      const samples = text.split('\n').filter((l) => l.startsWith('hb_last_run_outcome{'));
      if (outcome === null) assert.deepEqual(samples, [], 'no run, no outcome');
      else {
        assert.deepEqual(
          samples,
          ALL_OUTCOMES.map((o) => `hb_last_run_outcome{hb_job="b",outcome="${o}"} ${o === outcome ? 1 : 0}`),
        );
      }
      assert.equal(value(p, 'hb_failed_runs_in_a_row', '{hb_job="b"}'), streak ?? undefined, `${outcome}: ${text}`);
      assert.doesNotMatch(text, /exit 24|took 10ms|took 1h/, 'no reason in the metrics');
    }
    assert.deepEqual(ALL_OUTCOMES, ['ok', 'warning', 'slow', 'suspicious', 'failed']);
  });

  it('writes the per-job values in seconds', () => {
    const p = parse(renderPrometheus([job('backup', 'failed')], ctx));
    const l = '{hb_job="backup"}';
    assert.equal(value(p, 'hb_last_run_timestamp_seconds', l), (NOW - 600_000) / 1000);
    assert.equal(value(p, 'hb_last_success_timestamp_seconds', l), (NOW - 4_200_000) / 1000);
    assert.equal(value(p, 'hb_last_duration_seconds', l), 2.5);
    assert.equal(value(p, 'hb_last_exit_code', l), 3);
    assert.equal(value(p, 'hb_age_seconds', l), 600);
    assert.equal(value(p, 'hb_period_seconds', l), 3600);
    assert.equal(value(p, 'hb_grace_seconds', l), 1800);
    assert.equal(value(p, 'hb_due_timestamp_seconds', l), (NOW + 3_000_000) / 1000);
    assert.equal(value(p, 'hb_deadline_timestamp_seconds', l), (NOW + 4_800_000) / 1000);
    assert.equal(value(p, 'hb_run_cycle', l), 41);
    assert.equal(value(p, 'hb_running', l), 0);
    assert.equal(value(p, 'hb_job_info', '{hb_job="backup",schedule="every 1h",tz="",schedule_source="heartbeat"}'), 1);
  });

  it('omits unknown values instead of writing NaN or +Inf', () => {
    const text = renderPrometheus(everyStatus(), ctx);
    assert.doesNotMatch(text, /NaN|Inf/);
    const p = parse(text);
    for (const f of [
      'hb_last_run_timestamp_seconds',
      'hb_last_success_timestamp_seconds',
      'hb_last_duration_seconds',
      'hb_last_exit_code',
      'hb_age_seconds',
      'hb_run_cycle',
      'hb_due_timestamp_seconds',
    ]) {
      assert.equal(value(p, f, '{hb_job="j-never"}'), undefined, f);
    }
    for (const f of ['hb_period_seconds', 'hb_grace_seconds', 'hb_deadline_timestamp_seconds']) {
      assert.equal(value(p, f, '{hb_job="j-unscheduled"}'), undefined, f);
    }
    const failed = parse(renderPrometheus([job('s', 'failed', { last_success_at: null })], ctx));
    assert.equal(value(failed, 'hb_last_success_timestamp_seconds', '{hb_job="s"}'), undefined);
    const signalled = job('k', 'failed');
    signalled.last = { ...signalled.last!, exit_code: null, signal: 'SIGKILL' };
    assert.equal(value(parse(renderPrometheus([signalled], ctx)), 'hb_last_exit_code', '{hb_job="k"}'), undefined);
    const infinite = job('i', 'ok', { grace_s: Infinity, age_s: -Infinity });
    infinite.last = { ...infinite.last!, exit_code: Infinity, duration_ms: NaN };
    const p2 = parse(renderPrometheus([infinite], ctx));
    assert.doesNotMatch(renderPrometheus([infinite], ctx), /NaN|Inf/);
    for (const f of ['hb_grace_seconds', 'hb_age_seconds', 'hb_last_exit_code', 'hb_last_duration_seconds']) {
      assert.equal(value(p2, f, '{hb_job="i"}'), undefined, `${f}: an infinite value is absent, not +Inf`);
    }
  });

  it('takes a touched heartbeat time from the age when there is no record', () => {
    const p = parse(renderPrometheus([job('t', 'ok', { last: null, age_s: 90 })], ctx));
    assert.equal(value(p, 'hb_last_run_timestamp_seconds', '{hb_job="t"}'), (NOW - 90_000) / 1000);
    assert.equal(value(p, 'hb_last_duration_seconds', '{hb_job="t"}'), undefined);
  });

  it('marks a live run as running and a crashed one as not', () => {
    const marker = { job: 'x', pid: 1, started_at: iso(NOW), host: 'h', cycle: 3, boot_id: null, pid_started_ms: null };
    const p = parse(renderPrometheus([job('a', 'running', { running: marker }), job('b', 'crashed', { running: marker })], ctx));
    assert.equal(value(p, 'hb_running', '{hb_job="a"}'), 1);
    assert.equal(value(p, 'hb_running', '{hb_job="b"}'), 0);
  });

  it('labels the job hb_job, never job', () => {
    const text = renderPrometheus(everyStatus(), ctx);
    assert.doesNotMatch(text, /[{,]job=/);
    assert.match(text, /^hb_last_success_timestamp_seconds\{hb_job="j-ok"\} \d+$/m);
  });

  it('sorts jobs by name whatever the input order', () => {
    const names = ['zeta', 'Alpha', 'beta.2', 'beta-1', '0day'];
    const text = renderPrometheus(
      names.map((n) => job(n)),
      ctx,
    );
    const seen = [...text.matchAll(/^hb_problem\{hb_job="([^"]+)"\}/gm)].map((m) => m[1]);
    assert.deepEqual(seen, ['0day', 'Alpha', 'beta-1', 'beta.2', 'zeta']);
    assert.equal(
      renderPrometheus(
        [...names].reverse().map((n) => job(n)),
        ctx,
      ),
      text,
    );
  });

  it('writes one series per job when a job is seen twice, keeping the problem', () => {
    const p = parse(renderPrometheus([job('dup'), job('dup', 'stale'), job('dup')], ctx));
    assert.equal(value(p, 'hb_jobs'), 1);
    assert.equal(value(p, 'hb_problem', '{hb_job="dup"}'), 1);
  });

  it('writes valid text for an empty job list', () => {
    const p = parse(renderPrometheus([], ctx));
    assert.deepEqual([...p.families.keys()], FAMILIES);
    assert.equal(value(p, 'hb_jobs'), 0);
    assert.equal(value(p, 'hb_problems'), 0);
  });

  it('keeps reasons, messages and output out of the metrics, so they cannot break them', () => {
    const evil = 'x"} 1\nhb_jobs{a="b"} 99\\\n# TYPE hb_jobs counter';
    const plain = job('backup', 'corrupt');
    const dirty = job('backup', 'corrupt', { reason: evil, file: evil });
    dirty.last = { ...dirty.last!, message: evil, action: evil, output_tail: evil, host: evil };
    assert.equal(renderPrometheus([dirty], ctx), renderPrometheus([plain], ctx));
  });

  it('escapes label values that come from schedules', () => {
    const j = job('nightly', 'ok', { schedule: { cron: '30 2 * * *', tz: 'Eu"rope\\Ber\nlin' }, schedule_source: 'crontab' });
    const text = renderPrometheus([j], ctx);
    assert.match(text, /^hb_job_info\{hb_job="nightly",schedule="cron 30 2 \* \* \*",tz="Eu\\"rope\\\\Ber\\nlin",schedule_source="crontab"\} 1$/m);
    parse(text);
  });
});

describe('prometheusParts', () => {
  const nightly = job('nightly', 'failed', {
    period_s: 86400,
    grace_s: 1800,
    due: iso(NOW + 85_800_000),
    deadline: iso(NOW + 87_600_000),
    schedule: { cron: '30 2 * * *', tz: 'Eu"rope' },
    schedule_source: 'crontab',
  });
  const backup = job('backup', 'running', {
    age_s: null,
    period_s: null,
    grace_s: null,
    due: null,
    deadline: null,
    last: null,
    last_success_at: null,
    running: { pid: 9 } as JobHealth['running'],
  });
  const full = { ...ctx, notifications: { pending: 1, failed: 0 }, untrusted: [{ dir: '/tmp/x', why: 'other users can write it', fix: 'chmod o-w /tmp/x' }] };

  it('writes exactly these samples, in this order, for a known pair of jobs', () => {
    const samples = renderPrometheus([nightly, backup], full)
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('hb_job_status') && !l.startsWith('hb_last_run_outcome'));
    assert.deepEqual(samples, [
      `hb_check_timestamp_seconds ${NOW / 1000}`,
      'hb_jobs 2',
      'hb_problems 1',
      'hb_notifications_pending 1',
      'hb_notifications_failed 0',
      'hb_state_dir_untrusted{dir="/tmp/x"} 1',
      'hb_job_healthy{hb_job="backup"} 1',
      'hb_job_healthy{hb_job="nightly"} 0',
      'hb_problem{hb_job="backup"} 0',
      'hb_problem{hb_job="nightly"} 1',
      'hb_job_info{hb_job="backup",schedule="every 1h",tz="",schedule_source="heartbeat"} 1',
      'hb_job_info{hb_job="nightly",schedule="cron 30 2 * * *",tz="Eu\\"rope",schedule_source="crontab"} 1',
      'hb_job_reason_info{hb_job="backup",reason_class="none"} 1',
      'hb_job_reason_info{hb_job="nightly",reason_class="exit_code"} 1',
      `hb_last_run_timestamp_seconds{hb_job="nightly"} ${(NOW - 600_000) / 1000}`,
      `hb_last_success_timestamp_seconds{hb_job="nightly"} ${(NOW - 4_200_000) / 1000}`,
      'hb_last_duration_seconds{hb_job="nightly"} 2.5',
      'hb_last_exit_code{hb_job="nightly"} 3',
      'hb_age_seconds{hb_job="nightly"} 600',
      'hb_period_seconds{hb_job="nightly"} 86400',
      'hb_grace_seconds{hb_job="nightly"} 1800',
      `hb_due_timestamp_seconds{hb_job="nightly"} ${(NOW + 85_800_000) / 1000}`,
      `hb_deadline_timestamp_seconds{hb_job="nightly"} ${(NOW + 87_600_000) / 1000}`,
      'hb_run_cycle{hb_job="nightly"} 41',
      'hb_running{hb_job="backup"} 1',
      'hb_running{hb_job="nightly"} 0',
      'hb_failed_runs_in_a_row{hb_job="nightly"} 1',
    ]);
    const status = renderPrometheus([nightly, backup], full)
      .split('\n')
      .filter((l) => l.startsWith('hb_job_status{'));
    assert.deepEqual(status, [
      ...ALL_STATUSES.map((s) => `hb_job_status{hb_job="backup",status="${s}"} ${s === 'running' ? 1 : 0}`),
      ...ALL_STATUSES.map((s) => `hb_job_status{hb_job="nightly",status="${s}"} ${s === 'failed' ? 1 : 0}`),
    ]);
  });

  it('gives the same text as renderPrometheus a part at a time: a family header, then one part per job', () => {
    const jobs = Array.from({ length: 30 }, (_, i) => job(`j${String(i).padStart(2, '0')}`, ALL_STATUSES[i % ALL_STATUSES.length]));
    const parts = [...prometheusParts(jobs, full)];
    assert.equal(parts.join(''), renderPrometheus(jobs, full));
    assert.equal([...inPieces(parts, 1000)].join(''), renderPrometheus(jobs, full));
    // Each family of the jobs: its header, then at most one part per job (none for an unknown value).
    const status = parts.findIndex((p) => p.startsWith('# HELP hb_job_status '));
    assert.ok(status > 0);
    assert.equal(parts.slice(status + 1, status + 1 + jobs.length).filter((p) => p.startsWith('hb_job_status{')).length, jobs.length);
  });
});

describe('escapeLabel and formatValue', () => {
  it('escapes backslash, quote and newline, and nothing else', () => {
    assert.equal(escapeLabel('a"b\\c\nd\te'), 'a\\"b\\\\c\\nd\te');
  });

  it('spells the special floats the way the text format does', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 1.5, -2, 0].map(formatValue), ['NaN', '+Inf', '-Inf', '1.5', '-2', '0']);
  });
});

describe('writeTextfile', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'hb-textfile-'));

  it('replaces the file, readable by others, and leaves nothing else', () => {
    const d = dir();
    try {
      writeFileSync(join(d, 'hb.prom'), 'old\n');
      writeTextfile(join(d, 'hb.prom'), 'hb_jobs 1\n');
      assert.equal(readFileSync(join(d, 'hb.prom'), 'utf8'), 'hb_jobs 1\n');
      assert.equal(statSync(join(d, 'hb.prom')).mode & 0o777, 0o644);
      assert.deepEqual(readdirSync(d), ['hb.prom']);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('writes text given in pieces whole, in order', () => {
    const d = dir();
    try {
      const pieces = Array.from({ length: 50 }, (_, i) => `hb_jobs{n="${i}"} ${i}\n`);
      writeTextfile(join(d, 'hb.prom'), pieces);
      assert.equal(readFileSync(join(d, 'hb.prom'), 'utf8'), pieces.join(''));
      assert.deepEqual(readdirSync(d), ['hb.prom']);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses a name that does not end in .prom, naming the path and creating nothing', () => {
    const d = dir();
    try {
      for (const name of ['hb.txt', 'hb.prom.tmp', 'hb', '.prom']) {
        const target = join(d, name);
        assert.throws(
          () => writeTextfile(target, 'x\n'),
          (e: Error) => {
            assert.ok(e.message.includes(target), e.message);
            assert.match(e.message, /must end in \.prom/);
            return true;
          },
        );
      }
      assert.deepEqual(readdirSync(d), []);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses a directory or a link under the name before writing anything, and names the path', () => {
    const d = dir();
    try {
      mkdirSync(join(d, 'busy.prom'));
      writeFileSync(join(d, 'busy.prom', 'keep'), '');
      assert.throws(
        () => writeTextfile(join(d, 'busy.prom'), 'x\n'),
        /^UsageError: .*busy\.prom: is a directory, not a regular file; hb writes only a new file or over a regular one$/,
      );
      symlinkSync(join(d, 'busy.prom', 'keep'), join(d, 'link.prom'));
      assert.throws(
        () => writeTextfile(join(d, 'link.prom'), 'x\n'),
        /^UsageError: .*link\.prom: is a symbolic link to .*keep; hb writes only a new file or over a regular one, never a link/,
      );
      assert.deepEqual(readdirSync(d).sort(), ['busy.prom', 'link.prom'], 'no temp file left');
      assert.equal(readFileSync(join(d, 'busy.prom', 'keep'), 'utf8'), '');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('fails with one line when the directory is missing', () => {
    const d = dir();
    try {
      const target = join(d, 'nope', 'hb.prom');
      assert.throws(() => writeTextfile(target, 'x\n'), { message: `cannot write ${target}: ENOENT (no such file or directory)` });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('outbox counts', () => {
  it('are exposed when the check passes them, and absent otherwise', () => {
    const withCounts = renderPrometheus([], { nowMs: 0, notifications: { pending: 2, failed: 1 } });
    assert.match(withCounts, /^hb_notifications_pending 2$/m);
    assert.match(withCounts, /^hb_notifications_failed 1$/m);
    assert.doesNotMatch(renderPrometheus([], { nowMs: 0 }), /hb_notifications_/);
  });
});
