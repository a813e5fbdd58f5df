// Reading events back: every constructor's line parses to the event it built, and a line with a
// field missing, of another type or extra reads as hb has always read it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asEventLine, parseEvent, timeOf, type HbEvent } from '../../lib/rules/events/parse.ts';
import { isCanonicalIso, isoTime } from '../../lib/rules/iso-time.ts';
import { EVENT_TYPES, newEvent, type EventType, type KnownEvent } from '../../lib/rules/events/schema.ts';
import { buildReport } from '../../lib/rules/report/build.ts';
import { logLine, summarize, widthsOf } from '../../lib/rules/report/event-line.ts';
import { mergeByTime } from '../../lib/rules/report/merge.ts';

const TS = '2026-11-20T08:00:00.000Z';
const J = 'j';

// Each type with every field it can carry, optional ones included, built by its constructor.
const WHOLE: { [T in EventType]: KnownEvent } = {
  run_started: newEvent.run_started(TS, J, { cycle: 3, pid: 41, unlocked: 'lock dir not writable' }),
  run_finished: newEvent.run_finished(TS, J, {
    cycle: 3,
    status: 'error',
    exit_code: 2,
    signal: 'SIGTERM',
    duration_ms: 1500,
    outcome: 'failed',
    reason: 'output matched fail_on /ERROR/',
    ping: true,
  }),
  crash_detected: newEvent.crash_detected(TS, J, { cycle: 2, pid: 40, started_at: '2026-11-20T07:00:00.000Z', reason: 'process gone' }),
  timeout: newEvent.timeout(TS, J, { cycle: 4, timeout_ms: 5000, exit_code: 143 }),
  overlap_skipped: newEvent.overlap_skipped(TS, J, { holder_pid: 40, holder_started_at: '2026-11-20T07:59:00.000Z', by: 'daemon' }),
  alert_opened: newEvent.alert_opened(TS, J, { incident: 'inc-12345678', status: 'failed', reason: 'exit 1' }),
  alert_reminded: newEvent.alert_reminded(TS, J, { incident: 'inc-12345678', status: 'failed', reason: 'exit 1' }),
  alert_escalated: newEvent.alert_escalated(TS, J, { incident: 'inc-12345678', status: 'stale', reason: 'due 1h ago', step: 2 }),
  alert_resolved: newEvent.alert_resolved(TS, J, { incident: 'inc-12345678', status: 'ok', reason: 'back' }),
  notify_failed: newEvent.notify_failed(TS, J, {
    sink: 'notify[0]',
    kind: 'email',
    notification: 'alert',
    incident: 'inc-1',
    attempts: 2,
    error: 'refused',
    will_retry: true,
  }),
  paused: newEvent.paused(TS, J, { until: '2026-11-20T11:00:00.000Z' }),
  resumed: newEvent.resumed(TS, J, {}),
  forgotten: newEvent.forgotten(TS, J, { removed: ['/s/a.last', '/s/a.run'] }),
  snapshot_saved: newEvent.snapshot_saved(TS, J, { snapshot: 'snap-1', files: [{ path: '/etc/a', sha256: 'ab'.repeat(32) }] }),
  snapshot_refused: newEvent.snapshot_refused(TS, J, { files: [{ path: '/etc/shadow', reason: 'not a regular file' }] }),
  config_rolled_back: newEvent.config_rolled_back(TS, J, {
    files: [{ path: '/etc/a', old_hash: 'aa'.repeat(32), new_hash: 'bb'.repeat(32) }],
    source: 'snapshot',
  }),
  restart: newEvent.restart(TS, J, { exit_code: 1, signal: 'SIGKILL', timed_out: true, duration_ms: 120, output_tail: 'x\n' }),
  recovery_verified: newEvent.recovery_verified(TS, J, { healthy: false, reason: 'HTTP 503' }),
  recovery_blocked: newEvent.recovery_blocked(TS, J, { reason: 'budget spent', restarts: 3 }),
};

