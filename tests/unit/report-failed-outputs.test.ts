// The output of failed runs in the report: which runs and how much of them a report holds, and
// how each format shows them (HTML anchors linked from blockers and the jobs table, Markdown
// fences no output can close, JSON as kept), every byte from the job escaped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HbEvent } from '../../lib/rules/events/parse.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import type { FailedOutput } from '../../lib/rules/history/failed-output.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { attachFailedOutputs, REPORT_OUTPUTS_PER_JOB, REPORT_TAIL_CHARS, tailEnd, wantsFailedOutputs } from '../../lib/rules/report/failed-outputs.ts';
import type { Report } from '../../lib/rules/report/types.ts';
import { renderHtml } from '../../lib/rules/format/report-html.ts';
import { fenceFor, renderMarkdown } from '../../lib/rules/format/report-markdown.ts';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const failedRun = (ms: number, job: string, cycle: number): HbEvent => ({
  ts: iso(ms),
  job,
  type: 'run_finished',
  cycle,
  status: 'error',
  exit_code: 3,
  signal: null,
  duration_ms: 1000,
});

function health(job: string, status: JobStatus): JobHealth {
  return {
    job,
    status,
    problem: status === 'failed',
    reason: status === 'failed' ? 'last run failed with exit 3, 1h ago' : 'fine',
    age_s: 0,
    period_s: 3600,
    grace_s: null,
    ratio: 0,
    due: null,
    deadline: null,
    schedule: null,
    schedule_source: null,
    last_success_at: null,
    last: null,
    running: null,
    file: null,
    evidence: [],
    root_cause: null,
  };
}

const entry = (ms: number, cycle: number, tail: string | null, reason: string | null = null): FailedOutput => ({
  started_at: iso(ms - 1000),
  finished_at: iso(ms),
  cycle,
  exit_code: 3,
  signal: null,
  outcome: 'failed',
  reason,
  output_tail: tail,
});

const XSS = '<script>alert(1)</script>';

/** A report over 24 h where `db` failed twice in the window (and once before it) and `ok` never. */
function sample(tails: { older?: string; first?: string; last?: string } = {}): Report {
  const r = buildReport({
    events: [failedRun(NOW - 3 * HOUR, 'db', 7), failedRun(NOW - HOUR, 'db', 8)],
    health: [health('db', 'failed'), health('ok', 'ok')],
    nowMs: NOW,
    windowMs: 24 * HOUR,
    host: 'h',
  });
  const db = r.jobs.find((j) => j.job === 'db')!;
  const entries = [
    entry(NOW - 30 * HOUR, 6, tails.older ?? 'before the window\n'),
    entry(NOW - HOUR, 8, tails.last ?? `ERROR: db unreachable ${XSS}\n`, 'output matched fail_on /ERROR/'),
    entry(NOW - 3 * HOUR, 7, tails.first ?? 'first failure\n'),
  ];
  const attached = attachFailedOutputs(db, entries, NOW - 24 * HOUR, NOW, 1 << 20);
  return { ...r, jobs: r.jobs.map((j) => (j.job === 'db' ? attached.job : j)) };
}

test('buildReport gives every job an empty failed_outputs; only jobs with a failed run and a valid name are read for it', () => {
  const r = buildReport({ events: [failedRun(NOW - HOUR, 'db', 1)], health: [health('ok', 'ok')], nowMs: NOW, windowMs: 24 * HOUR, host: 'h' });
  for (const j of r.jobs) assert.deepEqual([j.failed_outputs, j.failed_outputs_omitted], [[], 0]);
  assert.deepEqual(
    r.jobs.map((j) => [j.job, wantsFailedOutputs(j)]),
    [
      ['db', true],
      ['ok', false],
    ],
  );
  assert.equal(wantsFailedOutputs({ ...r.jobs[0]!, job: '../../etc/passwd' }), false, 'a name from a tampered log never makes a path');
});

test('attaching keeps the runs that finished in the window, oldest first, the newest three, each tail cut to its end', () => {
  const db = sample().jobs.find((j) => j.job === 'db')!;
  assert.deepEqual(
    db.failed_outputs.map((e) => e.cycle),
    [7, 8],
  );
  assert.equal(db.failed_outputs_omitted, 0);
  const job = buildReport({ events: [], health: [health('x', 'failed')], nowMs: NOW, windowMs: 24 * HOUR, host: 'h' }).jobs[0]!;
  const many = Array.from({ length: 5 }, (_, i) => entry(NOW - (5 - i) * HOUR, i + 1, `run ${i + 1}\n`));
  const five = attachFailedOutputs(job, many, NOW - 24 * HOUR, NOW, 1 << 20);
  assert.deepEqual(
    five.job.failed_outputs.map((e) => e.cycle),
    [3, 4, 5],
  );
  assert.equal(REPORT_OUTPUTS_PER_JOB, 3);
  assert.equal(five.job.failed_outputs_omitted, 2);
  assert.equal(five.chars, 18);
  const long = 'x'.repeat(100) + '\n' + 'y'.repeat(REPORT_TAIL_CHARS);
  assert.equal(tailEnd(long).length, REPORT_TAIL_CHARS);
  assert.equal(tailEnd('a\n' + 'b'.repeat(REPORT_TAIL_CHARS - 1)), 'b'.repeat(REPORT_TAIL_CHARS - 1), 'starts after a near line break');
  assert.equal(tailEnd('short'), 'short');
});

