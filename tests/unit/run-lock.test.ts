// Job locks: acquire, refuse, release, take over from a gone holder, and a race of real
// processes for one stale lock that must have exactly one winner.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireLock, lockForRun, LockError } from '../../lib/adapters/run/lock.ts';
import type { LockHolder, LockInfo } from '../../lib/adapters/run/lock.ts';
import { gatherFacts } from '../../lib/adapters/run/proc.ts';
import type { ProcessFacts } from '../../lib/adapters/run/proc.ts';

const root = mkdtempSync(join(tmpdir(), 'hb-run-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A path for a directory that does not exist yet. */
const fresh = (): string => join(root, `t${n++}`);
const newDir = (): string => {
  const dir = fresh();
  mkdirSync(dir);
  return dir;
};

const me = gatherFacts(process.pid);
const self: LockInfo = {
  pid: process.pid,
  started_at: new Date().toISOString(),
  pid_started_ms: me.startMs,
  boot_id: me.bootId,
  job: 'backup',
};
/** Lock content as another process would have written it. */
const holderFile = (over: Partial<LockHolder>): string => `${JSON.stringify({ ...self, pid: 999_999, token: 'abc123', ...over })}\n`;
const missing = (): ProcessFacts => ({ bootId: me.bootId, state: null, startMs: null });
const alive = (): ProcessFacts => ({ bootId: me.bootId, state: 'S', startMs: me.startMs });

describe('acquireLock', () => {
  test('acquire, refuse a second taker, release', () => {
    const path = join(newDir(), 'backup.lock');
    const a = acquireLock(path, self);
    assert.equal(a.acquired, true);
    if (a.acquired) assert.equal(a.replaced, null);
    const content = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    assert.equal(content.pid, process.pid);
    assert.equal(content.boot_id, me.bootId);
    assert.equal(content.pid_started_ms, me.startMs);
    assert.match(content.token, /^[a-z0-9]+$/);

    const b = acquireLock(path, { ...self, started_at: new Date().toISOString() });
    assert.equal(b.acquired, false);
    if (!b.acquired) {
      assert.equal(b.holder?.pid, process.pid);
      assert.match(b.reason, new RegExp(`process ${process.pid} holds the lock`));
    }
    if (!a.acquired) return;
    assert.equal(a.release(), true);
    assert.throws(() => statSync(path), { code: 'ENOENT' });
    assert.equal(a.release(), false);
    assert.deepEqual(readdirSync(join(path, '..')), [], 'no temp files left behind');
  });

  test('a lock whose holder is gone is taken over', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({}));
    const r = acquireLock(path, self, { factsOf: missing });
    assert.equal(r.acquired, true);
    if (r.acquired) {
      assert.equal(r.replaced?.holder?.pid, 999_999);
      assert.match(r.replaced.reason, /process 999999 is not running/);
    }
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid, process.pid);
    assert.deepEqual(readdirSync(join(path, '..')), ['j.lock']);
  });

  test('a live holder keeps its lock', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({}));
    const r = acquireLock(path, self, { factsOf: alive });
    assert.equal(r.acquired, false);
    if (!r.acquired) assert.equal(r.holder?.pid, 999_999);
  });

  test('a lock from a previous boot is taken over (real /proc facts)', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({ pid: process.pid, boot_id: 'some-earlier-boot' }));
    assert.equal(acquireLock(path, self).acquired, true);
  });

  test('an unreadable lock file is taken over', () => {
    for (const garbage of ['', 'not json', '{"pid":', '{"pid":1}']) {
      const path = join(newDir(), 'j.lock');
      writeFileSync(path, garbage);
      assert.equal(acquireLock(path, self).acquired, true, JSON.stringify(garbage));
    }
  });

  test('a holder on another host is never judged from here', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({ host: 'other-host' }));
    const r = acquireLock(path, { ...self, host: 'this-host' }, { factsOf: missing });
    assert.equal(r.acquired, false);
    if (!r.acquired) assert.match(r.reason, /other-host/);
  });

  test('release after a takeover leaves the new holder alone', () => {
    const path = join(newDir(), 'j.lock');
    const first = acquireLock(path, self);
    assert.equal(first.acquired, true);
    const second = acquireLock(path, { ...self, pid: process.pid + 1 }, { factsOf: missing });
    assert.equal(second.acquired, true);
    if (first.acquired) assert.equal(first.release(), false);
    assert.ok(statSync(path).isFile());
  });

  test('a claim left by a takeover that died midway is cleared', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({ token: 'deadholder' }));
    const claim = `${path}.stale-${statSync(path).ino}-deadholder`;
    writeFileSync(claim, holderFile({ pid: 999_998, token: 'deadclaimant' }));
    const r = acquireLock(path, self, { factsOf: missing });
    assert.equal(r.acquired, true);
    assert.deepEqual(readdirSync(join(path, '..')), ['j.lock']);
  });

  test('a live claimant mid-takeover wins; we do not wait', () => {
    const path = join(newDir(), 'j.lock');
    writeFileSync(path, holderFile({ token: 'deadholder' }));
    const claimant = join(path, '..', 'claimant');
    writeFileSync(claimant, holderFile({ pid: 777, token: 'liveclaimant' }));
    linkSync(claimant, `${path}.stale-${statSync(path).ino}-deadholder`);
    const r = acquireLock(path, self, { factsOf: (pid) => (pid === 777 ? alive() : missing()) });
    assert.equal(r.acquired, false);
    if (!r.acquired) assert.equal(r.holder?.pid, 777);
  });

  test('a missing directory is a LockError naming the path', () => {
    const path = join(fresh(), 'j.lock');
    assert.throws(
      () => acquireLock(path, self),
      (err: unknown) => {
        assert.ok(err instanceof LockError);
        assert.equal(err.code, 'ENOENT');
        assert.match(err.message, /cannot use lock .*j\.lock: its directory does not exist/);
        return true;
      },
    );
  });
});