// The other values of a nullable field hb writes, so a round trip covers each branch.
const OTHER_VALUES: KnownEvent[] = [
  newEvent.run_started(TS, J, { cycle: 1, pid: 2 }),
  newEvent.run_finished(TS, J, { cycle: 3, status: 'ok', exit_code: null, signal: null, duration_ms: 0 }),
  newEvent.timeout(TS, J, { cycle: 4, timeout_ms: undefined, exit_code: null }),
  newEvent.overlap_skipped(TS, J, { holder_pid: null, holder_started_at: null }),
  newEvent.notify_failed(TS, J, { sink: 's', kind: 'webhook', notification: 'resolve', incident: null, attempts: 10, error: 'HTTP 401', will_retry: false }),
  newEvent.paused(TS, J, { until: null }),
  newEvent.forgotten(TS, J, { removed: [] }),
  newEvent.config_rolled_back(TS, J, { files: [{ path: '/etc/b', old_hash: null, new_hash: 'cc' }], source: 'snapshot' }),
  newEvent.restart(TS, J, { exit_code: null, signal: 'SIGTERM', timed_out: false, duration_ms: 0, output_tail: '' }),
  newEvent.recovery_verified(TS, J, { healthy: true, reason: 'ok' }),
  newEvent.recovery_verified(TS, J, { healthy: null, reason: 'judged later' }),
];

/** The line hb writes for an event, read back as readEvents reads it. */
const reread = (e: object): HbEvent => {
  const line = asEventLine(JSON.parse(JSON.stringify(e)));
  assert.ok(line, 'an event line');
  return line;
};

test('every constructor round-trips through the parser: the line reads back as the event it built', () => {
  for (const e of [...EVENT_TYPES.map((type) => WHOLE[type]), ...OTHER_VALUES]) {
    const expected = JSON.parse(JSON.stringify(e)) as object; // undefined fields are not written
    assert.deepEqual(parseEvent(reread(e)), { known: true, ...expected }, e.type);
  }
});

test('a line of a type hb does not write reads as unknown, every field kept as it stands', () => {
  const line = { ts: TS, job: J, type: 'run_exploded', b: 2, a: { x: [1] } };
  assert.deepEqual(parseEvent(line), { known: false, ts: TS, job: J, type: 'run_exploded', fields: line });
  assert.equal(parseEvent({ ts: TS, job: J, type: 'toString' }).known, false, 'no prototype lookups');
});

test('what is not an event at all is skipped, as before: not an object, an array, no string type', () => {
  for (const value of [null, 'run_started', 7, true, [], [{ type: 'run_started' }], {}, { type: 7 }, { type: null }, { ts: TS, job: J }]) {
    assert.equal(asEventLine(value), null, JSON.stringify(value));
  }
  assert.deepEqual(asEventLine({ type: '' }), { type: '' }, 'an empty type is a string: kept, of an unknown type');
});

