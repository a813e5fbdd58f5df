// Evidence of kind lock with real hung holders: a `flock LOCKFILE sleep 600` holding the lock a
// crontab line's `flock -n LOCKFILE hb wrap …` takes, and hb's own run lock held by a real `hb
// wrap --lock` still going, and left by one killed mid-run. Each process started here is killed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';
import { HB } from '../helpers.ts';

interface Item {
  kind: string;
  weight: string;
  text: string;
  facts: Record<string, unknown>;
}

function lockItems(s: Sandbox, cfg: string, job: string, env: NodeJS.ProcessEnv = s.env): Item[] {
  const r = hb(['check', '--config', cfg, '--json', job], { env });
  assert.equal(r.code, 1, r.stderr);
  const verdict = (JSON.parse(r.stdout) as { jobs: { job: string; status: string; evidence: Item[] }[] }).jobs.find((j) => j.job === job)!;
  assert.equal(verdict.status, 'stale', r.stdout);
  return verdict.evidence.filter((e) => e.kind === 'lock');
}

/** Kills the process group `pgid` (a detached child and what it started), if any is left. */
function killGroup(pgid: number) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Whether /proc/locks lists a lock on `file` held by `pid`. */
function procLockHeld(file: string, pid: number): boolean {
  const st = statSync(file);
  const dev = `${((st.dev >> 8) & 0xfff).toString(16).padStart(2, '0')}:${((st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)).toString(16).padStart(2, '0')}`;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((l) => !l.includes('->') && l.includes(` ${pid} `) && l.includes(`${dev}:${st.ino} `));
}

test("a crontab line's flock held by a live `flock LOCKFILE sleep 600` is the cause, with that pid and command", async (t) => {
  if (!requireTool(t, 'flock') || !requireTool(t, 'faketime')) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const job = 'sync';
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, `jobs:\n  ${job}:\n    every: 30m\n`);
  const lockFile = join(s.root, 'sync.lock');
  const crontabs = join(s.root, 'cron.d');
  mkdirSync(crontabs);
  writeFileSync(join(crontabs, 'sync'), `0 * * * * root flock -n ${lockFile} hb wrap --state-dir ${s.state} --job ${job} -- /bin/true\n`);
  assert.equal(hb(['tick', job, '--config', cfg], { env: s.env, prefix: ['faketime', '-f', '-150m'] }).code, 0);
  const env = { ...s.env, HB_CRONTAB_PATHS: crontabs };

  // Nobody holds it yet: the line's flock is ruled out.
  writeFileSync(lockFile, '');
  assert.deepEqual(
    lockItems(s, cfg, job, env).map((e) => [e.weight, e.text]),
    [['clear', `the line's flock ${lockFile} is free`]],
  );

  // Its own process group: flock and the sleep it starts (which holds the lock too) die together.
  const holder = spawn('flock', [lockFile, 'sleep', '600'], { stdio: 'ignore', detached: true });
  t.after(() => killGroup(holder.pid!));
  await waitFor(() => procLockHeld(lockFile, holder.pid!), 'flock to take the lock');
  const items = lockItems(s, cfg, job, env);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.weight, 'cause');
  assert.match(
    items[0]!.text,
    new RegExp(
      `^the line's flock is held by pid ${holder.pid} \\(flock sync.lock sleep 600\\) since \\d\\d:\\d\\d UTC, \\d+(ms|s) ago: the previous run is still going — hung\\?$`,
    ),
  );
  assert.deepEqual(
    [items[0]!.facts.file, items[0]!.facts.pid, items[0]!.facts.alive, items[0]!.facts.crontab_line],
    [lockFile, holder.pid, true, `${join(crontabs, 'sync')}:1`],
  );
});

test("hb's own run lock: held by a real hb wrap --lock still going is the cause; left by one killed mid-run, a clue", async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, 'jobs:\n  hung:\n    every: 30m\n  killed:\n    every: 30m\n');
  // Three hours ago a run started and never finished; a tick since (150m ago) makes the job
  // judged on its heartbeats again, and it is stale now.
  const wrap = spawn('faketime', ['-f', '-3h', process.execPath, HB, 'wrap', '--lock', '--job', 'hung', '--config', cfg, '--', 'sleep', '600'], {
    env: s.env,
    stdio: 'ignore',
    detached: true,
  });
  // faketime runs hb wrap in a child, which runs its command in a session of its own: each is
  // stopped by pid (hooks run in order, so these pids are read before the sandbox goes).
  const hungLock = join(s.state, 'locks', 'hung.lock');
  let holderPid: number | null = null;
  let children: number[] = [];
  t.after(async () => {
    if (holderPid !== null) {
      process.kill(holderPid, 'SIGTERM');
      await waitFor(() => !existsSync(`/proc/${holderPid}`), 'hb wrap to exit');
      for (const child of children) if (existsSync(`/proc/${child}`)) process.kill(child, 'SIGKILL');
    }
    killGroup(wrap.pid!);
  });
  await waitFor(() => existsSync(hungLock), 'hb wrap to take its lock');
  holderPid = (JSON.parse(readFileSync(hungLock, 'utf8')) as { pid: number }).pid;
  await waitFor(() => {
    children = spawnSync('pgrep', ['-P', String(holderPid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    return children.length > 0;
  }, 'hb wrap to start its command');
  assert.equal(hb(['tick', 'hung', '--config', cfg], { env: s.env, prefix: ['faketime', '-f', '-150m'] }).code, 0);
  const hung = lockItems(s, cfg, 'hung');
  assert.equal(hung.length, 1);
  assert.equal(hung[0]!.weight, 'cause');
  assert.match(
    hung[0]!.text,
    new RegExp(
      `^hb's run lock is held by pid ${holderPid} \\(hb wrap --lock --job hung --config .*\\) since \\d\\d:\\d\\d UTC, 3h(\\d+s)? ago: the previous run is still going — hung\\?$`,
    ),
  );
  assert.deepEqual([hung[0]!.facts.file, hung[0]!.facts.alive], [hungLock, true]);

  // A run killed while holding its lock (its command kills hb wrap itself): the lock stays behind.
  const killed = hb(['wrap', '--lock', '--job', 'killed', '--config', cfg, '--', 'sh', '-c', 'kill -9 $PPID'], {
    env: s.env,
    prefix: ['faketime', '-f', '-3h'],
  });
  const killedLock = join(s.state, 'locks', 'killed.lock');
  assert.ok(existsSync(killedLock), `hb wrap was killed holding its lock: ${killed.stderr}`);
  const left = JSON.parse(readFileSync(killedLock, 'utf8')) as { pid: number };
  assert.equal(existsSync(`/proc/${left.pid}`), false);
  assert.equal(hb(['tick', 'killed', '--config', cfg], { env: s.env, prefix: ['faketime', '-f', '-150m'] }).code, 0);
  const dead = lockItems(s, cfg, 'killed');
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.weight, 'clue');
  assert.match(
    dead[0]!.text,
    new RegExp(
      `^hb's run lock was left by pid ${left.pid} \\(taken \\d\\d:\\d\\d UTC, 3h(\\d+s)? ago\\), now gone: a run died holding it; the next run takes it over$`,
    ),
  );
  assert.deepEqual([dead[0]!.facts.alive, dead[0]!.facts.gone_reason], [false, `process ${left.pid} is not running`]);
});
