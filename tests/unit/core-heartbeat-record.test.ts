// parseHeartbeat: touch-compatible text, corrupt JSON with a reason naming the field, valid records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heartbeatTime, parseHeartbeat, type HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';

const MTIME = Date.parse('2026-03-10T11:00:00Z');

const valid: HeartbeatRecord = {
  v: 1,
  job: 'backup',
  host: 'web1',
  status: 'ok',
  exit_code: 0,
  signal: null,
  started_at: '2026-03-10T10:00:00.000Z',
  finished_at: '2026-03-10T10:00:02.500Z',
  duration_ms: 2500,
  cycle: 42,
  action: 'dumped 3 databases',
  message: null,
  schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' },
  grace_s: 300,
  output_tail: 'done\n',
  pid: 1234,
  hb_version: '0.1.0',
};
const text = (over: Record<string, unknown>) => JSON.stringify({ ...valid, ...over });
const without = (key: string) => JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)));

test('empty and non-JSON text are a heartbeat at the file mtime (touch, date >, echo ok >)', () => {
  for (const t of ['', '\n', '   ', 'ok\n', 'Tue Mar 10 11:00:00 UTC 2026\n', '2026-03-10T11:00:00Z', '[1, 2]', 'null', '42']) {
    const hb = parseHeartbeat(t, MTIME);
    assert.deepEqual(hb, { kind: 'touch', mtimeMs: MTIME }, JSON.stringify(t));
    assert.equal(heartbeatTime(hb), MTIME);
  }
});

test('text that starts like JSON but does not parse is corrupt', () => {
  for (const t of ['{', '{garbage', '  {"v": 1,', '{"v":1}}']) {
    const hb = parseHeartbeat(t, MTIME);
    assert.equal(hb.kind, 'corrupt', t);
    assert.equal(hb.mtimeMs, MTIME);
    assert.match((hb as { reason: string }).reason, /^not valid JSON \(.+\)$/, t);
  }
});

test('a missing or mistyped required field makes it corrupt, naming the field', () => {
  const rows: Array<[string, string, RegExp]> = [
    ['no v', without('v'), /field "v" missing or not a number/],
    ['no job', without('job'), /field "job" missing or not a string/],
    ['no status', without('status'), /field "status" missing or not a string/],
    ['no started_at', without('started_at'), /field "started_at" missing or not a string/],
    ['no finished_at', without('finished_at'), /field "finished_at" missing or not a string/],
    ['no cycle', without('cycle'), /field "cycle" missing or not a number/],
    ['cycle as text', text({ cycle: '42' }), /field "cycle" missing or not a number/],
    ['job as null', text({ job: null }), /field "job"/],
    ['wrong status', text({ status: 'success' }), /field "status" is "success", expected ok or error/],
    ['bad started_at', text({ started_at: 'yesterday' }), /field "started_at" is not an ISO 8601 time/],
    ['bad finished_at', text({ finished_at: '2026-13-45T99:00:00Z' }), /field "finished_at" is not an ISO 8601 time/],
    ['an empty object', '{}', /field "v"/],
  ];
  for (const [what, t, reason] of rows) {
    const hb = parseHeartbeat(t, MTIME);
    assert.equal(hb.kind, 'corrupt', what);
    assert.match((hb as { reason: string }).reason, reason, what);
  }
});

test('a record with several problems is corrupt for the first in the checking order: required, optional, ranges, shapes, status, times', () => {
  const rows: Array<[string, Record<string, unknown>, RegExp]> = [
    ['required before optional', { cycle: 'x', host: 7 }, /^field "cycle" missing or not a number$/],
    ['optional in table order', { pid: '1', host: 7 }, /^field "host" is not a string$/],
    ['optional before ranges', { exit_code: 300, message: 1 }, /^field "message" is not a string$/],
    ['ranges in table order', { pid: -1, exit_code: 300 }, /^field "exit_code" is 300, expected a whole number from 0 to 255$/],
    ['ranges before shapes', { grace_s: -1, schedule: 5 }, /^field "grace_s" is -1/],
    ['schedule before previous', { schedule: [], previous: 5 }, /^field "schedule" is not an object$/],
    ['previous cycle before pid', { previous: { status: 'crashed', cycle: -2, pid: 0 } }, /^field "previous": "cycle" is -2/],
    ['previous before status', { previous: { pid: 'x' }, status: 'maybe' }, /^field "previous": "pid" is not a number$/],
    ['status before times', { status: 'maybe', started_at: 'soon' }, /^field "status" is "maybe"/],
    ['started_at before finished_at', { started_at: 'soon', finished_at: 'later' }, /^field "started_at" is not an ISO 8601 time$/],
  ];
  for (const [what, over, reason] of rows) {
    const hb = parseHeartbeat(text(over), MTIME);
    assert.equal(hb.kind, 'corrupt', what);
    assert.match((hb as { reason: string }).reason, reason, what);
  }
});

test('optional fields of the wrong type are corrupt too (the checker and renderers rely on them)', () => {
  const rows: Array<[string, unknown]> = [
    ['grace_s', '5m'],
    ['message', 42],
    ['exit_code', '1'],
    ['signal', 9],
    ['duration_ms', 'long'],
    ['action', { a: 1 }],
    ['output_tail', []],
    ['pid', '1'],
    ['host', 7],
    ['last_success_at', 1],
    ['timed_out', 'yes'],
  ];
  for (const [key, value] of rows) {
    const hb = parseHeartbeat(text({ [key]: value }), MTIME);
    assert.equal(hb.kind, 'corrupt', key);
    assert.match((hb as { reason: string }).reason, new RegExp(`field "${key}" is not a`), key);
  }
  // Absent or null optional fields are fine: older or hand-written records may lack them.
  const minimal = { v: 1, job: 'x', status: 'error', started_at: '2026-03-10T10:00:00Z', finished_at: '2026-03-10T10:00:01Z', cycle: 1, grace_s: null };
  assert.equal(parseHeartbeat(JSON.stringify(minimal), MTIME).kind, 'record');
});

test('a valid record is returned as written, timed by started_at (not mtime, not finished_at)', () => {
  const hb = parseHeartbeat(JSON.stringify(valid) + '\n', MTIME);
  assert.deepEqual(hb, { kind: 'record', record: valid, mtimeMs: MTIME });
  assert.equal(heartbeatTime(hb), Date.parse('2026-03-10T10:00:00Z'));
  // Leading whitespace does not turn a record into a touch.
  assert.equal(parseHeartbeat(`\n  ${JSON.stringify(valid)}`, MTIME).kind, 'record');
  // Unknown extra fields are kept (forward compatibility).
  const extra = parseHeartbeat(text({ previous: { status: 'crashed', cycle: 41, started_at: '2026-03-09T10:00:00Z', pid: 9 }, future_field: 1 }), MTIME);
  assert.equal(extra.kind, 'record');
  assert.equal(extra.kind === 'record' && (extra.record as unknown as Record<string, unknown>).future_field, 1);
});