// Each field of each type left out, and what `hb log` says then: the summaries hb printed before
// reads went through the parser (recorded from that code).
const MISSING: Array<[EventType, string, string]> = [
  ['run_started', 'cycle', 'started, pid 41, without its lock (lock dir not writable)'],
  ['run_started', 'pid', 'started (cycle 3), without its lock (lock dir not writable)'],
  ['run_started', 'unlocked', 'started (cycle 3), pid 41'],
  ['run_finished', 'cycle', 'error ping'],
  ['run_finished', 'status', 'ok ping (cycle 3)'],
  ['run_finished', 'exit_code', 'error ping (cycle 3)'],
  ['run_finished', 'signal', 'error ping (cycle 3)'],
  ['run_finished', 'duration_ms', 'error ping (cycle 3)'],
  ['run_finished', 'outcome', 'error ping (cycle 3)'],
  ['run_finished', 'reason', 'error ping (cycle 3)'],
  ['run_finished', 'ping', 'error killed by SIGTERM in 1.5s (cycle 3) — failed: output matched fail_on /ERROR/'],
  ['crash_detected', 'cycle', 'run died without a heartbeat (pid 40, started 2026-11-20 07:00:00Z): process gone'],
  ['crash_detected', 'pid', 'run (cycle 2) died without a heartbeat: process gone'],
  ['crash_detected', 'started_at', 'run (cycle 2) died without a heartbeat (pid 40, started undefined): process gone'],
  ['crash_detected', 'reason', 'run (cycle 2) died without a heartbeat (pid 40, started 2026-11-20 07:00:00Z)'],
  ['timeout', 'cycle', 'stopped by --timeout after 5.0s, exit 143'],
  ['timeout', 'timeout_ms', 'stopped by --timeout after -, exit 143 (cycle 4)'],
  ['timeout', 'exit_code', 'stopped by --timeout after 5.0s (cycle 4)'],
  ['overlap_skipped', 'holder_pid', 'skipped: the previous run still holds the lock'],
  ['overlap_skipped', 'holder_started_at', 'skipped: the previous run (pid 40, started undefined) still holds the lock'],
  ['overlap_skipped', 'by', 'skipped: the previous run (pid 40, started 2026-11-20 07:59:00Z) still holds the lock'],
  ['alert_opened', 'incident', 'alert opened: failed — exit 1'],
  ['alert_opened', 'status', 'alert opened:  — exit 1 [incident inc-1234]'],
  ['alert_opened', 'reason', 'alert opened: failed [incident inc-1234]'],
  ['alert_reminded', 'incident', 'reminder: still failed — exit 1'],
  ['alert_reminded', 'status', 'reminder: still  — exit 1 [incident inc-1234]'],
  ['alert_reminded', 'reason', 'reminder: still failed [incident inc-1234]'],
  ['alert_escalated', 'incident', 'escalated (step 2): still stale — due 1h ago'],
  ['alert_escalated', 'status', 'escalated (step 2): still  — due 1h ago [incident inc-1234]'],
  ['alert_escalated', 'reason', 'escalated (step 2): still stale [incident inc-1234]'],
  ['alert_escalated', 'step', 'escalated: still stale — due 1h ago [incident inc-1234]'],
  ['alert_resolved', 'incident', 'alert resolved — back'],
  ['alert_resolved', 'status', 'alert resolved — back [incident inc-1234]'],
  ['alert_resolved', 'reason', 'alert resolved [incident inc-1234]'],
  ['notify_failed', 'sink', 'alert to ? (email) failed (attempt 2): refused; will retry'],
  ['notify_failed', 'kind', 'alert to notify[0] failed (attempt 2): refused; will retry'],
  ['notify_failed', 'notification', 'notification to notify[0] (email) failed (attempt 2): refused; will retry'],
  ['notify_failed', 'incident', 'alert to notify[0] (email) failed (attempt 2): refused; will retry'],
  ['notify_failed', 'attempts', 'alert to notify[0] (email) failed: refused; will retry'],
  ['notify_failed', 'error', 'alert to notify[0] (email) failed (attempt 2): ; will retry'],
  ['notify_failed', 'will_retry', 'alert to notify[0] (email) failed (attempt 2): refused; gave up'],
  ['paused', 'until', 'paused until hb resume'],
  ['forgotten', 'removed', 'forgotten'],
  ['snapshot_saved', 'snapshot', 'known-good snapshot  saved (1 file)'],
  ['snapshot_saved', 'files', 'known-good snapshot snap-1 saved (0 files)'],
  ['snapshot_refused', 'files', 'no snapshot: hb will not touch a guarded file'],
  ['config_rolled_back', 'files', 'rolled back nothing from snapshot'],
  ['config_rolled_back', 'source', 'rolled back /etc/a (aaaaaaaaaaaa → bbbbbbbbbbbb)'],
  ['restart', 'exit_code', 'restart killed by SIGKILL in 120ms (timed out)'],
  ['restart', 'signal', 'restart exit 1 in 120ms (timed out)'],
  ['restart', 'timed_out', 'restart killed by SIGKILL in 120ms'],
  ['restart', 'duration_ms', 'restart killed by SIGKILL in - (timed out)'],
  ['restart', 'output_tail', 'restart killed by SIGKILL in 120ms (timed out)'],
  ['recovery_verified', 'healthy', 'health not known yet: HTTP 503'],
  ['recovery_verified', 'reason', 'still unhealthy after recovery:'],
  ['recovery_blocked', 'reason', 'recovery blocked after 3 restarts:'],
  ['recovery_blocked', 'restarts', 'recovery blocked: budget spent'],
];

const report = (line: HbEvent) => {
  const before = [
    { ts: '2026-11-20T07:30:00.000Z', job: J, type: 'run_started', cycle: 3, pid: 1 },
    { ts: '2026-11-20T07:30:00.000Z', job: J, type: 'alert_opened', incident: 'inc-12345678', status: 'failed', reason: 'x' },
  ];
  return buildReport({ events: [...before, line], health: [], nowMs: Date.parse('2026-11-20T09:00:00.000Z'), windowMs: 86_400_000, host: 'h' }).jobs;
};
const without = (e: object, key: string): HbEvent => {
  const { [key]: _, ...rest } = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
  return rest as HbEvent;
};
const line = (e: HbEvent) => logLine(parseEvent(e), widthsOf([parseEvent(e)]));

