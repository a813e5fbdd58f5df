// planRecovery: the whole decision table — healthy, unhealthy and unknown, against snapshots,
// missing and unreadable files, and the restart budget — with an injected `now`.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planRecovery } from '../../lib/rules/recover/plan.ts';
import type { CurrentFile, PlanInput, RecoveryPlan } from '../../lib/rules/recover/plan.ts';
import type { Manifest, RecoverPolicy } from '../../lib/rules/recover/types.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const H = 3_600_000;
const A = '/etc/app/a.conf';
const B = '/etc/app/b.conf';
const sha = (c: string): string => c.repeat(64).slice(0, 64);

const policy = (over: Partial<RecoverPolicy> = {}): RecoverPolicy => ({
  health: { kind: 'heartbeat' },
  config: [A, B],
  restart: 'systemctl restart app',
  maxRestarts: { count: 3, windowMs: H },
  source: 'snapshot',
  ref: 'HEAD',
  settleMs: 10_000,
  timeoutMs: 60_000,
  keep: 5,
  ...over,
});

const snap = (files: Record<string, string>): Manifest => ({
  v: 1,
  id: 'S1',
  job: 'app',
  taken_at: '2024-06-01T11:00:00.000Z',
  files: Object.entries(files).map(([path, c]) => ({ path, sha256: sha(c), size: 10, mode: 0o640 })),
});

const cur = (files: Record<string, string | null | { error: string }>): CurrentFile[] =>
  Object.entries(files).map(([path, c]) =>
    c === null ? { path, sha256: null } : typeof c === 'object' ? { path, sha256: null, error: c.error } : { path, sha256: sha(c) },
  );

const GOOD = snap({ [A]: 'a', [B]: 'b' });
const SAME = cur({ [A]: 'a', [B]: 'b' });

interface Row {
  name: string;
  input: Partial<PlanInput>;
  kind: RecoveryPlan['kind'];
  restores?: Array<[string, string | null]>;
  restart?: boolean;
  changed?: boolean;
  skipped?: string[];
  used?: number;
  reason: RegExp | string;
}

