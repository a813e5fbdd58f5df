// `hb log` lines: a summary for every documented event type, key=value for any other, one line each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent, type ReadEvent } from '../../lib/rules/events/parse.ts';
import { lineMaker, logLine, summarize, widen, widthsOf } from '../../lib/rules/report/event-line.ts';

const TS = '2026-11-20T09:00:05.120Z';
const e = (type: string, fields: Record<string, unknown> = {}, job = 'backup'): ReadEvent => parseEvent({ ts: TS, job, type, ...fields });

test('the documented line shape: time, job, type, summary', () => {
  const ev = e('run_finished', { cycle: 12, status: 'ok', exit_code: 0, signal: null, duration_ms: 1234 });
  assert.equal(logLine(ev, widthsOf([ev])), '2026-11-20 09:00:05Z  backup  run_finished  ok exit 0 in 1.2s (cycle 12)');
});

test('a run_finished line names what hb made of the run when its status and exit do not say it', () => {
  const run = (fields: Record<string, unknown>) => summarize(e('run_finished', { cycle: 7, signal: null, duration_ms: 1500, ...fields }));
  assert.equal(
    run({ status: 'ok', exit_code: 24, outcome: 'warning', reason: 'exit 24 is in warn_codes' }),
    'ok exit 24 in 1.5s (cycle 7) — warning: exit 24 is in warn_codes',
  );
  assert.equal(
    run({ status: 'ok', exit_code: 0, outcome: 'suspicious', reason: 'took 10ms; usually 2s–2.4s' }),
    'ok exit 0 in 1.5s (cycle 7) — suspicious: took 10ms; usually 2s–2.4s',
  );
  assert.equal(run({ status: 'ok', exit_code: 0, outcome: 'slow' }), 'ok exit 0 in 1.5s (cycle 7) — slow');
  assert.equal(
    run({ status: 'error', exit_code: 0, outcome: 'failed', reason: "backup.sql.gz is 20 B; last run's was 2.1 GB" }),
    "error exit 0 in 1.5s (cycle 7) — failed: backup.sql.gz is 20 B; last run's was 2.1 GB",
  );
  // The status says it all: an ok run, a plain failure, and a line of an older hb.
  assert.equal(run({ status: 'ok', exit_code: 0, outcome: 'ok' }), 'ok exit 0 in 1.5s (cycle 7)');
  assert.equal(run({ status: 'error', exit_code: 3, outcome: 'failed' }), 'error exit 3 in 1.5s (cycle 7)');
  assert.equal(run({ status: 'error', exit_code: 3 }), 'error exit 3 in 1.5s (cycle 7)');
});