test('a field left out: every field of every type, the summary hb log printed before', () => {
  const covered = new Set<string>();
  for (const [type, field, summary] of MISSING) {
    assert.equal(line(without(WHOLE[type], field)), `2026-11-20 08:00:00Z  j  ${type}  ${summary}`, `${type} without ${field}`);
    covered.add(`${type}.${field}`);
  }
  for (const type of EVENT_TYPES) {
    for (const field of Object.keys(WHOLE[type]).filter((k) => !['ts', 'job', 'type'].includes(k)))
      assert.ok(covered.has(`${type}.${field}`), `${type}.${field} has a row`);
  }
  // Without a time or a job the line is still shown, and the report passes it over.
  assert.equal(line(without(WHOLE.resumed, 'ts')), 'undefined  j  resumed  resumed');
  assert.equal(line(without(WHOLE.resumed, 'job')), '2026-11-20 08:00:00Z    resumed  resumed');
  assert.deepEqual(report(without(WHOLE.run_finished, 'job')), report(without(WHOLE.run_finished, 'ts')));
});

// Values of every JSON type: each one hb does not write for a field reads as the field left out.
const VALUES: unknown[] = [42, 0, 'text', '', true, false, null, { a: 1 }, [1, 'two'], []];
// The fields hb writes null in, and those that hold one value only.
const NULLABLE = new Set([
  'run_finished.exit_code',
  'run_finished.signal',
  'timeout.exit_code',
  'overlap_skipped.holder_pid',
  'overlap_skipped.holder_started_at',
  'notify_failed.incident',
  'paused.until',
  'restart.exit_code',
  'restart.signal',
  'recovery_verified.healthy',
]);
const ONE_VALUE = new Set(['run_finished.ping', 'overlap_skipped.by']);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('a field of another JSON type reads as left out, in hb log and in the report alike', () => {
  let rows = 0;
  for (const type of EVENT_TYPES) {
    const whole = JSON.parse(JSON.stringify(WHOLE[type])) as Record<string, unknown>;
    for (const field of Object.keys(whole).filter((k) => k !== 'type')) {
      const missing = without(whole, field);
      const name = `${type}.${field}`;
      for (const value of VALUES) {
        const label = `${name}=${JSON.stringify(value)}`;
        const tampered = { ...whole, [field]: value } as HbEvent;
        const read = parseEvent(tampered) as Record<string, unknown>;
        const fits = ONE_VALUE.has(name) ? value === whole[field] : kind(value) === kind(whole[field]) || (value === null && NULLABLE.has(name));
        if (fits) {
          // A list keeps the elements that read (tested below); any other value is kept as it is.
          if (kind(value) !== 'array') assert.deepEqual(read[field], value, `${label} is kept`);
          else assert.ok(Array.isArray(read[field]), `${label} is kept`);
          continue;
        }
        rows++;
        assert.deepEqual(read, parseEvent(missing), label);
        assert.equal(line(tampered), line(missing), label);
        assert.deepEqual(report(tampered), report(missing), label);
      }
    }
  }
  assert.ok(rows > 400, `${rows} rows`);
});

test('inside a list: elements of another type are dropped, a record keeps the fields that read', () => {
  const read = parseEvent({
    ts: TS,
    job: J,
    type: 'config_rolled_back',
    files: [7, { path: '/etc/a', old_hash: 5, new_hash: 'bb' }, null, ['x']],
    source: 'snapshot',
  });
  assert.deepEqual(read, { known: true, ts: TS, job: J, type: 'config_rolled_back', files: [{ path: '/etc/a', new_hash: 'bb' }, {}], source: 'snapshot' });
  assert.equal(summarize(read), 'rolled back /etc/a (missing → bb),  (missing → missing) from snapshot');
  assert.deepEqual(parseEvent({ ts: TS, job: J, type: 'forgotten', removed: ['/a', 3, '/b'] }), {
    known: true,
    ts: TS,
    job: J,
    type: 'forgotten',
    removed: ['/a', '/b'],
  });
});

