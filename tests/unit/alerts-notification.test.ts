// The notification a sink receives: the verdict's reason as the message, and the last run's
// outcome and reason among the run facts, for alerts and for healthchecks-style run pings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationFor, runFacts, runNotification } from '../../lib/rules/alerts/notification.ts';
import type { JobHealth } from '../../lib/rules/health/types.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import type { Evidence } from '../../lib/rules/evidence/types.ts';
import { CRON_DOWN, DUMP_FAILED, DUMP_ROOT, LINE_GONE, NO_LOCK } from '../fixtures/evidence.ts';

const NOW = Date.parse('2026-11-20T09:00:00Z');

function record(over: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  return {
    v: 1,
    job: 'backup',
    host: 'db1',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: '2026-11-20T08:59:00.000Z',
    finished_at: '2026-11-20T08:59:02.000Z',
    duration_ms: 2000,
    cycle: 9,
    action: null,
    message: null,
    schedule: { every: '1h' },
    grace_s: 600,
    output_tail: 'done\n',
    pid: 42,
    hb_version: '0.1.0',
    ...over,
  };
}

test('the run facts carry the outcome and, when there is one, the reason; an older record has neither', () => {
  const reason = "backup.sql.gz is 20 B; last run's was 2.1 GB";
  assert.deepEqual(
    [runFacts(record({ status: 'error', outcome: 'failed', reason })).outcome, runFacts(record({ status: 'error', outcome: 'failed', reason })).reason],
    ['failed', reason],
  );
  const ok = runFacts(record({ outcome: 'ok', reason: null }));
  assert.equal(ok.outcome, 'ok');
  assert.equal('reason' in ok, false);
  const old = runFacts(record());
  assert.equal('outcome' in old, false);
});

test("an alert for every new status says the verdict's reason in its message, and carries the run's outcome and reason", () => {
  for (const [status, outcome] of [
    ['suspicious', 'suspicious'],
    ['slow', 'slow'],
    ['failed', 'failed'],
  ] as const) {
    const reason = `the ${outcome} reason`;
    const health = {
      job: 'backup',
      status,
      problem: true,
      reason: `last run 1m ago was ${status}: ${reason}`,
      last: record({ status: outcome === 'failed' ? 'error' : 'ok', outcome, reason }),
      evidence: [],
      root_cause: null,
    } as unknown as JobHealth;
    const incident = { id: 'i1', opened_at: '2026-11-20T09:00:00.000Z', status, reminders: 0, last_sent_at: '2026-11-20T09:00:00.000Z' };
    const n = notificationFor({ type: 'alert', status, incident }, health, 'db1', NOW);
    assert.equal(n.message, health.reason);
    assert.equal(n.title, `[hb] backup ${status}`);
    assert.deepEqual([n.status, n.problem, n.run?.outcome, n.run?.reason], [status, true, outcome, reason]);
  }
});

test('a run_end ping says what hb made of the run: status, problem, title and message with the reason', () => {
  const end = (rec: HeartbeatRecord) => {
    const n = runNotification('run_end', 'backup', 'db1', NOW, 'r1', rec);
    return [n.status, n.problem, n.title, n.message];
  };
  assert.deepEqual(end(record({ outcome: 'ok', reason: null })), ['ok', false, '[hb] backup succeeded', 'backup succeeded']);
  assert.deepEqual(end(record({ exit_code: 24, outcome: 'warning', reason: 'exit 24 is in warn_codes' })), [
    'warning',
    false,
    '[hb] backup succeeded with a warning',
    'backup succeeded with a warning: exit 24 is in warn_codes',
  ]);
  assert.deepEqual(end(record({ outcome: 'suspicious', reason: 'took 10ms' })), [
    'suspicious',
    true,
    '[hb] backup was suspicious',
    'backup was suspicious: took 10ms',
  ]);
  assert.deepEqual(end(record({ outcome: 'slow', reason: 'took 1h' })), ['slow', true, '[hb] backup was slow', 'backup was slow: took 1h']);
  assert.deepEqual(end(record({ status: 'error', outcome: 'failed', reason: 'no file matched backup-*.gz' })), [
    'failed',
    true,
    '[hb] backup failed',
    'backup failed: no file matched backup-*.gz',
  ]);
  // As before outcomes: a record's own message (the meta-heartbeat's), a plain failure.
  assert.deepEqual(end(record({ message: '2 of 5 jobs unhealthy' })), ['ok', false, '[hb] backup succeeded', 'backup ran: 2 of 5 jobs unhealthy']);
  assert.deepEqual(end(record({ status: 'error', exit_code: 3 })), ['failed', true, '[hb] backup failed', 'backup failed']);
});

test('an alert and a reminder carry the evidence ranked and bounded, the cause line and the root cause; a resolve carries none', () => {
  const clues = Array.from({ length: 12 }, (_, i): Evidence => ({ kind: 'elsewhere', weight: 'clue', text: `clue ${i}`, facts: {} }));
  const health = {
    job: 'backup',
    status: 'stale',
    problem: true,
    reason: 'last heartbeat 3h ago',
    last: null,
    evidence: [NO_LOCK, LINE_GONE, ...clues, DUMP_FAILED, CRON_DOWN],
    root_cause: DUMP_ROOT,
  } as unknown as JobHealth;
  const incident = { id: 'i1', opened_at: '2026-11-20T09:00:00.000Z', status: 'stale' as const, reminders: 0, last_sent_at: '2026-11-20T09:00:00.000Z' };
  for (const type of ['alert', 'remind'] as const) {
    const n = notificationFor({ type, status: 'stale', incident }, health, 'db1', NOW);
    assert.equal(n.evidence!.length, 10);
    assert.deepEqual(n.evidence!.slice(0, 3), [DUMP_FAILED, CRON_DOWN, LINE_GONE]);
    assert.equal(
      n.cause,
      `because dump failed 2h ago (needs job:dump): alerted as dump's incident; also: ${CRON_DOWN.text}; ${LINE_GONE.text}; clue 0; 11 more in hb status`,
    );
    assert.deepEqual(n.root_cause, DUMP_ROOT);
    assert.equal(n.message, 'last heartbeat 3h ago');
  }
  const resolve = notificationFor(
    { type: 'resolve', status: 'ok', incident },
    { ...health, status: 'ok', problem: false, evidence: [], root_cause: null },
    'db1',
    NOW,
  );
  assert.deepEqual(['evidence' in resolve, 'cause' in resolve, 'root_cause' in resolve], [false, false, false]);
  // Nothing found: an empty list and nulls, so a receiver reads the same keys on every alert.
  const bare = notificationFor({ type: 'alert', status: 'stale', incident }, { ...health, evidence: [], root_cause: null }, 'db1', NOW);
  assert.deepEqual([bare.evidence, bare.cause, bare.root_cause], [[], null, null]);
});
