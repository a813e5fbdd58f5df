// Escalation and the early warning in the incident machine: steps sent once each and in order,
// a late check catching up on every step due, the resolve reaching every sink told, reminders
// untouched; one late notice per due time, never while paused, never unasked. Then what carries
// them across checks: the alert state file (old ones still read) and the replay of a dead check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUIET, step, type AlertPolicy, type HealthSnapshot, type JobAlertState } from '../../lib/rules/alerts/incident.ts';
import { lateNotification, notificationFor } from '../../lib/rules/alerts/notification.ts';
import { recipients } from '../../lib/rules/alerts/recipients.ts';
import { replayUnrecorded } from '../../lib/rules/alerts/replay.ts';
import { readAlertState, writeAlertState } from '../../lib/adapters/alerts/state.ts';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import type { JobHealth, JobStatus } from '../../lib/rules/health/types.ts';
import { PROBLEM_STATUSES } from '../../lib/rules/health/types.ts';
import type { Notification } from '../../lib/rules/sinks/types.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const snap = (status: JobStatus, over: Partial<HealthSnapshot> = {}): HealthSnapshot => ({ status, problem: PROBLEM_STATUSES.has(status), ...over });

/** Runs checks at the given minutes after T0; returns what each sent as `type[:step]`. */
function run(checks: Array<[minute: number, status: JobStatus]>, policy: Partial<AlertPolicy>): { sent: string[]; state: JobAlertState } {
  let state = QUIET;
  const sent: string[] = [];
  for (const [minute, status] of checks) {
    const r = step(state, snap(status), { remindMs: null, ...policy }, T0 + minute * MIN, () => 'inc-1');
    state = r.state;
    sent.push(r.drafts.map((d) => (d.escalation ? `${d.type}:${d.escalation.step}` : d.type)).join(',') || '-');
  }
  return { sent, state };
}

test('each escalation step is sent once, in order, when the incident has been open for its after', () => {
  const { sent, state } = run(
    [
      [0, 'stale'],
      [29, 'stale'],
      [30, 'stale'],
      [31, 'stale'],
      [59, 'stale'],
      [60, 'stale'],
      [200, 'stale'],
    ],
    { escalateAfterMs: [30 * MIN, 60 * MIN] },
  );
  assert.deepEqual(sent, ['alert', '-', 'escalate:1', '-', '-', 'escalate:2', '-']);
  assert.equal(state.incident!.escalated, 2);
});

test('a check that runs late sends every step now due, once each and in order', () => {
  const { sent } = run(
    [
      [0, 'failed'],
      [95, 'failed'],
      [96, 'failed'],
    ],
    { escalateAfterMs: [30 * MIN, 60 * MIN, 90 * MIN, 120 * MIN] },
  );
  assert.deepEqual(sent, ['alert', 'escalate:1,escalate:2,escalate:3', '-']);
});

test('reminders keep their own pace beside escalations, and the resolve carries how many steps were sent', () => {
  const r = run(
    [
      [0, 'stale'],
      [20, 'stale'],
      [30, 'stale'],
      [40, 'stale'],
      [50, 'ok'],
    ],
    { remindMs: 20 * MIN, escalateAfterMs: [30 * MIN] },
  );
  assert.deepEqual(r.sent, ['alert', 'remind', 'escalate:1', 'remind', 'resolve']);
  // The resolve's incident says one step was told: its sinks get the resolve (recipients below).
  let state = QUIET;
  let last: ReturnType<typeof step> | null = null;
  for (const [minute, status] of [
    [0, 'stale'],
    [30, 'stale'],
    [31, 'running'],
    [32, 'paused'],
    [100, 'paused'],
    [101, 'ok'],
  ] as Array<[number, JobStatus]>) {
    last = step(state, snap(status), { remindMs: null, escalateAfterMs: [30 * MIN, 60 * MIN] }, T0 + minute * MIN, () => 'inc-1');
    state = last.state;
    if (status === 'running' || status === 'paused') assert.deepEqual(last.drafts, [], `${status} holds: no escalation while the outcome is not known`);
  }
  assert.deepEqual(
    last!.drafts.map((d) => [d.type, d.incident.escalated]),
    [['resolve', 1]],
  );
});