test('the budget bounds the whole report: past it, a job keeps its newest runs that fit and counts the rest as omitted', () => {
  const job = buildReport({ events: [], health: [health('x', 'failed')], nowMs: NOW, windowMs: 24 * HOUR, host: 'h' }).jobs[0]!;
  const three = [1, 2, 3].map((c) => entry(NOW - (4 - c) * HOUR, c, 'z'.repeat(100)));
  const some = attachFailedOutputs(job, three, NOW - 24 * HOUR, NOW, 250);
  assert.deepEqual(
    some.job.failed_outputs.map((e) => e.cycle),
    [2, 3],
  );
  assert.deepEqual([some.job.failed_outputs_omitted, some.chars], [1, 200]);
  const none = attachFailedOutputs(job, three, NOW - 24 * HOUR, NOW, 0);
  assert.deepEqual([none.job.failed_outputs.length, none.job.failed_outputs_omitted, none.chars], [0, 3, 0]);
});

test('HTML: a section per job with an anchor per run, linked from its blocker and its failures count; the output escaped', () => {
  const html = renderHtml(sample());
  assert.match(html, /<section id="failed-outputs-db"><h2>Output of failed runs: db<\/h2>/);
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!);
  assert.deepEqual(hrefs.sort(), ['#failed-output-db-2', '#failed-outputs-db'], 'the blocker and the failures count link');
  for (const h of hrefs) assert.ok(ids.has(h.slice(1)), `${h} has its target`);
  const blockers = html.slice(html.indexOf('<section class="blockers">'), html.indexOf('</section>', html.indexOf('<section class="blockers">')));
  assert.match(blockers, /<a href="#failed-output-db-2">output of the last failed run<\/a>/);
  assert.match(html, /<td class="n bad"><a href="#failed-outputs-db">2<\/a><\/td>/);
  assert.match(
    html,
    /<div class="fo" id="failed-output-db-2"><div class="fo-h">2026-11-20T08:00:00.000Z {2}cycle 8 {2}exit 3 {2}failed: output matched fail_on \/ERROR\/<\/div><pre class="out">ERROR: db unreachable &#60;script&#62;alert\(1\)&#60;\/script&#62;\n<\/pre><\/div>/,
  );
  assert.equal(html.includes(XSS), false);
  assert.doesNotMatch(html, /before the window/);
  const clean = renderHtml(buildReport({ events: [], health: [health('ok', 'ok')], nowMs: NOW, windowMs: HOUR, host: 'h' }));
  assert.doesNotMatch(clean, /Output of failed runs|href=/);
});

test('HTML: a terminal escape in the output is written out, not kept raw in the page', () => {
  const html = renderHtml(sample({ last: 'red \u001b[31mERROR\u001b[0m\u0007\n' }));
  assert.ok(!html.includes('\u001b') && !html.includes('\u0007'));
  assert.match(html, /red \\u001b\[31mERROR\\u001b\[0m\\u0007/);
});

test('Markdown: a section after the totals, a line per run and its output in a fence that backticks in it cannot close', () => {
  assert.equal(fenceFor('no ticks'), '```');
  assert.equal(fenceFor('a ``` b `````` c'), '```````');
  const md = renderMarkdown(sample({ last: 'before\n```\n# not a heading\n`````\nafter \u001b[2J\n' }));
  const section = md.slice(md.indexOf('## Output of failed runs'));
  assert.ok(md.indexOf('Totals:') < md.indexOf('## Output of failed runs'));
  assert.match(section, /^## Output of failed runs\n\n### db\n\n2026-11-20T06:00:00\.000Z {2}cycle 7 {2}exit 3 {2}failed\n\n```text\nfirst failure\n```\n/);
  assert.ok(
    section.includes(
      'cycle 8  exit 3  failed: output matched fail\\_on /ERROR/\n\n``````text\nbefore\n```\n# not a heading\n`````\nafter \\u001b[2J\n``````\n',
    ),
    section,
  );
  assert.ok(!md.includes('\u001b'));
  assert.doesNotMatch(renderMarkdown(sample(), { failedOutputs: false }), /Output of failed runs|db unreachable/, 'a sent report stays short');
});

test('Markdown and HTML name the runs left out, and how to see them', () => {
  const r = sample();
  const db = r.jobs.find((j) => j.job === 'db')!;
  const more = { ...r, jobs: r.jobs.map((j) => (j.job === 'db' ? { ...db, failed_outputs_omitted: 4 } : j)) };
  assert.match(renderMarkdown(more), /\n4 earlier failed runs in this window not shown: `hb log db --output`\.\n/);
  assert.match(renderHtml(more), /4 earlier failed runs in this window not shown: <code>hb log db --output<\/code>/);
});