const rows: Row[] = [
  // Healthy: snapshot when changed.
  {
    name: 'healthy, no snapshot yet',
    input: { healthy: true, snapshot: null, current: SAME },
    kind: 'snapshot',
    changed: true,
    reason: /first snapshot of 2 guarded files/,
  },
  {
    name: 'healthy, files match',
    input: { healthy: true, current: SAME },
    kind: 'snapshot',
    changed: false,
    reason: 'healthy; guarded files match snapshot S1',
  },
  {
    name: 'healthy, one file changed',
    input: { healthy: true, current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'snapshot',
    changed: true,
    reason: `healthy; ${A} changed since snapshot S1: new snapshot`,
  },
  {
    name: 'healthy, a path newly guarded',
    input: { healthy: true, snapshot: snap({ [A]: 'a' }), current: SAME },
    kind: 'snapshot',
    changed: true,
    reason: new RegExp(`${B} changed`),
  },
  {
    name: 'healthy, a path no longer guarded',
    input: { healthy: true, policy: policy({ config: [A] }), current: cur({ [A]: 'a' }) },
    kind: 'snapshot',
    changed: true,
    reason: new RegExp(`${B} no longer guarded`),
  },
  {
    name: 'healthy, a file missing: keep the old snapshot',
    input: { healthy: true, current: cur({ [A]: 'x', [B]: null }) },
    kind: 'none',
    skipped: [B],
    reason: `healthy, but ${B} (missing): no new snapshot; snapshot S1 is kept`,
  },
  {
    name: 'healthy, a directory',
    input: { healthy: true, current: cur({ [A]: 'a', [B]: { error: 'is a directory' } }) },
    kind: 'none',
    skipped: [B],
    reason: /is a directory.*no new snapshot/,
  },
  {
    name: 'healthy, unreadable and no snapshot',
    input: { healthy: true, snapshot: null, current: cur({ [A]: { error: 'permission denied' }, [B]: 'b' }) },
    kind: 'none',
    skipped: [A],
    reason: /permission denied.*there is still no snapshot/,
  },
  { name: 'healthy, a file not examined', input: { healthy: true, current: cur({ [A]: 'a' }) }, kind: 'none', skipped: [B], reason: /not examined/ },
  {
    name: 'healthy, source git keeps no snapshot',
    input: { healthy: true, policy: policy({ source: 'git' }), current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'none',
    reason: /from git HEAD/,
  },
  {
    name: 'healthy, restart only',
    input: { healthy: true, policy: policy({ config: [] }), snapshot: null, current: [] },
    kind: 'none',
    reason: 'healthy; no guarded files',
  },
  // Unknown health: hands off.
  {
    name: 'unknown health, files differ',
    input: { healthy: null, current: cur({ [A]: 'x', [B]: null }) },
    kind: 'none',
    restores: [],
    restart: false,
    reason: /health unknown/,
  },
  // Unhealthy: restore what differs, restart within budget.
  {
    name: 'unhealthy, one file differs',
    input: { healthy: false, current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'recover',
    restores: [[A, sha('x')]],
    restart: true,
    used: 0,
    reason: /restore \/etc\/app\/a\.conf \(xxxxxxxxxxxx -> aaaaaaaaaaaa\) from S1; restart \(1 of 3 within 1h\)/,
  },
  {
    name: 'unhealthy, a file missing is restored',
    input: { healthy: false, current: cur({ [A]: 'a', [B]: null }) },
    kind: 'recover',
    restores: [[B, null]],
    restart: true,
    reason: /b\.conf \(missing -> bbbbbbbbbbbb\)/,
  },
  {
    name: 'unhealthy, a directory is not overwritten',
    input: { healthy: false, current: cur({ [A]: 'x', [B]: { error: 'is a directory' } }) },
    kind: 'recover',
    restores: [[A, sha('x')]],
    skipped: [B],
    restart: true,
    reason: /left alone: \/etc\/app\/b\.conf \(is a directory: not overwritten\)/,
  },
  {
    name: 'unhealthy, unreadable and nothing else to do',
    input: { healthy: false, policy: policy({ restart: null }), current: cur({ [A]: 'a', [B]: { error: 'permission denied' } }) },
    kind: 'none',
    restores: [],
    skipped: [B],
    restart: false,
    reason: /permission denied: not overwritten.*no restart configured/,
  },
  {
    name: 'unhealthy, no snapshot: nothing restored',
    input: { healthy: false, snapshot: null, current: cur({ [A]: 'x', [B]: 'y' }) },
    kind: 'recover',
    restores: [],
    restart: true,
    reason: /no known-good snapshot yet.*nothing to roll back; restart/,
  },
  {
    name: 'unhealthy, no snapshot and no restart',
    input: { healthy: false, snapshot: null, policy: policy({ restart: null }), current: cur({ [A]: 'x', [B]: 'y' }) },
    kind: 'none',
    restores: [],
    restart: false,
    reason: /nothing to roll back; no restart configured/,
  },
  {
    name: 'unhealthy, source git with nothing read',
    input: { healthy: false, snapshot: null, policy: policy({ source: 'git' }), current: SAME },
    kind: 'recover',
    restores: [],
    restart: true,
    reason: /no known-good content could be read from git HEAD/,
  },
  {
    name: 'unhealthy, a path never snapshotted',
    input: { healthy: false, snapshot: snap({ [A]: 'a' }), current: cur({ [A]: 'a', [B]: 'z' }) },
    kind: 'recover',
    restores: [],
    skipped: [B],
    restart: true,
    reason: /not in S1, never seen healthy/,
  },
  {
    name: 'unhealthy, a file not examined',
    input: { healthy: false, current: cur({ [A]: 'x' }) },
    kind: 'recover',
    restores: [[A, sha('x')]],
    skipped: [B],
    reason: /not examined/,
  },
  {
    name: 'unhealthy, files match: restart only',
    input: { healthy: false, current: SAME },
    kind: 'recover',
    restores: [],
    restart: true,
    reason: /guarded files match S1; restart/,
  },
  {
    name: 'unhealthy, files match, no restart',
    input: { healthy: false, policy: policy({ restart: null }), current: SAME },
    kind: 'none',
    restores: [],
    restart: false,
    reason: 'unhealthy; guarded files match S1; no restart configured',
  },
  {
    name: 'unhealthy, restore only',
    input: { healthy: false, policy: policy({ restart: null }), current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'recover',
    restores: [[A, sha('x')]],
    restart: false,
    reason: /no restart configured/,
  },
  {
    name: 'unhealthy, restart only policy',
    input: { healthy: false, policy: policy({ config: [] }), snapshot: null, current: [] },
    kind: 'recover',
    restores: [],
    restart: true,
    reason: 'unhealthy; restart (1 of 3 within 1h)',
  },
  // The budget.
  {
    name: 'two restarts within the hour: a third is allowed',
    input: { healthy: false, current: SAME, restarts: [NOW - 50 * 60_000, NOW - 10 * 60_000] },
    kind: 'recover',
    restart: true,
    used: 2,
    reason: /restart \(3 of 3 within 1h\)/,
  },
  {
    name: 'three within the hour: blocked',
    input: { healthy: false, current: SAME, restarts: [NOW - 50 * 60_000, NOW - 20 * 60_000, NOW - 60_000] },
    kind: 'blocked',
    restart: false,
    used: 3,
    reason: 'unhealthy; 3 restarts within 1h: not restarting again; needs a person',
  },
  {
    name: 'blocked leaves differing files alone',
    input: { healthy: false, current: cur({ [A]: 'x', [B]: null }), restarts: [NOW - 3, NOW - 2, NOW - 1] },
    kind: 'blocked',
    restores: [],
    restart: false,
    reason: /needs a person; 2 guarded files differ from S1 and are left as they are/,
  },
  {
    name: 'old restarts fall out of the window',
    input: { healthy: false, current: SAME, restarts: [NOW - 3 * H, NOW - 2 * H, NOW - H - 1, NOW - 60_000] },
    kind: 'recover',
    restart: true,
    used: 1,
    reason: /2 of 3/,
  },
  {
    name: 'a restart exactly one window ago no longer counts',
    input: { healthy: false, current: SAME, restarts: [NOW - H, NOW - 2, NOW - 1] },
    kind: 'recover',
    restart: true,
    used: 2,
    reason: /3 of 3/,
  },
  {
    name: 'restarts stamped in the future still count',
    input: { healthy: false, current: SAME, restarts: [NOW + 60_000, NOW + 1, NOW - 1] },
    kind: 'blocked',
    used: 3,
    reason: /needs a person/,
  },
  {
    name: 'a custom budget: 1/10m',
    input: { healthy: false, current: SAME, policy: policy({ maxRestarts: { count: 1, windowMs: 600_000 } }), restarts: [NOW - 300_000] },
    kind: 'blocked',
    used: 1,
    reason: /1 restart within 10m: not restarting again/,
  },
  {
    name: 'max_restarts 0: never restart, still restore',
    input: { healthy: false, policy: policy({ maxRestarts: { count: 0, windowMs: H } }), current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'recover',
    restores: [[A, sha('x')]],
    restart: false,
    reason: /restart disabled \(max_restarts 0\)/,
  },
  {
    name: 'max_restarts 0 and nothing to restore',
    input: { healthy: false, policy: policy({ maxRestarts: { count: 0, windowMs: H } }), current: SAME },
    kind: 'none',
    restart: false,
    reason: /restart disabled/,
  },
  {
    name: 'no restart configured is never blocked',
    input: { healthy: false, policy: policy({ restart: null }), current: cur({ [A]: 'x', [B]: 'b' }), restarts: [NOW - 3, NOW - 2, NOW - 1] },
    kind: 'recover',
    restart: false,
    used: 3,
    reason: /no restart configured/,
  },
  {
    name: 'dry run says so',
    input: { healthy: false, dryRun: true, current: cur({ [A]: 'x', [B]: 'b' }) },
    kind: 'recover',
    restart: true,
    reason: /^dry run, nothing done: unhealthy; restore /,
  },
];

describe('planRecovery', () => {
  for (const row of rows) {
    test(row.name, () => {
      const input: PlanInput = { job: 'app', healthy: true, snapshot: GOOD, current: SAME, restarts: [], policy: policy(), now: NOW, ...row.input };
      const plan = planRecovery(input);
      assert.equal(plan.kind, row.kind, plan.reason);
      if (typeof row.reason === 'string') assert.equal(plan.reason, row.reason);
      else assert.match(plan.reason, row.reason);
      if (row.restores)
        assert.deepEqual(
          plan.restores.map((r) => [r.path, r.from]),
          row.restores,
        );
      if (row.restart !== undefined) assert.equal(plan.restart, row.restart);
      if (row.changed !== undefined) assert.deepEqual(plan.snapshot, { changed: row.changed });
      if (row.skipped)
        assert.deepEqual(
          plan.skipped.map((s) => s.path),
          row.skipped,
        );
      if (row.used !== undefined) assert.equal(plan.budget.used, row.used);
      assert.equal(plan.budget.max, input.policy.maxRestarts.count);
      assert.equal(plan.budget.windowMs, input.policy.maxRestarts.windowMs);
      // Invariants: nothing but an unhealthy plan acts; only snapshot plans carry `snapshot`.
      if (input.healthy !== false) assert.equal(plan.restart || plan.restores.length > 0, false);
      if (plan.kind !== 'snapshot') assert.equal(plan.snapshot, undefined);
      if (plan.kind === 'blocked') assert.deepEqual([plan.restart, plan.restores], [false, []]);
    });
  }

  test('a restore carries the snapshot hash, mode and size to write', () => {
    const plan = planRecovery({ job: 'app', healthy: false, snapshot: GOOD, current: cur({ [A]: 'x', [B]: 'b' }), restarts: [], policy: policy(), now: NOW });
    assert.deepEqual(plan.restores, [{ path: A, from: sha('x'), to: sha('a'), mode: 0o640, size: 10 }]);
  });

  test('the input is not modified', () => {
    const input: PlanInput = {
      job: 'app',
      healthy: false,
      snapshot: GOOD,
      current: cur({ [A]: 'x', [B]: null }),
      restarts: [NOW - 1],
      policy: policy(),
      now: NOW,
    };
    const copy = structuredClone(input);
    planRecovery(input);
    assert.deepEqual(input, copy);
  });
});
