// Dead-man recovery end to end: a real agent process, a real restart command with a PID file,
// the known-good config snapshotted by a healthy check and put back by a failing one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { processState } from '../../lib/adapters/run/proc.ts';
import { fixture, hbRun, readEventsFile, sandbox, waitFor, type Sandbox } from '../helpers.ts';

const GOOD = '{"mode": "good", "model": "alpha"}\n';
const CORRUPT = '{"mode": "corrupt", "model": "alph';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A sandbox with an agent, its config, PID file and an hb.yaml that guards it. */
function agentSandbox(opts: { maxRestarts?: string; die?: boolean; sink?: boolean } = {}) {
  const s = sandbox();
  const config = join(s.root, 'agent.json');
  const pidFile = join(s.root, 'agent.pid');
  const heartbeat = join(s.state, 'agent.last');
  writeFileSync(config, GOOD);
  const env = opts.die ? 'RECOVER_AGENT_DIE=1 ' : '';
  const start = `${env}${process.execPath} ${fixture('recover-agent.js')} ${config} ${pidFile} ${heartbeat} >/dev/null 2>&1 &`;
  const notes = join(s.root, 'notes');
  const yaml = [
    ...(opts.sink ? ['notify:', `  - command: "cat >> ${notes}"`] : []),
    'jobs:',
    '  agent:',
    '    every: 1h',
    '    recover:',
    // The built-in probe: a zombie (this machine's init may reap late) or a reused id is dead.
    `      health: { pid_file: ${pidFile} }`,
    `      config: [${config}]`,
    `      restart: "${start.replace(/"/g, '\\"')}"`,
    `      max_restarts: ${opts.maxRestarts ?? '3/1h'}`,
    '      settle: 500ms',
    '      timeout: 10s',
    '',
  ].join('\n');
  writeFileSync(join(s.root, 'hb.yaml'), yaml);
  Object.assign(s.env, { HB_CONFIG: join(s.root, 'hb.yaml') });
  return { s, config, pidFile, heartbeat, start, notes };
}

const pidOf = (pidFile: string) => Number(readFileSync(pidFile, 'utf8').trim());
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const events = (s: Sandbox, type: string) =>
  existsSync(join(s.state, 'events.jsonl')) ? readEventsFile(s.state).filter((e: { type: string }) => e.type === type) : [];

test('corrupted config + dead agent: one check restores the known-good bytes and restarts it, even with two checks at once', async () => {
  const a = agentSandbox();
  let last = 0;
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(a.s.state, { recursive: true });
    const { spawnSync } = await import('node:child_process');
    spawnSync('sh', ['-c', a.start]);
    await waitFor(() => existsSync(a.pidFile) && alive(pidOf(a.pidFile)), 'the agent to start');
    const first = pidOf(a.pidFile);

    const healthy = await hbRun(['check'], { env: a.s.env });
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    const saved = events(a.s, 'snapshot_saved');
    assert.equal(saved.length, 1);
    assert.equal(saved[0].files[0].sha256, sha(GOOD));
    const store = join(a.s.state, 'recover', 'agent');
    assert.equal(statSync(store).mode & 0o777, 0o700, 'snapshots readable only by their owner');
    assert.equal((await hbRun(['check'], { env: a.s.env })).code, 0);
    assert.equal(events(a.s, 'snapshot_saved').length, 1, 'written only when something changed');

    // The agent corrupts its own config and dies of it.
    writeFileSync(a.config, CORRUPT);
    await waitFor(() => !alive(first), 'the agent to die');

    const [x, y] = await Promise.all([hbRun(['check'], { env: a.s.env }), hbRun(['check'], { env: a.s.env })]);
    for (const r of [x, y]) assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(readFileSync(a.config, 'utf8'), GOOD, 'the known-good bytes are back');
    await waitFor(() => existsSync(a.pidFile) && pidOf(a.pidFile) !== first && alive(pidOf(a.pidFile)), 'the agent to run again');
    last = pidOf(a.pidFile);
    const rolled = events(a.s, 'config_rolled_back');
    assert.equal(rolled.length, 1, 'one rollback only, with two concurrent checks');
    assert.deepEqual(rolled[0].files, [{ path: a.config, old_hash: sha(CORRUPT), new_hash: sha(GOOD) }]);
    const restarts = events(a.s, 'restart');
    assert.equal(restarts.length, 1, 'one restart only');
    assert.equal(restarts[0].exit_code, 0);
    assert.equal(events(a.s, 'recovery_verified')[0].healthy, true);

    // The restarted agent beats again: its heartbeat is fresh.
    const before = statSync(a.heartbeat).mtimeMs;
    await waitFor(() => statSync(a.heartbeat).mtimeMs > before, 'a fresh heartbeat');
    const status = JSON.parse((await hbRun(['check', '--json'], { env: a.s.env })).stdout);
    const agent = status.jobs.find((j: { job: string }) => j.job === 'agent');
    assert.equal(agent.status, 'ok');
    assert.ok(agent.age_s < 2, `age ${agent.age_s}s`);
  } finally {
    for (const pid of [last, existsSync(a.pidFile) ? pidOf(a.pidFile) : 0]) if (pid && alive(pid)) process.kill(pid);
    a.s.cleanup();
  }
});