test('without steps nothing escalates, and an incident from an older state (no count) escalates from its first step', () => {
  assert.deepEqual(
    run(
      [
        [0, 'stale'],
        [500, 'stale'],
      ],
      {},
    ).sent,
    ['alert', '-'],
  );
  const old: JobAlertState = { incident: { id: 'old', opened_at: iso(T0), status: 'stale', reminders: 0, last_sent_at: iso(T0) } };
  const r = step(old, snap('stale'), { remindMs: null, escalateAfterMs: [30 * MIN] }, T0 + 45 * MIN, () => 'x');
  assert.deepEqual(
    r.drafts.map((d) => [d.type, d.incident.id, d.escalation]),
    [['escalate', 'old', { step: 1, afterMs: 30 * MIN }]],
  );
  assert.equal(r.state.incident!.last_sent_at, iso(T0), 'an escalation is not a reminder: the reminder clock does not move');
});

test('a late notice once per due time, only when asked for, never while paused; the due time is kept until it moves on', () => {
  const due = T0 + 10 * MIN;
  const deadline = T0 + 40 * MIN;
  const late = (over: Partial<HealthSnapshot> = {}) => snap('late', { dueMs: due, deadlineMs: deadline, ...over });
  const policy = { remindMs: null, late: true };

  const first = step(QUIET, late(), policy, due + MIN, () => 'x');
  assert.deepEqual(first.late, { dueMs: due, deadlineMs: deadline });
  assert.deepEqual(first.drafts, [], 'late is not an incident');
  assert.deepEqual(first.state, { incident: null, late_due: iso(due) });

  const again = step(first.state, late(), policy, due + 2 * MIN, () => 'x');
  assert.equal(again.late, null, 'the same due time: said once');
  // A run starting and dying in between does not make the same due time news again.
  const running = step(again.state, snap('running', { dueMs: due, deadlineMs: deadline }), policy, due + 3 * MIN, () => 'x');
  assert.equal(step(running.state, late(), policy, due + 4 * MIN, () => 'x').late, null);
  // The job ran: a new due time, a new notice when it passes.
  const moved = step(again.state, snap('ok', { dueMs: due + 60 * MIN, deadlineMs: deadline + 60 * MIN }), policy, due + 5 * MIN, () => 'x');
  assert.deepEqual(moved.state, { incident: null }, 'a due time gone by is forgotten');
  const next = step(moved.state, late({ dueMs: due + 60 * MIN, deadlineMs: deadline + 60 * MIN }), policy, due + 61 * MIN, () => 'x');
  assert.deepEqual(next.late, { dueMs: due + 60 * MIN, deadlineMs: deadline + 60 * MIN });

  assert.equal(step(QUIET, late(), { remindMs: null }, due + MIN, () => 'x').late, null, 'no sink asks: no notice');
  assert.deepEqual(step(QUIET, late(), { remindMs: null }, due + MIN, () => 'x').state, { incident: null }, 'and nothing remembered');
  const paused = step(QUIET, snap('paused', { dueMs: due, deadlineMs: deadline }), policy, due + MIN, () => 'x');
  assert.equal(paused.late, null, 'a paused job is not warned about');
  assert.equal(step(QUIET, snap('ok', { dueMs: due, deadlineMs: deadline }), policy, due - MIN, () => 'x').late, null, 'not due yet');
  assert.equal(
    step(QUIET, snap('stale', { dueMs: due, deadlineMs: deadline }), policy, deadline + MIN, () => 'x').late,
    null,
    'stale is an alert, not a notice',
  );
});