describe('lockForRun', () => {
  test('held, then busy for a second run while the first is alive, free again after release', () => {
    const dir = newDir();
    const first = lockForRun(dir, 'backup', self);
    assert.equal(first.kind, 'held');
    const second = lockForRun(dir, 'backup', { ...self, pid: 4242 }, { factsOf: alive });
    assert.equal(second.kind, 'busy');
    assert.ok(first.kind === 'held' && first.release());
    assert.equal(lockForRun(dir, 'backup', self).kind, 'held');
  });

  test('no lock can be made (locks/ cannot be created, or is not a folder): unavailable, with the reason', () => {
    const dir = newDir();
    writeFileSync(join(dir, 'locks'), 'a file where the folder should be');
    const got = lockForRun(dir, 'backup', self);
    assert.equal(got.kind, 'unavailable');
    assert.match(got.kind === 'unavailable' ? got.reason : '', /^cannot use lock \S+locks\/backup\.lock: /);
    const gone = lockForRun(join(dir, 'locks', 'deeper'), 'backup', self);
    assert.equal(gone.kind, 'unavailable', 'a state dir under a file');
  });
});

describe('acquireLock between processes', () => {
  const RACERS = 8;
  const ROUNDS = 15;

  test(`${RACERS} processes racing ${ROUNDS} times: exactly one winner each time`, async (t) => {
    const dir = newDir();
    const path = join(dir, 'race.lock');
    const racer = fileURLToPath(new URL('../fixtures/lock-racer.ts', import.meta.url));
    const procs: ChildProcess[] = [];
    const lines: string[][] = [];
    t.after(() => procs.forEach((p) => p.kill('SIGKILL')));
    for (let i = 0; i < RACERS; i++) {
      const p = spawn(process.execPath, ['--import', 'tsx', racer, path], { stdio: ['pipe', 'pipe', 'inherit'] });
      const got: string[] = [];
      let buf = '';
      p.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const parts = buf.split('\n');
        buf = parts.pop()!;
        got.push(...parts);
      });
      procs.push(p);
      lines.push(got);
    }
    const waitLines = async (count: number, label: string): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (lines.some((l) => l.length < count)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await waitLines(1, 'READY from every racer');

    for (let round = 0; round < ROUNDS; round++) {
      // Odd rounds start from a stale lock (a previous boot's); even rounds from none.
      if (round % 2 === 1) writeFileSync(path, holderFile({ boot_id: 'previous-boot', token: `stale${round}` }));
      const at = Date.now() + 50;
      for (const p of procs) p.stdin!.write(`go ${at}\n`);
      await waitLines(2 + round * 2, `round ${round} results`);
      const winners = lines.filter((l) => (JSON.parse(l[1 + round * 2]!) as { acquired: boolean }).acquired);
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      for (const p of procs) p.stdin!.write('release\n');
      await waitLines(3 + round * 2, `round ${round} releases`);
      assert.deepEqual(readdirSync(dir), [], `round ${round}: lock, temp and claim files all gone`);
    }
    for (const p of procs) p.stdin!.end();
  });
});