test('a crash loop stops at the restart budget with one loud alert; each check says what it did and is a problem', async () => {
  const a = agentSandbox({ maxRestarts: '2/1h', die: true, sink: true });
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(a.s.state, { recursive: true });
    // Known-good first: a healthy check while a stand-in process holds the PID file.
    const { spawn } = await import('node:child_process');
    const standIn = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(a.pidFile, `${standIn.pid}\n`);
    assert.equal((await hbRun(['check'], { env: a.s.env })).code, 0);
    standIn.kill();
    await waitFor(() => !alive(standIn.pid!), 'the stand-in to die');

    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await hbRun(['check'], { env: a.s.env }));
    assert.equal(events(a.s, 'restart').length, 2, 'restarts stop at the budget');
    const blocked = events(a.s, 'recovery_blocked');
    assert.equal(blocked.length, 1, 'blocked is logged once');
    assert.match(blocked[0].reason, /2 restarts within 1h: not restarting again; needs a person/);
    // The heartbeat is fresh (the agent touched it before dying): only recovery knows it is dead.
    assert.deepEqual(
      runs.map((r) => r.code),
      [1, 1, 1, 1, 1],
      runs.map((r) => r.stdout).join('\n'),
    );
    for (const r of runs.slice(0, 2)) {
      assert.match(r.stdout, /^agent\s+RECOVERY_FAILED\s+hb restarted it, but it is still dead: pid file .*(not running|zombie)/m);
      assert.match(r.stdout, /^recovery: agent: restarted it \(.*\): exit 0$/m);
      assert.match(r.stdout, /^recovery: agent: still dead: /m);
    }
    for (const r of runs.slice(2))
      assert.match(r.stdout, /^agent\s+RECOVERY_EXHAUSTED\s+unhealthy; 2 restarts within 1h: not restarting again; needs a person/m);
    const gaveUp = runs.filter((r) => /^recovery: agent: gave up: .*not restarting again/m.test(r.stdout));
    assert.equal(gaveUp.length, 1, 'one line, on the check that found the budget spent');
    assert.equal(runs.filter((r) => /not restarting again/.test(r.stderr)).length, 0, 'said once, on stdout, not again on stderr');
    const notes = readFileSync(a.notes, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const spent = notes.filter((n) => n.title === '[hb] agent restart budget spent');
    assert.equal(spent.length, 1, 'one loud alert');
    assert.deepEqual([spent[0].status, spent[0].problem], ['recovery_exhausted', true], 'a receiver filtering on problem keeps it');
    const dead = notes.filter((n) => n.type === 'message' && /still dead/.test(n.message));
    assert.equal(dead.length, 2, 'each failed restart said so');
    assert.ok(dead.every((n) => n.status === 'recovery_failed' && n.problem === true));
    // The incident opened by the first failed recovery, once.
    assert.deepEqual(
      notes.filter((n) => n.type === 'alert').map((n) => n.status),
      ['recovery_failed'],
    );
    // Every reader sees what recovery concluded: a check that does not act, hb status, Nagios.
    const status = await hbRun(['status', '--json'], { env: a.s.env });
    assert.equal(JSON.parse(status.stdout).jobs.find((j: { job: string }) => j.job === 'agent').status, 'recovery_exhausted');
    const nagios = await hbRun(['check', '--format', 'nagios', '--no-recover', '--no-notify'], { env: a.s.env });
    assert.equal(nagios.code, 2);
    assert.match(nagios.stdout, /^HB CRITICAL - 1 of \d+ jobs? unhealthy: agent recovery_exhausted/);
  } finally {
    a.s.cleanup();
  }
});

