// The Markdown report: blockers first, one table row per job, cells that cannot break the table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HbEvent } from '../../lib/rules/events/parse.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { cell, renderMarkdown, reportHeadline } from '../../lib/rules/format/report-markdown.ts';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (ms: number, job: string, type: string, fields: Record<string, unknown> = {}): HbEvent => ({ ts: iso(ms), job, type, ...fields });
function health(job: string, status: JobStatus, reason: string): JobHealth {
  return {
    job,
    status,
    problem: status === 'failed',
    reason,
    age_s: 0,
    period_s: 60,
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

test('cells: pipes, newlines and markup cannot break out of a table cell', () => {
  assert.equal(cell('a|b'), 'a\\|b');
  assert.equal(cell('one\ntwo\r\nthree'), 'one two three');
  assert.equal(cell('<script>alert(1)</script>'), '\\<script\\>alert(1)\\</script\\>');
  assert.equal(cell('*bold* _it_ `code` [link](x) ~s~ #h & \\'), '\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\~s\\~ \\#h \\& \\\\');
});

test('blockers come first, then the jobs table, then the totals; a hostile reason stays inside its cell', () => {
  const r = buildReport({
    events: [
      ev(NOW - 2 * HOUR, 'backup', 'run_started', { cycle: 1 }),
      ev(NOW - 2 * HOUR + 1500, 'backup', 'run_finished', { cycle: 1, status: 'error', exit_code: 3, signal: null, duration_ms: 1500 }),
      ev(NOW - HOUR, 'backup', 'alert_opened', { incident: 'i1', status: 'failed', reason: 'x' }),
      ev(NOW - HOUR, 'sync', 'run_finished', { cycle: 9, status: 'ok', exit_code: 0, signal: null, duration_ms: 65_000 }),
    ],
    health: [health('backup', 'failed', 'exit 3 | disk\nfull <b>now</b>'), health('sync', 'ok', 'fine')],
    nowMs: NOW,
    windowMs: 24 * HOUR,
    host: 'web1',
  });
  const md = renderMarkdown(r);
  assert.ok(md.indexOf('## Blockers') < md.indexOf('## Jobs'));
  assert.ok(md.indexOf('## Jobs') < md.indexOf('Totals:'));
  assert.match(md, /^# hb report: web1\n\n24h from 2026-11-19 09:00:00Z to 2026-11-20 09:00:00Z: 1 blocker, 2 runs, 1 failed, 0 crashed\.\n/);
  const lines = md.split('\n');
  const blocker = lines.filter((l) => l.startsWith('| **backup**'));
  assert.deepEqual(blocker, ['| **backup** | failed | exit 3 \\| disk full \\<b\\>now\\</b\\> |  |']);
  assert.ok(lines.includes('|  |  | incident open, alerted as failed | 2026-11-20 08:00:00Z |'));
  assert.ok(
    lines.includes('| job | status | runs | warnings | suspicious | slow | failures | crashes | timeouts | incidents | rollbacks | restarts | p50 | p95 |'),
  );
  assert.ok(lines.includes('| backup | failed | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 1 (1 open) | 0 | 0 | 1.5s | 1.5s |'));
  assert.ok(lines.includes('| sync | ok | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 1m5s | 1m5s |'));
  // Every table row has the same number of unescaped pipes as its header.
  for (const l of lines.filter((x) => x.startsWith('|'))) {
    const pipes = l.replace(/\\\|/g, '').split('|').length - 1;
    assert.ok(pipes === 5 || pipes === 15, `row keeps its columns: ${l}`);
  }
  assert.equal(reportHeadline(r), '1 blocker, 2 runs, 1 failed, 0 crashed');
});

test('no blockers and no jobs say so in words', () => {
  const md = renderMarkdown(buildReport({ events: [], health: [], nowMs: NOW, windowMs: 7 * 24 * HOUR, host: 'h' }));
  assert.match(md, /## Blockers\n\nNone: every job is healthy/);
  assert.match(md, /## Jobs\n\nNo jobs:/);
  assert.match(md, /7d from 2026-11-13 09:00:00Z/);
});

test('warned, suspicious and slow runs have their own columns and totals; a warning is no blocker', () => {
  const r = buildReport({
    events: [
      {
        ts: '2026-11-20T06:00:00.000Z',
        job: 'sync',
        type: 'run_finished',
        cycle: 1,
        status: 'ok',
        exit_code: 24,
        signal: null,
        duration_ms: 2000,
        outcome: 'warning',
        reason: 'exit 24',
      },
      {
        ts: '2026-11-20T07:00:00.000Z',
        job: 'sync',
        type: 'run_finished',
        cycle: 2,
        status: 'ok',
        exit_code: 0,
        signal: null,
        duration_ms: 2000,
        outcome: 'suspicious',
        reason: 'took 10ms',
      },
      {
        ts: '2026-11-20T08:00:00.000Z',
        job: 'sync',
        type: 'run_finished',
        cycle: 3,
        status: 'ok',
        exit_code: 0,
        signal: null,
        duration_ms: 2000,
        outcome: 'slow',
      },
    ],
    health: [],
    nowMs: Date.parse('2026-11-20T09:00:00.000Z'),
    windowMs: 24 * 3_600_000,
    host: 'web1',
  });
  const md = renderMarkdown(r);
  const lines = md.split('\n');
  assert.ok(lines.includes('| sync | - | 3 | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 2.0s | 2.0s |'), md);
  assert.match(md, /Totals: 1 jobs, 3 runs \(3 ok, of which 1 warned, 1 suspicious and 1 slow; 0 failed, 0 timed out\)/);
  assert.match(md, /## Blockers\n\nNone/);
});
