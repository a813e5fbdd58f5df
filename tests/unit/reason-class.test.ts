// The reason class: one word from a fixed list for every verdict, the failed ones told apart by
// how the last run ended.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REASON_CLASSES, reasonClass } from '../../lib/rules/health/reason-class.ts';
import type { HeartbeatRecord } from '../../lib/rules/heartbeat/record.ts';
import type { JobStatus } from '../../lib/rules/health/types.ts';
import type { RootCause } from '../../lib/rules/evidence/types.ts';

const record = (over: Partial<HeartbeatRecord>): HeartbeatRecord =>
  ({ exit_code: 1, signal: null, timed_out: false, expect: null, ...over }) as HeartbeatRecord;
const verdict = (status: JobStatus, last: HeartbeatRecord | null = null, root_cause: RootCause | null = null) => ({ status, last, root_cause });

describe('reasonClass', () => {
  it('tells failed runs apart by how they ended', () => {
    assert.equal(reasonClass(verdict('failed', record({ exit_code: 3 }))), 'exit_code');
    assert.equal(reasonClass(verdict('failed', record({ exit_code: null, signal: 'SIGKILL' }))), 'signal');
    assert.equal(reasonClass(verdict('failed', record({ exit_code: null, signal: 'SIGTERM', timed_out: true }))), 'timeout');
    assert.equal(reasonClass(verdict('failed', record({ exit_code: 0 }))), 'judged');
    const missing = { path: '/srv/dump.gz', file: null, size: null, ok: false, reason: 'no file' } as NonNullable<HeartbeatRecord['expect']>[number];
    assert.equal(reasonClass(verdict('failed', record({ exit_code: 0, expect: [missing] }))), 'artifact');
  });

  it('names a missed run whose root cause is elsewhere a dependency', () => {
    const root = { job: 'db-dump' } as unknown as RootCause;
    assert.equal(reasonClass(verdict('stale')), 'missed');
    assert.equal(reasonClass(verdict('stale', null, root)), 'dependency');
    assert.equal(reasonClass(verdict('never', null, root)), 'dependency');
    assert.equal(reasonClass(verdict('never')), 'never_ran');
  });

  it('gives every status a class from the fixed list', () => {
    const statuses: JobStatus[] = [
      'ok',
      'warning',
      'running',
      'late',
      'stale',
      'never',
      'failed',
      'suspicious',
      'slow',
      'crashed',
      'overrunning',
      'corrupt',
      'clock_skew',
      'paused',
      'unscheduled',
      'recovery_exhausted',
      'recovery_failed',
      'recovery_refused',
    ];
    for (const s of statuses) assert.ok(REASON_CLASSES.includes(reasonClass(verdict(s))), s);
    assert.equal(reasonClass(verdict('ok')), 'none');
    assert.equal(reasonClass(verdict('recovery_refused')), 'recovery');
  });
});