test('--dry-run says what it would restore and restart, and does none of it', async () => {
  const a = agentSandbox();
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(a.s.state, { recursive: true });
    const { spawn } = await import('node:child_process');
    const standIn = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(a.pidFile, `${standIn.pid}\n`);
    await hbRun(['check'], { env: a.s.env });
    standIn.kill();
    await waitFor(() => !alive(standIn.pid!), 'the stand-in to die');
    writeFileSync(a.config, CORRUPT);
    const r = await hbRun(['check', '--dry-run'], { env: a.s.env });
    assert.match(r.stdout, new RegExp(`would restore ${a.config} of agent \\(${sha(CORRUPT).slice(0, 12)} → ${sha(GOOD).slice(0, 12)}\\)`));
    assert.match(r.stdout, /would restart agent: /);
    assert.equal(readFileSync(a.config, 'utf8'), CORRUPT, 'nothing restored');
    assert.equal(events(a.s, 'restart').length, 0, 'nothing restarted');
    assert.equal(readdirSync(join(a.s.state, 'recover', 'agent')).includes('restarts.json'), false);
  } finally {
    a.s.cleanup();
  }
});

test('bad recover blocks are refused with file:line:col; a restart that hangs is cut off by its timeout', async () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    const cases: Array<[string, RegExp]> = [
      ['jobs:\n  a:\n    recover:\n      config: [../etc/x]\n      restart: "true"\n', /hb\.yaml:4:\d+: jobs\.a\.recover\.config.*\.\./],
      ['jobs:\n  a:\n    recover:\n      restart: "true"\n      max_restarts: lots\n', /hb\.yaml:5:\d+: jobs\.a\.recover\.max_restarts/],
      ['jobs:\n  a:\n    recover:\n      health: 42\n      restart: "true"\n', /hb\.yaml:4:\d+: jobs\.a\.recover\.health/],
      ['jobs:\n  a:\n    recover:\n      restart: "true"\n      source: svn\n', /hb\.yaml:5:\d+: jobs\.a\.recover\.source/],
      ['jobs:\n  a:\n    recover:\n      health: "true"\n', /jobs\.a\.recover: .*nothing to recover with/],
    ];
    for (const [text, re] of cases) {
      writeFileSync(cfg, text);
      const r = await hbRun(['--config', cfg, 'check'], { env: s.env });
      assert.equal(r.code, 2, `${text}: ${r.stderr}`);
      assert.match(r.stderr, re, text);
    }
    // A dead job whose restart never returns: cut off, recorded, the check still finishes.
    writeFileSync(cfg, 'jobs:\n  stuck:\n    every: 1h\n    recover:\n      health: "false"\n      restart: "sleep 60"\n      timeout: 1s\n      settle: 0s\n');
    const started = Date.now();
    const r = await hbRun(['--config', cfg, 'check'], { env: s.env });
    assert.ok(Date.now() - started < 15_000, 'the check is not held up by the hanging restart');
    assert.match(r.stderr, /stuck: restart command exited 143 \(timed out\)/);
    const restart = events(s, 'restart')[0];
    assert.equal(restart.timed_out, true);
    assert.equal(restart.exit_code, 143);
  } finally {
    s.cleanup();
  }
});