const health = (over: Partial<JobHealth> = {}): JobHealth =>
  ({
    job: 'backup',
    status: 'stale',
    problem: true,
    reason: 'due 1h ago (every 1h, grace 30m): deadline passed 30m ago',
    last: null,
    evidence: [],
    root_cause: null,
    ...over,
  }) as JobHealth;

test('the escalate and late notifications: titles, step, times, and the incident’s count of steps', () => {
  const incident = { id: 'inc-1', opened_at: iso(T0), status: 'stale' as const, reminders: 0, last_sent_at: iso(T0), escalated: 1 };
  const n = notificationFor({ type: 'escalate', status: 'stale', incident, escalation: { step: 1, afterMs: 30 * MIN } }, health(), 'h', T0 + 60 * MIN);
  assert.equal(n.type, 'escalate');
  assert.equal(n.title, '[hb] backup stale for 1h: escalated');
  assert.deepEqual(n.escalation, { step: 1, after_s: 1800 });
  assert.deepEqual(n.incident, { id: 'inc-1', opened_at: iso(T0), status: 'stale', reminders: 0, escalated: 1 });
  const alert = notificationFor({ type: 'alert', status: 'stale', incident: { ...incident, escalated: undefined } }, health(), 'h', T0);
  assert.equal('escalated' in alert.incident!, false, 'no step sent: no count in the JSON');
  assert.equal('escalation' in alert, false);

  const late = lateNotification(
    health({ status: 'late', problem: false }),
    { dueMs: Date.parse('2026-11-20T10:00:00Z'), deadlineMs: Date.parse('2026-11-20T10:30:00Z') },
    'h',
    Date.parse('2026-11-20T10:05:00Z'),
  );
  assert.deepEqual(
    [late.type, late.status, late.problem, late.incident, late.title, late.message],
    ['late', 'late', false, null, '[hb] backup late', 'backup is late: due 10:00 UTC, stale at 10:30 UTC unless it runs'],
  );
  assert.deepEqual(late.late, { due: '2026-11-20T10:00:00.000Z', stale_at: '2026-11-20T10:30:00.000Z' });
  const overnight = lateNotification(
    health({ status: 'late' }),
    { dueMs: Date.parse('2026-11-20T23:59:30Z'), deadlineMs: Date.parse('2026-11-21T00:30:00Z') },
    'h',
    Date.parse('2026-11-21T00:01:00Z'),
  );
  assert.equal(overnight.message, 'backup is late: due 2026-11-20 23:59:30 UTC, stale at 00:30 UTC unless it runs');
});

test('recipients: an escalation goes to its step’s sinks only, a resolve to the job’s sinks and every step told, late only to who asks', async () => {
  const config = await parseConfigText(
    [
      'notify:',
      '  - webhook: http://127.0.0.1:1/first',
      '  - webhook: {url: http://127.0.0.1:1/early, on: [late]}',
      'escalate:',
      '  - {after: 30m, notify: [{webhook: http://127.0.0.1:1/lead}]}',
      '  - {after: 1h, notify: [{webhook: http://127.0.0.1:1/head}, {webhook: {url: http://127.0.0.1:1/pager, on: [escalate]}}]}',
      '',
    ].join('\n'),
    'hb.yaml',
    'UTC',
  );
  const to = (n: Partial<Notification>) =>
    recipients(config, { job: 'backup', incident: null, ...n } as Notification).map((s) => String(s.options.url).replace('http://127.0.0.1:1/', ''));
  const incident = (escalated?: number) => ({ id: 'i', opened_at: iso(T0), status: 'stale' as const, reminders: 0, ...(escalated ? { escalated } : {}) });
  assert.deepEqual(to({ type: 'alert', incident: incident() }), ['first']);
  assert.deepEqual(to({ type: 'remind', incident: incident(2) }), ['first'], 'reminders keep to the job’s own sinks');
  assert.deepEqual(to({ type: 'escalate', incident: incident(1), escalation: { step: 1, after_s: 1800 } }), ['lead']);
  assert.deepEqual(to({ type: 'escalate', incident: incident(2), escalation: { step: 2, after_s: 3600 } }), ['head', 'pager']);
  assert.deepEqual(to({ type: 'escalate', incident: incident(3), escalation: { step: 3, after_s: 7200 } }), [], 'a step no longer configured reaches nobody');
  assert.deepEqual(to({ type: 'resolve', incident: incident() }), ['first']);
  assert.deepEqual(to({ type: 'resolve', incident: incident(1) }), ['first', 'lead']);
  assert.deepEqual(to({ type: 'resolve', incident: incident(2) }), ['first', 'lead', 'head'], 'pager asked for escalations only');
  assert.deepEqual(to({ type: 'late' }), ['early']);
});

