// Strict reading of `.run` files: a marker hb wrote parses; anything else says why it is not one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunMarker } from '../../lib/rules/heartbeat/run-marker.ts';

const good = {
  job: 'j',
  pid: 42,
  started_at: '2026-03-10T10:00:00.000Z',
  host: 'h',
  cycle: 3,
  boot_id: 'b',
  pid_started_ms: 5,
  command: 'true',
  timeout_ms: null,
};

test('a marker as hb writes it parses whole; an older one without boot_id or pid_started_ms gets nulls', () => {
  assert.deepEqual(parseRunMarker(JSON.stringify(good) + '\n'), { kind: 'marker', marker: good });
  const { boot_id: _b, pid_started_ms: _p, ...old } = good;
  assert.deepEqual(parseRunMarker(JSON.stringify(old)), { kind: 'marker', marker: { ...old, boot_id: null, pid_started_ms: null } });
});

test('anything else is invalid, with the reason', () => {
  const cases: Array<[string, string]> = [
    ['', 'the file is empty'],
    ['  \n', 'the file is empty'],
    ['junk', 'not JSON'],
    ['{', 'not valid JSON'],
    ['[1]', 'not JSON'],
    ['{"a":1} x', 'not valid JSON'],
    ['null', 'not JSON'],
    [JSON.stringify({ ...good, pid: '42' }), 'field "pid" missing or not a process id'],
    [JSON.stringify({ ...good, pid: 0 }), 'field "pid" missing or not a process id'],
    [JSON.stringify({ ...good, pid: 1.5 }), 'field "pid" missing or not a process id'],
    [JSON.stringify({ ...good, started_at: 'yesterday' }), 'field "started_at" missing or not an ISO 8601 time'],
    [JSON.stringify({ ...good, cycle: undefined }), 'field "cycle" missing or not a whole number'],
    [JSON.stringify({ ...good, command: ['a'] }), 'field "command" is not a string'],
    [JSON.stringify({ ...good, timeout_ms: '1h' }), 'field "timeout_ms" is not a number'],
  ];
  for (const [text, why] of cases) {
    const got = parseRunMarker(text);
    assert.equal(got.kind, 'invalid', text);
    assert.ok(got.kind === 'invalid' && got.reason.startsWith(`is not a run marker: ${why}`), `${text}: ${got.kind === 'invalid' ? got.reason : ''}`);
  }
});