test('health {pid_file}: a zombie agent is dead (hb would restart it) where a kill -0 probe calls it alive, and doctor says so', async (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  // The agent exited and nobody reaped it: its pid file names a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim()))));
  await waitFor(() => processState(pid) === 'Z', `process ${pid} to be a zombie`);
  const pidFile = join(s.root, 'agent.pid');
  writeFileSync(pidFile, `${pid}\n`);
  const cfg = join(s.root, 'hb.yaml');
  const config = (health: string) => `jobs:\n  agent:\n    every: 1h\n    recover:\n      health: ${health}\n      restart: "true"\n`;

  writeFileSync(cfg, config(`"kill -0 $(cat ${pidFile})"`));
  const fooled = await hbRun(['--config', cfg, 'check', '--dry-run'], { env: s.env });
  assert.doesNotMatch(fooled.stdout, /would restart/, 'kill -0 calls the zombie alive');
  const doctor = await hbRun(['--config', cfg, 'doctor', '--json'], { env: s.env });
  const warned = JSON.parse(doctor.stdout).findings.filter((f: { code: string }) => f.code === 'kill-0-probe');
  assert.equal(warned.length, 1, doctor.stdout);
  assert.match(warned[0].message, /job "agent"/);
  assert.match(warned[0].fix, /pid_file/);

  writeFileSync(cfg, config(`{ pid_file: ${pidFile} }`));
  const r = await hbRun(['--config', cfg, 'check', '--dry-run'], { env: s.env });
  assert.match(r.stdout, /would restart agent: true/);
  const quiet = await hbRun(['--config', cfg, 'doctor', '--json'], { env: s.env });
  assert.equal(JSON.parse(quiet.stdout).findings.filter((f: { code: string }) => f.code === 'kill-0-probe').length, 0);
});

test('a guarded file hb will not overwrite: the job is recovery_refused (exit 1) until it is healthy again, which resolves it', async (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const guarded = join(s.root, 'agent.json');
  const ok = join(s.root, 'healthy');
  writeFileSync(guarded, GOOD);
  writeFileSync(ok, '');
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(
    cfg,
    `jobs:\n  agent:\n    every: 1h\n    recover:\n      health: "test -e ${ok}"\n      config: [${guarded}]\n      restart: "true"\n      settle: 0s\n`,
  );
  const env = { ...s.env, HB_CONFIG: cfg };
  await hbRun(['tick', 'agent', '--every', '1h'], { env });
  assert.equal((await hbRun(['check'], { env })).code, 0, 'healthy: snapshot taken');
  // The guarded path became a directory and the agent is down: hb leaves the directory alone.
  const { mkdirSync, rmSync } = await import('node:fs');
  rmSync(guarded);
  mkdirSync(guarded);
  rmSync(ok);
  const r = await hbRun(['check'], { env });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^agent\s+RECOVERY_REFUSED\s+hb restarted it, but it is still dead: health command exited 1; left alone: .*agent\.json/m);
  assert.match(r.stdout, /^recovery: agent: restarted it \(true\): exit 0$/m);
  const j = JSON.parse((await hbRun(['check', '--json', '--no-recover'], { env })).stdout).jobs.find((x: { job: string }) => x.job === 'agent');
  assert.deepEqual([j.status, j.problem], ['recovery_refused', true]);
  // Fixed by a person: the next check finds it healthy and forgets the outcome.
  rmSync(guarded, { recursive: true });
  writeFileSync(guarded, GOOD);
  writeFileSync(ok, '');
  const healed = await hbRun(['check'], { env });
  assert.equal(healed.code, 0, healed.stdout);
  assert.equal(existsSync(join(s.state, 'recover', 'agent', 'outcome.json')), false);
});
