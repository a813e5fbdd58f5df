// The HTML report: one self-contained page, nothing loaded, every outside string escaped,
// blockers first, one timeline mark per run coloured by outcome.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HbEvent } from '../../lib/rules/events/parse.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { esc, renderHtml, REPORT_CSP } from '../../lib/rules/format/report-html.ts';

const NOW = Date.parse('2026-11-20T09:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (ms: number, job: string, type: string, fields: Record<string, unknown> = {}): HbEvent => ({ ts: iso(ms), job, type, ...fields });
const run = (ms: number, job: string, cycle: number, status: string, fields: Record<string, unknown> = {}) =>
  ev(ms, job, 'run_finished', { cycle, status, exit_code: status === 'ok' ? 0 : 1, signal: null, duration_ms: 2000, ...fields });
function health(job: string, status: JobStatus, reason: string): JobHealth {
  const problem = ['failed', 'crashed', 'stale'].includes(status);
  return {
    job,
    status,
    problem,
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

const XSS = '<script>alert(1)</script>';

function sample(): string {
  const events = [
    run(NOW - 5 * HOUR, 'sync', 1, 'ok'),
    run(NOW - 4 * HOUR, 'sync', 2, 'error'),
    ev(NOW - 3 * HOUR - 10 * MIN, 'sync', 'timeout', { cycle: 3, timeout_ms: 10 * MIN }),
    run(NOW - 3 * HOUR, 'sync', 3, 'error', { signal: 'SIGTERM', exit_code: null }),
    ev(NOW - 2 * HOUR, 'sync', 'crash_detected', { cycle: 4, pid: 9, started_at: iso(NOW - 2 * HOUR - 5 * MIN), reason: 'gone' }),
    ev(NOW - HOUR, 'evil', 'alert_opened', { incident: 'i"1', status: 'failed', reason: `${XSS} & "quotes" 'too'` }),
    ev(NOW - HOUR, 'evil', 'config_rolled_back', { files: [{ path: `/etc/${XSS}`, old_hash: 'a', new_hash: 'b' }] }),
    run(NOW - 30 * MIN, 'evil', 1, 'error'),
  ];
  return renderHtml(
    buildReport({
      events,
      health: [health('evil', 'failed', `last message: ${XSS}`), health('sync', 'ok', 'fine')],
      nowMs: NOW,
      windowMs: 24 * HOUR,
      host: `<b>host</b>`,
    }),
  );
}

test('esc: every character that could open markup or end an attribute', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  assert.equal(esc(null), '');
});

test('injected markup from job messages, incident reasons, file names and the host appears as text only', () => {
  const html = sample();
  assert.equal(html.includes(XSS), false);
  assert.equal(html.includes('<b>host</b>'), false);
  assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(html.includes('&#60;b&#62;host&#60;/b&#62;'));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\son\w+=/i, 'no event handler attributes');
});

test('self-contained: a strict CSP, inline CSS only, no src=, no href= but to an anchor in the page, no http(s) resource, no script', () => {
  // With the output of a failed run attached, the page links to it, and only inside itself.
  const report = buildReport({
    events: [run(NOW - HOUR, 'evil', 1, 'error')],
    health: [health('evil', 'failed', 'x')],
    nowMs: NOW,
    windowMs: 24 * HOUR,
    host: 'h',
  });
  const output = {
    started_at: iso(NOW - HOUR),
    finished_at: iso(NOW - HOUR),
    cycle: 1,
    exit_code: 1,
    signal: null,
    outcome: 'failed' as const,
    reason: null,
    output_tail: XSS,
  };
  const linked = renderHtml({ ...report, jobs: report.jobs.map((j) => ({ ...j, failed_outputs: [output] })) });
  const ids = new Set([...linked.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  const hrefs = [...linked.matchAll(/\shref\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
  assert.equal(hrefs.length, 2);
  for (const h of hrefs) assert.ok(h.startsWith('#') && ids.has(h.slice(1)), `${h} is an anchor of the page`);
  for (const html of [sample(), linked]) {
    assert.equal(REPORT_CSP, "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`));
    assert.doesNotMatch(html, /\s(src|srcset|xlink:href|action|poster|data)\s*=/i);
    assert.doesNotMatch(html, /\shref\s*=\s*"?[^"#]/i);
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /url\(|@import|@font-face|<link|<img|<iframe|<object|<embed|<script/i);
    assert.equal((html.match(/<style>/g) ?? []).length, 1);
    assert.match(html, /@media \(prefers-color-scheme:dark\)/);
    assert.match(html, /<meta name="color-scheme" content="light dark">/);
  }
});

test('blockers come first in a box of their own; the timeline and the jobs table follow', () => {
  const html = sample();
  const blockers = html.indexOf('<section class="blockers">');
  assert.ok(blockers > 0);
  assert.ok(blockers < html.indexOf('class="lanes"'));
  assert.ok(html.indexOf('class="lanes"') < html.indexOf('<h2>Jobs</h2>'));
  assert.match(html, /1 blocker needs a person/);
  const clean = renderHtml(buildReport({ events: [], health: [health('a', 'ok', 'fine')], nowMs: NOW, windowMs: HOUR, host: 'h' }));
  assert.match(clean, /<section class="blockers none"><h2>No blockers<\/h2>/);
});

test('one timeline mark per run, coloured by outcome, each with a hover title of time, outcome, exit and duration', () => {
  const html = sample();
  const lanes = html.slice(html.indexOf('class="lanes"'), html.indexOf('<h2>Jobs</h2>'));
  const marks = [...lanes.matchAll(/<rect class="m-(ok|failed|timeout|crashed|running)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(marks.map((m) => m[0]).sort(), ['crashed', 'failed', 'failed', 'ok', 'timeout']);
  assert.ok(
    marks.some(([c, t]) => c === 'failed' && t === '2026-11-20 04:59:58Z: failed, exit 1, 2.0s, cycle 2'),
    JSON.stringify(marks),
  );
  assert.ok(marks.some(([c, t]) => c === 'timeout' && t === '2026-11-20 05:59:58Z: timed out, SIGTERM, 2.0s, cycle 3'));
  assert.ok(marks.some(([c, t]) => c === 'crashed' && t === '2026-11-20 06:55:00Z: crashed (no heartbeat), cycle 4'));
  // The bad ones are drawn last, on top of the green.
  assert.equal(marks[0]![0], 'failed', 'evil lane first (name order), its only run');
  assert.match(lanes, /class="band"/, 'the open incident is shaded');
  assert.match(lanes, /class="m-rec"/, 'the rollback is marked');
  assert.match(html, /<svg class="spark"/, 'durations as a small chart');
});

test('an empty state still renders a complete page', () => {
  const html = renderHtml(buildReport({ events: [], health: [], nowMs: NOW, windowMs: HOUR, host: 'h' }));
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<\/html>\n$/);
});

test('warned, slow and suspicious runs get their own mark colour and their reason in the hover title; the warned count is shown, not alarming', () => {
  const html = renderHtml(
    buildReport({
      events: [
        run(NOW - 3 * HOUR, 'sync', 1, 'ok', { exit_code: 24, outcome: 'warning', reason: 'exit 24 is in warn_codes' }),
        run(NOW - 2 * HOUR, 'sync', 2, 'ok', { outcome: 'slow', reason: 'took 1h' }),
        run(NOW - HOUR, 'sync', 3, 'ok', { outcome: 'suspicious', reason: 'took 10ms' }),
      ],
      health: [health('sync', 'warning', 'last run succeeded with a warning')],
      nowMs: NOW,
      windowMs: 24 * HOUR,
      host: 'web1',
    }),
  );
  assert.match(html, /<rect class="m-warning"[^>]*><title>[^<]*exit 24, 2\.0s, cycle 1: exit 24 is in warn_codes<\/title>/);
  assert.match(html, /<rect class="m-slow"[^>]*><title>[^<]*slow, exit 0, 2\.0s, cycle 2: took 1h<\/title>/);
  assert.match(html, /<rect class="m-suspicious"[^>]*><title>[^<]*suspicious, exit 0, 2\.0s, cycle 3: took 10ms<\/title>/);
  for (const c of ['warning', 'slow', 'suspicious']) assert.match(html, new RegExp(`\\.m-${c}\\{fill:var\\(--${c}\\)\\}`), `${c} has a colour`);
  assert.match(html, /<div class="tile"><b>1<\/b><span>warned<\/span><\/div>/);
  assert.match(html, /<div class="tile alert"><b>1<\/b><span>suspicious<\/span><\/div>/);
  assert.match(html, /3 runs<br><span style="color:var\(--failed\)">2 bad<\/span><br><span class="muted">1 warned<\/span>/);
});
