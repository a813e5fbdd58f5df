// The root-cause rule of `needs:`: a needed job that is a problem is the cause, followed down a
// chain to the deepest problem; a failed precondition is the root only when no needed job fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainNeeds, type NeededVerdict, type NeedsView, type ProbeOutcome } from '../../lib/rules/needs/root-cause.ts';
import type { Need } from '../../lib/rules/needs/types.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const H = 3_600_000;
const job = (name: string): Need => ({ kind: 'job', job: name, text: `job:${name}` });
const failed = (hoursAgo: number): NeededVerdict => ({ status: 'failed', problem: true, lastMs: NOW - hoursAgo * H, runStartMs: null });
const stale = (hoursAgo: number): NeededVerdict => ({ status: 'stale', problem: true, lastMs: NOW - hoursAgo * H, runStartMs: null });
const ok = (hoursAgo: number): NeededVerdict => ({ status: 'ok', problem: false, lastMs: NOW - hoursAgo * H, runStartMs: null });

function view(verdicts: Record<string, NeededVerdict>, needs: Record<string, Need[]> = {}, probed: Record<string, ProbeOutcome> = {}): NeedsView {
  return { nowMs: NOW, verdictOf: (j) => verdicts[j], needsOf: (j) => needs[j], probed: new Map(Object.entries(probed)) };
}

test('a needed job that failed is the cause and the root', () => {
  const { evidence, root } = explainNeeds([job('dump')], view({ dump: failed(2) }));
  assert.deepEqual(root, { job: 'dump', need: 'job:dump', text: 'dump failed 2h ago' });
  assert.deepEqual(
    evidence.map((e) => [e.kind, e.weight, e.text]),
    [['dependency', 'cause', 'dump failed 2h ago']],
  );
  assert.equal(evidence[0]!.facts.last_run_at, '2026-12-03T10:00:00.000Z');
  assert.equal(evidence[0]!.facts.root_job, 'dump');
});

test('a chain is followed to the deepest problem: upload needs backup needs dump needs db', () => {
  const needs = { backup: [job('dump')], dump: [job('db')] };
  const { evidence, root } = explainNeeds([job('backup')], view({ backup: stale(5), dump: stale(4), db: failed(3) }, needs));
  assert.deepEqual(root, { job: 'db', need: 'job:backup', text: 'db failed 3h ago (through backup, dump)' });
  assert.equal(evidence[0]!.text, 'backup is stale (last ran 5h ago), because db failed 3h ago');
  // The chain stops at the first job whose own needs are fine.
  const stops = explainNeeds([job('backup')], view({ backup: stale(5), dump: failed(4), db: ok(1) }, needs));
  assert.equal(stops.root?.job, 'dump');
});

test('of several needs, a healthy job clears and the first failing one is the root; an unknown job is a clue', () => {
  const { evidence, root } = explainNeeds([job('fine'), job('ghost'), job('dump'), job('other')], view({ fine: ok(1), dump: failed(2), other: failed(1) }));
  assert.equal(root?.job, 'dump');
  assert.deepEqual(
    evidence.map((e) => [e.weight, e.text]),
    [
      ['clear', 'fine is ok (last ran 1h ago)'],
      ['clue', 'ghost has no verdict in this check (no heartbeat found and not judged)'],
      ['cause', 'dump failed 2h ago'],
      ['cause', 'other failed 1h ago'],
    ],
  );
});

test('a failed precondition is the root only when no needed job fails; one that holds clears', () => {
  const mount: Need = { kind: 'mount', path: '/mnt/backup', text: 'mount:/mnt/backup' };
  const tcp: Need = { kind: 'tcp', host: '127.0.0.1', port: 5432, text: 'tcp:127.0.0.1:5432' };
  const cmd: Need = { kind: 'command', command: 'pg_isready -q', timeoutMs: 5000, text: 'command:pg_isready -q' };
  const probed: Record<string, ProbeOutcome> = {
    'mount:/mnt/backup': { kind: 'mount', mounted: false, exists: true },
    'tcp:127.0.0.1:5432': { kind: 'tcp', connected: false, error: 'ECONNREFUSED', timeoutMs: 2000 },
    'command:pg_isready -q': { kind: 'command', exitCode: 2, signal: null, timedOut: false, tail: 'no response\n', error: null },
  };
  const alone = explainNeeds([mount, tcp, cmd], view({}, {}, probed));
  assert.deepEqual(alone.root, { job: null, need: 'mount:/mnt/backup', text: '/mnt/backup is not mounted (mount /mnt/backup)' });
  assert.deepEqual(
    alone.evidence.map((e) => [e.kind, e.weight, e.text]),
    [
      ['precondition', 'cause', '/mnt/backup is not mounted (mount /mnt/backup)'],
      ['precondition', 'cause', '127.0.0.1:5432 refused the connection (nothing listens there)'],
      ['precondition', 'cause', 'pg_isready -q exited 2: no response'],
    ],
  );
  const withJob = explainNeeds([mount, job('dump')], view({ dump: failed(1) }, {}, probed));
  assert.equal(withJob.root?.job, 'dump');
  const holds = explainNeeds([mount], view({}, {}, { 'mount:/mnt/backup': { kind: 'mount', mounted: true, exists: true } }));
  assert.equal(holds.root, null);
  assert.deepEqual(
    holds.evidence.map((e) => [e.weight, e.text, e.facts.holds]),
    [['clear', '/mnt/backup is mounted', true]],
  );
  const hung = explainNeeds(
    [cmd],
    view({}, {}, { 'command:pg_isready -q': { kind: 'command', exitCode: null, signal: null, timedOut: true, tail: '', error: null } }),
  );
  assert.equal(hung.evidence[0]!.text, 'pg_isready -q did not finish within 5s and was killed');
});