test('the alert state keeps escalated counts and late due times; a file from before either still reads', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-esc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'alerts'));
  const old = { id: 'inc-1', opened_at: iso(T0), status: 'stale', reminders: 1, last_sent_at: iso(T0) };
  writeFileSync(join(dir, 'alerts', 'state.json'), JSON.stringify({ v: 1, jobs: { a: { incident: old, streak: 3 }, b: { streak: 2 } }, journal: [] }));
  const before = readAlertState(dir);
  assert.deepEqual([...before.jobs], [['a', { incident: old }]]);
  assert.equal(before.jobs.get('a')!.incident!.escalated, undefined, 'no count: no step sent');

  const states = new Map<string, JobAlertState>([
    ['a', { incident: { ...old, status: 'stale', escalated: 2 } }],
    ['b', { incident: null, late_due: iso(T0) }],
    ['c', { incident: null }],
  ]);
  writeAlertState(dir, states, new Set(), before);
  const after = readAlertState(dir);
  assert.deepEqual(
    [...after.jobs],
    [
      ['a', { incident: { ...old, escalated: 2 } }],
      ['b', { incident: null, late_due: iso(T0) }],
    ],
  );
});

test('a dead check’s escalation and late notice are replayed: the step counts as sent, the due time as warned about', () => {
  const opened = { id: 'inc-1', opened_at: iso(T0), status: 'stale' as const, reminders: 0, last_sent_at: iso(T0) };
  const escalate: Notification = {
    v: 1,
    id: 'n-esc',
    type: 'escalate',
    job: 'j',
    host: 'h',
    status: 'stale',
    problem: true,
    message: 'm',
    title: 't',
    ts: iso(T0 + 40 * MIN),
    incident: { id: 'inc-1', opened_at: iso(T0), status: 'stale', reminders: 0, escalated: 1 },
    escalation: { step: 1, after_s: 1800 },
  };
  const late: Notification = {
    ...escalate,
    id: 'n-late',
    job: 'k',
    type: 'late',
    status: 'late',
    problem: false,
    incident: null,
    late: { due: iso(T0), stale_at: iso(T0 + MIN) },
  };
  delete late.escalation;
  const r = replayUnrecorded(new Map([['j', { incident: opened }]]), new Set(), [escalate, late]);
  assert.deepEqual(
    r.notifications.map((n) => n.id),
    ['n-esc', 'n-late'],
  );
  assert.deepEqual(r.states.get('j'), { incident: { ...opened, escalated: 1 } }, 'the step is counted, the reminder clock kept');
  assert.deepEqual(r.states.get('k'), { incident: null, late_due: iso(T0) });
  // The next check decides nothing twice.
  const policy = { remindMs: null, escalateAfterMs: [30 * MIN], late: true };
  assert.deepEqual(step(r.states.get('j')!, snap('stale'), policy, T0 + 41 * MIN, () => 'x').drafts, []);
  assert.equal(step(r.states.get('k')!, snap('late', { dueMs: T0, deadlineMs: T0 + MIN }), policy, T0 + 30_000, () => 'x').late, null);
  // Recorded in the journal already: nothing to replay.
  assert.deepEqual(replayUnrecorded(new Map(), new Set(['n-esc', 'n-late']), [escalate, late]).notifications, []);
});