test('a field hb does not write (a newer hb) is passed over: the event reads and reads out as without it', () => {
  for (const type of EVENT_TYPES) {
    const whole = reread(WHOLE[type]);
    const extra = { ...whole, extra: { x: 1 }, note: 'from a newer hb' } as HbEvent;
    assert.deepEqual(parseEvent(extra), parseEvent(whole), type);
    assert.equal(line(extra), line(whole), type);
    assert.deepEqual(report(extra), report(whole), type);
  }
});

test("a line's time is its ts when that is a string holding a time; hb log --since and the merge of two logs use it", () => {
  assert.equal(timeOf({ type: 'resumed', ts: TS }), Date.parse(TS));
  for (const ts of [2026, '2026-13-45', undefined, null, true]) assert.ok(Number.isNaN(timeOf({ type: 'resumed', ts })), String(ts));
  // A line without a time sorts first when two state directories' logs are merged.
  const a = { type: 'resumed', ts: TS, job: 'a' };
  const b = { type: 'resumed', ts: 2030, job: 'b' }; // not read as the year 2030
  assert.deepEqual([...mergeByTime([[a], [b]])], [b, a]);
});

test('a line that reads whole as it stands is taken over, not copied; any other is copied and left as it was', () => {
  for (const type of EVENT_TYPES) {
    const whole = reread(WHOLE[type]);
    const scalarsOnly = Object.values(whole).every((v) => typeof v !== 'object' || v === null);
    const read = parseEvent(whole);
    assert.equal(read === (whole as unknown), scalarsOnly, `${type}: ${scalarsOnly ? 'taken over' : 'copied (it holds a list)'}`);
    assert.equal(read.known, true);
  }
  const stored = { ts: TS, job: J, type: 'run_finished', cycle: 3, status: 'ok', exit_code: 0, signal: null, duration_ms: 5 };
  for (const odd of [
    { ...stored, extra: 1 },
    { ...stored, cycle: 'three' },
    { ...stored, known: false },
    { ...stored, ts: 5 },
    { ...stored, job: null },
  ]) {
    const before = JSON.stringify(odd);
    const read = parseEvent(odd);
    assert.notEqual(read, odd, before);
    assert.equal(JSON.stringify(odd), before, `${before} is left as it was`);
    assert.equal(read.known, true);
  }
});

test('isoTime reads a time exactly as Date.parse does: every form hb writes, and every odd one', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < 20_000; i++) {
    const ts = new Date(Math.floor(rand() * 4_102_444_800_000)).toISOString(); // 1970 … 2100
    assert.equal(isoTime(ts), Date.parse(ts), ts);
  }
  const odd = ['2026-02-30T00:00:00.000Z', '2026-04-31T23:59:59.999Z', '2026-01-01T24:00:00.000Z', '2026-01-01T23:60:00.000Z', '2026-13-01T00:00:00.000Z']
    .concat(['2026-00-01T00:00:00.000Z', '2026-01-00T00:00:00.000Z', '0099-01-01T00:00:00.000Z', '0999-12-31T00:00:00.000Z', '2026-01-01T00:00:00.00xZ'])
    .concat(['2026-01-01T00:00:00.000+', '2026-01-01T00:00:00Z', '2026-01-01 00:00:00.000Z', '+02026-01-01T00:00:00.000Z', '2026-1-01T00:00:00.000Z', ''])
    .concat(['2026-01-01T0a:00:00.000Z', '２026-01-01T00:00:00.000Z', 'yesterday']);
  for (const ts of odd) assert.ok(Object.is(isoTime(ts), Date.parse(ts)), `${ts}: ${isoTime(ts)} vs ${Date.parse(ts)}`);
});

test('isCanonicalIso: true only for text that toISOString gives back as it stands', () => {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  let canonical = 0;
  for (let i = 0; i < 20_000; i++) {
    const ts = new Date(Math.floor(rand() * 4_102_444_800_000)).toISOString();
    if (isCanonicalIso(ts)) canonical++;
    else assert.ok(Number(ts.slice(8, 10)) > 28, `${ts} is canonical`);
  }
  assert.ok(canonical > 18_000, `${canonical}`);
  for (const ts of [
    '2026-02-30T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '0999-12-01T00:00:00.000Z',
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.000+',
    '2026-01-0xT00:00:00.000Z',
  ]) {
    assert.equal(isCanonicalIso(ts), false, ts);
  }
  for (const ts of ['2026-03-10T10:00:00.000Z', '1999-12-28T23:59:59.999Z']) assert.equal(new Date(Date.parse(ts)).toISOString(), ts);
});
