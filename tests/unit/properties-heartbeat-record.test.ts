// Properties of `.last` parsing: whatever hb writes reads back equal; whatever else a file holds
// is a touch, a record or corrupt with a reason, and never an exception.
// Seeded (tests/helpers.ts propertyRuns): a failure prints fast-check's seed; FC_SEED=<seed> replays it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { propertyRuns } from '../helpers.ts';
import { heartbeatTime, parseHeartbeat, type HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import { readHeartbeatFile, writeHeartbeat } from '../../lib/adapters/heartbeat/store.ts';

const RUNS = propertyRuns(1000);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const jobName = fc
  .tuple(fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...ALNUM, '.', '_', '-'), { maxLength: 40 }))
  .map(([first, rest]) => first + rest.join(''));
const iso = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }).map((ms) => new Date(ms).toISOString());
// Free text from jobs: any code point, controls included.
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const schedule = fc.oneof(
  fc.constantFrom('15m', '1h', '90s', '1d').map((every) => ({ every })),
  fc.record({ cron: fc.constantFrom('*/15 * * * *', '30 2 * * *', '@daily'), tz: fc.constantFrom('UTC', 'Europe/Berlin') }, { noNullPrototype: true }),
);

// A record as hb writes it: every v1 field, the optional ones sometimes.
const record: fc.Arbitrary<HeartbeatRecord> = fc.record(
  {
    v: fc.constant(1 as const),
    job: jobName,
    host: text,
    status: fc.constantFrom('ok' as const, 'error' as const),
    exit_code: nullable(fc.integer({ min: 0, max: 255 })),
    signal: nullable(fc.constantFrom('SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP')),
    started_at: iso,
    finished_at: iso,
    duration_ms: fc.nat(),
    cycle: fc.nat(),
    action: nullable(text),
    message: nullable(text),
    schedule: nullable(schedule),
    grace_s: nullable(fc.nat()),
    output_tail: nullable(text),
    pid: fc.integer({ min: 1, max: 4_194_304 }),
    hb_version: fc.constantFrom('0.1.0', '1.2.3-rc.1'),
    last_success_at: nullable(iso),
    timed_out: fc.boolean(),
    previous: nullable(
      fc.record(
        { status: fc.constant('crashed' as const), cycle: fc.nat(), started_at: iso, pid: fc.integer({ min: 1, max: 4_194_304 }) },
        { noNullPrototype: true },
      ),
    ),
  },
  {
    noNullPrototype: true,
    requiredKeys: [
      'v',
      'job',
      'host',
      'status',
      'exit_code',
      'signal',
      'started_at',
      'finished_at',
      'duration_ms',
      'cycle',
      'action',
      'message',
      'schedule',
      'grace_s',
      'output_tail',
      'pid',
      'hb_version',
    ],
  },
);

test('every record hb writes parses back equal, its time being started_at', () => {
  fc.assert(
    fc.property(record, fc.integer({ min: 0, max: 2 ** 42 }), (rec, mtime) => {
      const read = parseHeartbeat(JSON.stringify(rec) + '\n', mtime);
      assert.equal(read.kind, 'record', JSON.stringify(read));
      assert.deepEqual(read.kind === 'record' && read.record, rec);
      assert.equal(heartbeatTime(read), Date.parse(rec.started_at));
    }),
    RUNS,
  );
});

test('through the real writer and reader: the file reads back equal, its mtime the heartbeat time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-prop-'));
  try {
    fc.assert(
      fc.property(record, (rec) => {
        const path = writeHeartbeat(dir, rec, { fsync: false });
        const read = readHeartbeatFile(path);
        assert.equal(read?.kind, 'record');
        assert.deepEqual(read?.kind === 'record' && read.record, rec);
        assert.equal(Math.round(statSync(path).mtimeMs), Date.parse(rec.started_at));
      }),
      propertyRuns(150),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const checkKinds = (content: string, mtime: number) => {
  const read = parseHeartbeat(content, mtime);
  assert.equal(read.mtimeMs, mtime);
  if (!content.trimStart().startsWith('{')) {
    assert.equal(read.kind, 'touch', JSON.stringify(content));
    return read;
  }
  assert.ok(read.kind === 'record' || read.kind === 'corrupt', JSON.stringify(content));
  if (read.kind === 'corrupt') assert.ok(typeof read.reason === 'string' && read.reason.length > 0);
  return read;
};

test('any text is a touch (not JSON), a record, or corrupt with a reason; never an exception', () => {
  const content = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ maxLength: 200 }).map((s) => `{${s}`),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
    fc.constantFrom('', '\n', 'Mon Nov 23 09:00:00 UTC 2026\n', '{', '{}', '{"v":1}', ' {"a":1', 'null', '[1]'),
  );
  fc.assert(
    fc.property(content, fc.nat(), (c, mtime) => void checkKinds(c, mtime)),
    RUNS,
  );
});

const FIELD_TYPES: Record<string, string> = {
  v: 'number',
  job: 'string',
  status: 'string',
  started_at: 'string',
  finished_at: 'string',
  cycle: 'number',
  host: 'string',
  exit_code: 'number',
  signal: 'string',
  duration_ms: 'number',
  action: 'string',
  message: 'string',
  grace_s: 'number',
  output_tail: 'string',
  pid: 'number',
  hb_version: 'string',
  last_success_at: 'string',
  timed_out: 'boolean',
};
const REQUIRED = ['v', 'job', 'status', 'started_at', 'finished_at', 'cycle'];