test('every documented type has its own summary', () => {
  const table: Array<[ReadEvent, string]> = [
    [e('run_started', { cycle: 12, pid: 4242 }), 'started (cycle 12), pid 4242'],
    [
      e('run_started', { cycle: 12, pid: 4242, unlocked: 'cannot use lock /s/locks/b.lock: permission denied' }),
      'started (cycle 12), pid 4242, without its lock (cannot use lock /s/locks/b.lock: permission denied)',
    ],
    [e('run_finished', { cycle: 3, status: 'error', exit_code: 3, signal: null, duration_ms: 65_000 }), 'error exit 3 in 1m5s (cycle 3)'],
    [e('run_finished', { cycle: 4, status: 'error', exit_code: null, signal: 'SIGKILL', duration_ms: 500 }), 'error killed by SIGKILL in 500ms (cycle 4)'],
    [e('run_finished', { cycle: 5, status: 'ok', exit_code: 0, duration_ms: 0, ping: true }), 'ok ping (cycle 5)'],
    [
      e('crash_detected', { cycle: 11, pid: 77, started_at: '2026-11-20T08:00:00.000Z', reason: 'process 77 is not running' }),
      'run (cycle 11) died without a heartbeat (pid 77, started 2026-11-20 08:00:00Z): process 77 is not running',
    ],
    [e('timeout', { cycle: 9, timeout_ms: 600_000, exit_code: 143 }), 'stopped by --timeout after 10m, exit 143 (cycle 9)'],
    [
      e('overlap_skipped', { holder_pid: 55, holder_started_at: '2026-11-20T08:59:00.000Z' }),
      'skipped: the previous run (pid 55, started 2026-11-20 08:59:00Z) still holds the lock',
    ],
    [e('alert_opened', { incident: '0123456789abcdef', status: 'stale', reason: 'due 2h ago' }), 'alert opened: stale — due 2h ago [incident 01234567]'],
    [e('alert_reminded', { incident: 'abc', status: 'stale', reason: 'due 3h ago' }), 'reminder: still stale — due 3h ago [incident abc]'],
    [e('alert_resolved', { incident: 'abc', status: 'ok', reason: 'last run ok' }), 'alert resolved — last run ok [incident abc]'],
    [
      e('notify_failed', { sink: 'notify[0]', kind: 'webhook', notification: 'alert', incident: 'abc', attempts: 2, error: 'HTTP 502', will_retry: true }),
      'alert to notify[0] (webhook) failed (attempt 2): HTTP 502; will retry',
    ],
    [
      e('notify_failed', { sink: 'notify[1]', kind: 'github', notification: 'resolve', attempts: 10, error: 'HTTP 401', will_retry: false }),
      'resolve to notify[1] (github) failed (attempt 10): HTTP 401; gave up',
    ],
    [e('paused', { until: '2026-11-20T11:00:00.000Z' }), 'paused until 2026-11-20 11:00:00Z'],
    [e('paused', { until: null }), 'paused until hb resume'],
    [e('resumed'), 'resumed'],
    [e('forgotten', { removed: ['/s/backup.last', '/s/backup.run'] }), 'forgotten: removed 2 files'],
    [e('snapshot_saved', { snapshot: '20261120T090005Z', files: [{ path: '/etc/a', sha256: 'x' }] }), 'known-good snapshot 20261120T090005Z saved (1 file)'],
    [
      e('snapshot_refused', { files: [{ path: '/home/a/agent.yaml', reason: 'is a symbolic link: hb never follows a link at a guarded path' }] }),
      'no snapshot: hb will not touch /home/a/agent.yaml (is a symbolic link: hb never follows a link at a guarded path)',
    ],
    [
      e('config_rolled_back', {
        files: [
          { path: '/etc/a.yaml', old_hash: 'aaaaaaaaaaaaaaaa', new_hash: 'bbbbbbbbbbbbbbbb' },
          { path: '/etc/b', old_hash: null, new_hash: 'cccccccccccccccc' },
        ],
        source: 'snapshot',
      }),
      'rolled back /etc/a.yaml (aaaaaaaaaaaa → bbbbbbbbbbbb), /etc/b (missing → cccccccccccc) from snapshot',
    ],
    [e('restart', { exit_code: 0, signal: null, timed_out: false, duration_ms: 1840 }), 'restart exit 0 in 1.8s'],
    [e('restart', { exit_code: 124, signal: null, timed_out: true, duration_ms: 30_000 }), 'restart exit 124 in 30s (timed out)'],
    [e('recovery_verified', { healthy: true, reason: 'health check passed' }), 'healthy again: health check passed'],
    [e('recovery_verified', { healthy: false, reason: 'HTTP 503' }), 'still unhealthy after recovery: HTTP 503'],
    [e('recovery_verified', { healthy: null, reason: 'judged by the next check' }), 'health not known yet: judged by the next check'],
    [e('recovery_blocked', { reason: 'restart budget 3/1h spent', restarts: 3 }), 'recovery blocked after 3 restarts: restart budget 3/1h spent'],
  ];
  for (const [ev, text] of table) assert.equal(summarize(ev), text, ev.type);
});

test('an unknown type shows its fields as key=value, quoting what needs it', () => {
  assert.equal(summarize(e('future_thing', { a: 1, b: 'plain', c: 'two words', d: null, e: { x: [1] } })), 'a=1 b=plain c="two words" d=null e={"x":[1]}');
  assert.equal(summarize(e('toString')), '', 'no prototype lookups: a type named like an Object method is unknown');
});

test('one event is one line: newlines and terminal escapes in messages are made visible', () => {
  const ev = e('alert_opened', { incident: 'i', status: 'failed', reason: 'line one\nline two \u001b[31mred\u001b[0m' }, 'evil');
  const line = logLine(ev, widthsOf([ev]));
  assert.equal(line.includes('\n'), false);
  assert.equal(line.includes('\u001b'), false);
  assert.match(line, /line one\\nline two \\u001b\[31mred/);
});

test('job and type columns line up over the lines printed together', () => {
  const evs = [e('resumed', {}, 'a'), e('run_finished', { cycle: 1, status: 'ok', exit_code: 0, duration_ms: 5 }, 'longer-name')];
  const w = widthsOf(evs);
  assert.deepEqual(w, { job: 11, type: 12 });
  assert.deepEqual(
    evs.map((x) => logLine(x, w)),
    ['2026-11-20 09:00:05Z  a            resumed       resumed', '2026-11-20 09:00:05Z  longer-name  run_finished  ok exit 0 in 5ms (cycle 1)'],
  );
});

test('lineMaker gives exactly logLine, over names with control characters, blank summaries and widths that widen on the way', () => {
  const events = [
    e('run_finished', { cycle: 1, status: 'ok', exit_code: 0, signal: null, duration_ms: 5 }),
    e('resumed', {}, 'b'),
    e('something_new', {}, 'tab\there'),
    e('something_new', { note: ' ' }, 'x'),
    e('alert_opened', { incident: 'i', status: 'stale', reason: 'ends in a space ' }, 'a-much-longer-job-name'),
    e('resumed', {}, 'b'),
    { ...e('resumed', {}, 'b'), ts: 'not a time' } as ReadEvent,
  ];
  const widths = widthsOf(events.slice(0, 2));
  const line = lineMaker(widths);
  for (const ev of events) {
    widen(widths, ev);
    assert.equal(line(ev), logLine(ev, widths), JSON.stringify(ev));
  }
});
