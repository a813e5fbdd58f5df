// The event schema: one constructor per type, its JSON as hb has always written it, read back whole.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../fakes.ts';
import { appendEvents, eventsPath } from '../../lib/adapters/events/log.ts';
import { parseEvent } from '../../lib/rules/events/parse.ts';
import { EVENT_TYPES, newEvent, type EventType, type KnownEvent } from '../../lib/rules/events/schema.ts';
import { summarize } from '../../lib/rules/report/event-line.ts';

const TS = '2026-03-10T10:00:00.000Z';
const J = 'backup';

// Each type once, built by its constructor, beside the line hb wrote for it before the schema
// (same keys in the same order): the record type makes a new event type without a case fail here.
const CASES: { [T in EventType]: [KnownEvent, string] } = {
  run_started: [
    newEvent.run_started(TS, J, { cycle: 3, pid: 41, unlocked: 'lock dir not writable' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"run_started","cycle":3,"pid":41,"unlocked":"lock dir not writable"}',
  ],
  run_finished: [
    newEvent.run_finished(TS, J, { cycle: 3, status: 'ok', exit_code: null, signal: null, duration_ms: 0, ping: true }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"run_finished","cycle":3,"status":"ok","exit_code":null,"signal":null,"duration_ms":0,"ping":true}',
  ],
  crash_detected: [
    newEvent.crash_detected(TS, J, { cycle: 2, pid: 40, started_at: '2026-03-10T09:00:00.000Z', reason: 'process gone' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"crash_detected","cycle":2,"pid":40,"started_at":"2026-03-10T09:00:00.000Z","reason":"process gone"}',
  ],
  timeout: [
    newEvent.timeout(TS, J, { cycle: 4, timeout_ms: 5000, exit_code: 143 }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"timeout","cycle":4,"timeout_ms":5000,"exit_code":143}',
  ],
  overlap_skipped: [
    newEvent.overlap_skipped(TS, J, { holder_pid: 40, holder_started_at: '2026-03-10T09:59:00.000Z', by: 'daemon' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"overlap_skipped","holder_pid":40,"holder_started_at":"2026-03-10T09:59:00.000Z","by":"daemon"}',
  ],
  alert_opened: [
    newEvent.alert_opened(TS, J, { incident: 'inc-1', status: 'failed', reason: 'exit 1' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"alert_opened","incident":"inc-1","status":"failed","reason":"exit 1"}',
  ],
  alert_reminded: [
    newEvent.alert_reminded(TS, J, { incident: 'inc-1', status: 'failed', reason: 'exit 1' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"alert_reminded","incident":"inc-1","status":"failed","reason":"exit 1"}',
  ],
  alert_escalated: [
    newEvent.alert_escalated(TS, J, { incident: 'inc-1', status: 'stale', reason: 'due 1h ago', step: 1 }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"alert_escalated","incident":"inc-1","status":"stale","reason":"due 1h ago","step":1}',
  ],
  alert_resolved: [
    newEvent.alert_resolved(TS, J, { incident: 'inc-1', status: 'ok', reason: 'no longer watched' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"alert_resolved","incident":"inc-1","status":"ok","reason":"no longer watched"}',
  ],
  notify_failed: [
    newEvent.notify_failed(TS, J, {
      sink: '/etc/hb/sinks/mail.json',
      kind: 'email',
      notification: 'alert',
      incident: null,
      attempts: 2,
      error: 'refused',
      will_retry: true,
    }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"notify_failed","sink":"/etc/hb/sinks/mail.json","kind":"email","notification":"alert","incident":null,"attempts":2,"error":"refused","will_retry":true}',
  ],
  paused: [newEvent.paused(TS, J, { until: null }), '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"paused","until":null}'],
  resumed: [newEvent.resumed(TS, J, {}), '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"resumed"}'],
  forgotten: [
    newEvent.forgotten(TS, J, { removed: ['/state/backup.last'] }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"forgotten","removed":["/state/backup.last"]}',
  ],
  snapshot_saved: [
    newEvent.snapshot_saved(TS, J, { snapshot: 'snap-1', files: [{ path: '/etc/app.conf', sha256: 'ab'.repeat(32) }] }),
    `{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"snapshot_saved","snapshot":"snap-1","files":[{"path":"/etc/app.conf","sha256":"${'ab'.repeat(32)}"}]}`,
  ],
  snapshot_refused: [
    newEvent.snapshot_refused(TS, J, { files: [{ path: '/etc/shadow', reason: 'not a regular file' }] }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"snapshot_refused","files":[{"path":"/etc/shadow","reason":"not a regular file"}]}',
  ],
  config_rolled_back: [
    newEvent.config_rolled_back(TS, J, { files: [{ path: '/etc/app.conf', old_hash: null, new_hash: 'cd'.repeat(32) }], source: 'snapshot' }),
    `{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"config_rolled_back","files":[{"path":"/etc/app.conf","old_hash":null,"new_hash":"${'cd'.repeat(32)}"}],"source":"snapshot"}`,
  ],
  restart: [
    newEvent.restart(TS, J, { exit_code: 0, signal: null, timed_out: false, duration_ms: 120, output_tail: 'started\n' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"restart","exit_code":0,"signal":null,"timed_out":false,"duration_ms":120,"output_tail":"started\\n"}',
  ],
  recovery_verified: [
    newEvent.recovery_verified(TS, J, { healthy: null, reason: 'no run since' }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"recovery_verified","healthy":null,"reason":"no run since"}',
  ],
  recovery_blocked: [
    newEvent.recovery_blocked(TS, J, { reason: 'restart budget spent', restarts: 3 }),
    '{"ts":"2026-03-10T10:00:00.000Z","job":"backup","type":"recovery_blocked","reason":"restart budget spent","restarts":3}',
  ],
};

test('every constructor writes the line hb wrote before, and reads back as the same known event', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-events-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const events = EVENT_TYPES.map((type) => CASES[type][0]);
  appendEvents(dir, events);
  const lines = readFileSync(eventsPath(dir), 'utf8').split('\n');
  assert.deepEqual(lines, [...EVENT_TYPES.map((type) => CASES[type][1]), '']);
  const back = readEvents(dir);
  assert.equal(back.skipped, 0);
  assert.deepEqual(back.events, events);
  for (const [i, e] of back.events.entries()) {
    assert.equal(e.type, EVENT_TYPES[i], 'each constructor writes its own type');
    assert.ok(parseEvent(e).known, `${e.type} is known when read back`);
    assert.doesNotMatch(summarize(parseEvent(e)), /^\w+=/, `${e.type} has a summary of its own, not key=value`);
  }
});

test('the known types are exactly the ones docs/state.md lists; others stay unknown', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/state.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Events'), doc.indexOf('## ', doc.indexOf('## Events') + 3));
  const documented = new Set(
    [...section.matchAll(/^\|([^|]*)\|/gm)].flatMap((m) => [...m[1]!.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!)),
  );
  assert.deepEqual([...documented].sort(), [...EVENT_TYPES].sort());
  for (const other of ['run_exploded', 'toString', '__proto__', 'constructor', '']) assert.equal(parseEvent({ type: other }).known, false, other);
});
