// `hb report --format json` in parts: joined, byte for byte what JSON.stringify(report, null, 2)
// gives, with no job, one, or many (text with newlines, quotes and other scripts included).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportJsonParts } from '../../lib/rules/format/report-json.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import type { HbEvent } from '../../lib/rules/events/parse.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function reportOf(jobs: number) {
  const events: HbEvent[] = [];
  for (let j = 0; j < jobs; j++) {
    const job = `job-${j}`;
    events.push({ ts: iso(NOW - 3_600_000), job, type: 'run_finished', cycle: 1, status: 'error', exit_code: 2, signal: null, duration_ms: 40 });
    events.push({ ts: iso(NOW - 1_800_000), job, type: 'alert_opened', incident: `i${j}`, status: 'failed', reason: 'line one\nline "two" — ünïcode \u202e' });
    events.push({ ts: iso(NOW - 60_000), job, type: 'recovery_blocked', reason: 'jobs: [] {"jobs": []}', restarts: 3 });
  }
  return buildReport({ events, health: [], nowMs: NOW, windowMs: 86_400_000, host: 'h\n"x"' });
}

test('the parts of the JSON report join to exactly JSON.stringify(report, null, 2), one part per job and two around them', () => {
  for (const jobs of [0, 1, 2, 7]) {
    const report = reportOf(jobs);
    const parts = [...reportJsonParts(report)];
    assert.equal(parts.join(''), JSON.stringify(report, null, 2) + '\n', `${jobs} jobs`);
    assert.equal(parts.length, jobs === 0 ? 1 : jobs + 2, `${jobs} jobs`);
    assert.ok(
      parts.every((p) => p.length < 8_000),
      'no part holds the whole report',
    );
  }
});
