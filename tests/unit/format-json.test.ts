// renderJson and jsonParts: the report is JSON.stringify of the whole, indented by 2, whether it
// is built at once or a job at a time; inPieces joins small parts into pieces for one write each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonParts, renderJson, type ReportMeta } from '../../lib/rules/format/json.ts';
import { inPieces } from '../../lib/rules/format/pieces.ts';
import type { JobHealth } from '../../lib/rules/health/types.ts';

const NOW = Date.parse('2026-11-20T09:00:00Z');

function job(name: string, over: Partial<JobHealth> = {}): JobHealth {
  return {
    job: name,
    status: 'ok',
    problem: false,
    reason: 'last heartbeat 10m ago; next due in 50m',
    age_s: 600,
    period_s: 3600,
    grace_s: 3600,
    ratio: 0.167,
    due: '2026-11-20T09:50:00.000Z',
    deadline: '2026-11-20T10:50:00.000Z',
    schedule: { cron: '*/5 * * * *', tz: 'Europe/Berlin' },
    schedule_source: 'heartbeat',
    last_success_at: null,
    last: null,
    running: null,
    file: `/state/${name}.last`,
    evidence: [],
    root_cause: null,
    ...over,
  };
}

// What the report is, by definition: the whole object through JSON.stringify.
function expected(jobs: JobHealth[], meta: ReportMeta): string {
  const problems = jobs.filter((j) => j.problem).length;
  const report = {
    jobs,
    healthy: problems === 0 && (meta.untrusted?.length ?? 0) === 0,
    problems,
    checked_at: new Date(meta.nowMs).toISOString(),
    host: meta.host,
    state_dirs: meta.stateDirs,
    ...(meta.untrusted ? { untrusted_state_dirs: meta.untrusted } : {}),
    hb_version: meta.version,
    ...(meta.notifications ? { notifications: meta.notifications } : {}),
  };
  return JSON.stringify(report, null, 2) + '\n';
}

const METAS: ReportMeta[] = [
  { nowMs: NOW, host: 'web1', stateDirs: ['/var/lib/hb'], version: '0.1.0' },
  {
    nowMs: NOW,
    host: 'web1',
    stateDirs: ['/var/lib/hb', '/root/.local/state/hb'],
    version: '0.1.0',
    untrusted: [{ dir: '/tmp/x', why: 'other users can write it', fix: 'chmod o-w /tmp/x' }],
    notifications: { pending: 2, failed: 1 },
  },
  { nowMs: NOW, host: 'web1', stateDirs: [], version: '0.1.0', untrusted: [] },
];

// Text a job can carry into the report: newlines, quotes, backslashes, line separators, emoji.
const ODD = ['two\nlines', 'a "quoted" \\ path', 'line\u2028separator', 'tab\there', '🦀 and \u0000', ''];

test('jsonParts joined is renderJson, and both are JSON.stringify of the whole report, for no, one and many jobs', () => {
  const many = Array.from({ length: 40 }, (_, i) =>
    job(`job-${i}`, {
      status: i % 3 === 0 ? 'stale' : 'ok',
      problem: i % 3 === 0,
      reason: ODD[i % ODD.length]!,
      last:
        i % 2 ? null : ({ v: 1, job: `job-${i}`, message: ODD[(i + 1) % ODD.length], output_tail: ODD[(i + 2) % ODD.length] } as unknown as JobHealth['last']),
    }),
  );
  for (const jobs of [[], [job('only')], many]) {
    for (const meta of METAS) {
      const want = expected(jobs, meta);
      assert.equal([...jsonParts(jobs, meta)].join(''), want, `${jobs.length} jobs`);
      assert.equal(renderJson(jobs, meta), want, `${jobs.length} jobs`);
    }
  }
});

test('jsonParts gives the report a job at a time: a head, one part per job, a tail', () => {
  const jobs = [job('a'), job('b'), job('c')];
  const parts = [...jsonParts(jobs, METAS[0]!)];
  assert.equal(parts.length, jobs.length + 2);
  for (const [i, j] of jobs.entries()) assert.match(parts[i + 1]!, new RegExp(`"job": "${j.job}"`));
});

test('inPieces joins parts into pieces of at least the size, the last one shorter, none empty, the text unchanged', () => {
  const parts = Array.from({ length: 500 }, (_, i) => 'x'.repeat(i % 37) + String(i));
  const text = parts.join('');
  for (const size of [1, 10, 100, 4096, text.length, text.length + 1]) {
    const pieces = [...inPieces(parts, size)];
    assert.equal(pieces.join(''), text, `size ${size}`);
    assert.ok(
      pieces.slice(0, -1).every((p) => p.length >= size),
      `size ${size}: every piece but the last is full`,
    );
    assert.ok(
      pieces.every((p) => p.length > 0),
      `size ${size}: no empty piece`,
    );
  }
  assert.deepEqual([...inPieces(['', '', ''])], []);
  assert.deepEqual([...inPieces([])], []);
});

test('docs/cli.md names every status a job can have in its JSON section, and the outcome fields of the record', async () => {
  const { readFileSync } = await import('node:fs');
  const { ALL_STATUSES } = await import('../../lib/rules/format/prometheus.ts');
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const start = doc.indexOf('\n### JSON (`hb check --json`, `hb status --json`)\n');
  assert.ok(start >= 0, 'docs/cli.md has the JSON section');
  const section = doc.slice(start + 1).split(/\n#{2,3} /)[0]!;
  for (const status of ALL_STATUSES) assert.ok(section.includes(`\`${status}\``), `the JSON section names the status ${status}`);
  for (const field of ['last.outcome', 'last.reason', 'last.failed_streak', 'last.expect', 'last.baseline'])
    assert.ok(section.includes(`\`${field}\``), `the JSON section names ${field}`);
});

test('docs/cli.md documents evidence and root_cause in its JSON section: every field, every kind, every weight', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const start = doc.indexOf('\n### JSON (`hb check --json`, `hb status --json`)\n');
  const section = doc.slice(start + 1).split(/\n#{2,3} /)[0]!;
  const kinds = ['dependency', 'precondition', 'cron_daemon', 'crontab_line', 'host_down', 'lock', 'cron_log', 'elsewhere'];
  for (const name of ['evidence', 'root_cause', 'kind', 'weight', 'text', 'facts', 'job', 'need', 'cause', 'clue', 'clear', ...kinds])
    assert.ok(section.includes(`\`${name}\``), `the JSON section names ${name}`);
  // The example is JSON as hb prints it, with both fields on the job.
  const example = JSON.parse(section.slice(section.indexOf('```json\n') + 8, section.indexOf('\n```', section.indexOf('```json')))) as {
    jobs: Array<Record<string, unknown>>;
  };
  assert.ok(Array.isArray(example.jobs[0]!.evidence) && 'root_cause' in example.jobs[0]!);
});
