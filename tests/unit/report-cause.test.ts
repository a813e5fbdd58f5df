// The report says why a blocker that missed its run is one: the cause line under its reason in
// Markdown and HTML (escaped as every cell is), the evidence and root cause in the JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import type { Evidence, RootCause } from '../../lib/rules/evidence/types.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { renderMarkdown } from '../../lib/rules/format/report-markdown.ts';
import { renderHtml } from '../../lib/rules/format/report-html.ts';
import { reportJsonParts } from '../../lib/rules/format/report-json.ts';
import { CRON_DOWN, DUMP_FAILED, DUMP_ROOT, HOSTILE, LINE_GONE, NO_LOCK } from '../fixtures/evidence.ts';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const HOUR = 3_600_000;

function health(job: string, status: JobStatus, reason: string, evidence: Evidence[] = [], root_cause: RootCause | null = null): JobHealth {
  return {
    job,
    status,
    problem: status !== 'ok',
    reason,
    age_s: 3 * 3600,
    period_s: 3600,
    grace_s: null,
    ratio: 3,
    due: null,
    deadline: null,
    schedule: null,
    schedule_source: null,
    last_success_at: null,
    last: null,
    running: null,
    file: null,
    evidence,
    root_cause,
  };
}

const report = (h: JobHealth[]) => buildReport({ events: [], health: h, nowMs: NOW, windowMs: 24 * HOUR, host: 'db1' });

test('a stale blocker carries its cause line; a blocker without evidence has none; ruled-out causes are left out', () => {
  const r = report([
    health('backup', 'stale', 'last heartbeat 3h ago', [NO_LOCK, LINE_GONE, CRON_DOWN]),
    health('restore', 'stale', 'last heartbeat 5h ago', [DUMP_FAILED], DUMP_ROOT),
    health('sync', 'failed', 'exit 3'),
  ]);
  const why = new Map(r.blockers.map((b) => [b.job, b.reasons[0]!]));
  assert.equal(why.get('backup')!.cause, `likely: ${CRON_DOWN.text}; also: ${LINE_GONE.text}`);
  assert.equal(why.get('restore')!.cause, "because dump failed 2h ago (needs job:dump): alerted as dump's incident");
  assert.equal('cause' in why.get('sync')!, false);
});

test('Markdown: the cause line is a row of its own under the reason, escaped as a cell', () => {
  const md = renderMarkdown(report([health('backup', 'stale', 'last heartbeat 3h ago', [CRON_DOWN]), health('evil', 'never', 'no heartbeat', [HOSTILE])]));
  const lines = md.split('\n');
  const at = lines.indexOf('| **backup** | stale | last heartbeat 3h ago |  |');
  assert.ok(at > 0, md);
  assert.equal(lines[at + 1], `|  |  | ↳ _likely: ${CRON_DOWN.text}_ |  |`);
  const evil = lines[lines.indexOf('| **evil** | never | no heartbeat |  |') + 1];
  assert.equal(evil, '|  |  | ↳ _likely: cron said \\\\u001b\\[2J\\<b\\>\\*boom\\*\\</b\\> \\| @ops invoice\\\\u202etxt.exe next line_ |  |');
});

test('HTML: the cause line sits under the reason inside its list item, as text only', () => {
  const html = renderHtml(report([health('backup', 'stale', 'late', [HOSTILE])]));
  assert.match(
    html,
    /<li>late<div class="cause">likely: cron said \\u001b\[2J&#60;b&#62;\*boom\*&#60;\/b&#62; \| @ops invoice\\u202etxt\.exe next line<\/div><\/li>/,
  );
  assert.doesNotMatch(html, /<b>\*boom/);
  assert.doesNotMatch(html, /\u202e/);
});

test('JSON: each job carries its evidence and root cause as hb check --json does, and the blocker its cause', () => {
  const r = report([health('backup', 'stale', 'late', [LINE_GONE, CRON_DOWN], DUMP_ROOT), health('ok', 'ok', 'fine')]);
  const parsed = JSON.parse([...reportJsonParts(r)].join('')) as {
    jobs: Array<Record<string, unknown>>;
    blockers: Array<{ reasons: Array<{ cause?: string }> }>;
  };
  assert.deepEqual(parsed.jobs[0]!.evidence, [LINE_GONE, CRON_DOWN]);
  assert.deepEqual(parsed.jobs[0]!.root_cause, DUMP_ROOT);
  assert.deepEqual([parsed.jobs[1]!.evidence, parsed.jobs[1]!.root_cause], [[], null]);
  assert.match(parsed.blockers[0]!.reasons[0]!.cause!, /^because dump failed 2h ago/);
});