test('a tampered record is corrupt naming the field, or still a record whose fields have their types', () => {
  const field = fc.constantFrom(...Object.keys(FIELD_TYPES), 'schedule', 'previous', 'extra');
  const value = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constantFrom('not a time', '2026-13-45T99:00:00Z', 'crashed', 'ok'), edgeNumber);
  fc.assert(
    fc.property(record, field, value, fc.nat(), (rec, key, v, mtime) => {
      const tampered: Record<string, unknown> = { ...rec, [key]: v };
      if (v === undefined) delete tampered[key];
      const read = checkKinds(JSON.stringify(tampered), mtime);
      if (read.kind === 'corrupt') {
        // Only `key` changed, so the reason must be about it.
        assert.match(read.reason, new RegExp(`"${key}"`), `${key}=${JSON.stringify(v)}: ${read.reason}`);
        return;
      }
      assert.equal(read.kind, 'record');
      const r = read.record as unknown as Record<string, unknown>;
      for (const [name, type] of Object.entries(FIELD_TYPES)) {
        if (REQUIRED.includes(name)) assert.equal(typeof r[name], type, `${name} is a ${type}`);
        else if (r[name] !== undefined && r[name] !== null) assert.equal(typeof r[name], type, `${name} is a ${type} or null`);
      }
      assert.ok(r.status === 'ok' || r.status === 'error');
      assertNumbersInRange(r);
      assert.ok(Number.isFinite(heartbeatTime(read)), 'a record has a time to count from');
      const sched = r.schedule;
      assert.ok(sched === undefined || sched === null || (typeof sched === 'object' && !Array.isArray(sched)), `schedule ${JSON.stringify(sched)}`);
    }),
    RUNS,
  );
});

// The number fields and the range each must be in when it is a number (SPEC §2 record fields).
const NUMBER_RANGES: Record<string, { min: number; max: number; whole: boolean }> = {
  v: { min: 1, max: Number.MAX_SAFE_INTEGER, whole: true },
  cycle: { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true },
  exit_code: { min: 0, max: 255, whole: true },
  duration_ms: { min: 0, max: Number.MAX_SAFE_INTEGER, whole: false },
  grace_s: { min: 0, max: Number.MAX_SAFE_INTEGER / 1000, whole: false },
  pid: { min: 1, max: 2 ** 31 - 1, whole: true },
};
// Numbers at and beyond the edges of those ranges, as JSON can hold them.
const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    -57,
    0.5,
    1.5,
    255,
    256,
    2 ** 31 - 1,
    2 ** 31,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER / 1000,
    2 ** 53,
    1e21,
    1e308,
    -1e308,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
);

function assertNumbersInRange(r: Record<string, unknown>): void {
  for (const [name, range] of Object.entries(NUMBER_RANGES)) {
    const v = r[name];
    if (typeof v !== 'number') continue;
    assert.ok(Number.isFinite(v) && v >= range.min && v <= range.max, `${name} = ${v} is within ${range.min}..${range.max}`);
    if (range.whole) assert.ok(Number.isInteger(v), `${name} = ${v} is whole`);
  }
  const prev = r.previous as Record<string, unknown> | null | undefined;
  for (const key of ['cycle', 'pid']) {
    const v = prev?.[key];
    if (typeof v === 'number') assert.ok(Number.isSafeInteger(v) && v >= (key === 'pid' ? 1 : 0), `previous.${key} = ${v}`);
  }
}

test('a number field written as any JSON number literal (1e309 is Infinity) is a record in range, or corrupt naming the field', () => {
  const field = fc.constantFrom(...Object.keys(NUMBER_RANGES), 'previous.cycle', 'previous.pid');
  // Raw literals JSON.stringify cannot write: overflowing exponents read as ±Infinity.
  const literal = fc.oneof(
    edgeNumber.map((n) => JSON.stringify(n)),
    fc.constantFrom('1e309', '-1e309', '1e999', '-0.0', '1E2', '2.50', '0.1e1'),
  );
  fc.assert(
    fc.property(record, field, literal, fc.nat(), (rec, key, raw, mtime) => {
      const [top, inner] = key.split('.') as [string, string | undefined];
      const base: Record<string, unknown> = inner
        ? { ...rec, previous: { status: 'crashed', cycle: 1, started_at: rec.started_at, pid: 7, [inner]: '@NUMBER@' } }
        : { ...rec, [top]: '@NUMBER@' };
      const text = JSON.stringify(base).replace('"@NUMBER@"', raw);
      const read = checkKinds(text, mtime);
      const parsed = Number(JSON.parse(raw));
      if (read.kind === 'corrupt') {
        assert.match(read.reason, new RegExp(`"${top}"`), `${key}=${raw}: ${read.reason}`);
        if (!Number.isFinite(parsed)) assert.match(read.reason, /not a finite number/);
        return;
      }
      assert.equal(read.kind, 'record', `${key}=${raw}`);
      assert.ok(Number.isFinite(parsed), `${key}=${raw} (not finite) was taken for a record`);
      assertNumbersInRange(read.record as unknown as Record<string, unknown>);
    }),
    RUNS,
  );
});
