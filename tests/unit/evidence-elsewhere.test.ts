// Heartbeats written where the check does not read: which directories are looked in (root's
// default, each user's own, those the environment and config name, never the check's own), and
// what a newer heartbeat there says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidateDirs, elsewhereGatherer } from '../../lib/adapters/evidence/elsewhere.ts';
import { parsePasswd } from '../../lib/adapters/users/passwd.ts';
import type { ExplainContext, ExplainTarget } from '../../lib/check/explain.ts';
import { elsewhereEvidence } from '../../lib/rules/evidence/elsewhere.ts';
import type { HbConfig } from '../../lib/rules/config/types.ts';

const NOW = Date.parse('2026-12-03T19:30:00Z');

test('the newest heartbeat elsewhere that is newer than the one here is the cause; nothing newer says nothing', () => {
  const found = [
    { dir: '/var/lib/hb', file: '/var/lib/hb/dump.last', atMs: NOW - 3_600_000, owner: 'root', uid: 0 },
    { dir: '/home/alice/.local/state/hb', file: '/home/alice/.local/state/hb/dump.last', atMs: NOW - 180_000, owner: 'alice', uid: 1000 },
  ];
  const e = elsewhereEvidence(found, NOW - 86_400_000, NOW, '/srv/hb');
  assert.equal(e?.kind, 'elsewhere');
  assert.equal(e?.weight, 'cause');
  assert.equal(
    e?.text,
    'heartbeats go to /home/alice/.local/state/hb (owner alice), last 3m ago: the job runs as alice or with another state dir; point both at one (--state-dir /srv/hb)',
  );
  assert.equal(e?.facts.last_at, '2026-12-03T19:27:00.000Z');
  assert.equal(e?.facts.uid, 1000);
  assert.equal(elsewhereEvidence(found, NOW - 60_000, NOW, '/srv/hb'), null);
  assert.equal(elsewhereEvidence([], null, NOW, '/srv/hb'), null);
  // A job that never beat here: any heartbeat elsewhere is newer.
  assert.equal(elsewhereEvidence(found, null, NOW, '/srv/hb')?.facts.owner, 'alice');
});

const config = (over: Partial<HbConfig> = {}) => ({ jobs: new Map(), ...over }) as unknown as HbConfig;
const USERS = parsePasswd(
  'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\nbroken-line\n',
);

test("root looks in its default, every user's own state directory, $HB_STATE_DIR, the config's and its own fallback, never in the ones it reads", () => {
  const ctx = {
    dirs: ['/srv/hb'],
    env: { HOME: '/root', HB_STATE_DIR: '/srv/hb' },
    isRoot: true,
    config: config({ stateDir: '/etc/hb-state' }),
    nowMs: NOW,
  };
  assert.deepEqual(candidateDirs(ctx, USERS, '/var/lib/hb'), [
    '/var/lib/hb',
    '/etc/hb-state',
    '/root/.local/state/hb',
    '/home/alice/.local/state/hb',
    '/nonexistent/.local/state/hb',
  ]);
  // Another user's check looks in its own fallback and root's default, not in other homes.
  const user = { dirs: ['/srv/hb'], env: { HOME: '/home/bob', XDG_STATE_HOME: '/home/bob/xdg' }, isRoot: false, config: config(), nowMs: NOW };
  assert.deepEqual(candidateDirs(user, USERS, '/var/lib/hb'), ['/var/lib/hb', '/home/bob/xdg/hb']);
});

function target(job: string, lastMs: number | null, status = 'stale'): ExplainTarget {
  return { facts: { job }, judgement: { status, lastMs, dueMs: NOW - 600_000 }, describe: () => ({}) } as unknown as ExplainTarget;
}

const record = (job: string, startedAt: string) =>
  JSON.stringify({
    v: 1,
    job,
    host: 'vm',
    status: 'ok',
    exit_code: 0,
    signal: null,
    started_at: startedAt,
    finished_at: startedAt,
    duration_ms: 0,
    cycle: 1,
    action: null,
    message: null,
    schedule: { every: '1m' },
    grace_s: null,
    output_tail: null,
    pid: 1,
    hb_version: '0.1.0',
  }) + '\n';

test("the gatherer finds a user's newer heartbeat and names its owner; an older one, a job that is not stale, and a linked directory give nothing", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hb-elsewhere-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, 'alice');
  const theirs = join(home, '.local', 'state', 'hb');
  mkdirSync(theirs, { recursive: true });
  writeFileSync(join(theirs, 'dump.last'), record('dump', '2026-12-03T19:27:00.000Z'));
  writeFileSync(join(theirs, 'old.last'), record('old', '2026-12-03T10:00:00.000Z'));
  writeFileSync(join(theirs, 'fine.last'), record('fine', '2026-12-03T19:27:00.000Z'));
  if (process.getuid?.() === 0) chownSync(join(theirs, 'dump.last'), 4321, 4321);
  // A user whose state directory is a link to someone else's: not looked through.
  const linked = join(root, 'mallory');
  mkdirSync(join(linked, '.local', 'state'), { recursive: true });
  symlinkSync(theirs, join(linked, '.local', 'state', 'hb'));
  const passwd = join(root, 'passwd');
  // mallory first: were the link followed, the same heartbeat would be found there first.
  writeFileSync(passwd, `mallory:x:4322:4322::${linked}:/bin/sh\nalice:x:4321:4321::${home}:/bin/sh\n`);
  const mine = join(root, 'mine');
  mkdirSync(mine);
  const ctx = { dirs: [mine], env: {}, isRoot: true, config: config(), nowMs: NOW } as unknown as ExplainContext;
  const gather = elsewhereGatherer({ passwd, rootDefault: join(root, 'var-lib-hb') });
  const lastHere = Date.parse('2026-12-03T12:00:00.000Z');
  const got = await gather([target('dump', lastHere), target('old', lastHere), target('fine', lastHere, 'failed')], ctx);
  assert.deepEqual([...got.keys()], ['dump']);
  const [e] = got.get('dump')!;
  assert.equal(e!.facts.dir, theirs);
  assert.equal(e!.facts.file, join(theirs, 'dump.last'));
  assert.equal(e!.facts.last_at, '2026-12-03T19:27:00.000Z');
  if (process.getuid?.() === 0) assert.equal(e!.facts.owner, 'alice');
  assert.match(e!.text, new RegExp(`^heartbeats go to ${theirs} \\(owner \\S+\\), last 3m ago: `));
});
