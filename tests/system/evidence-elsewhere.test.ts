// elsewhere evidence with a real user: a throw-away user runs `hb tick JOB` as itself, so the
// heartbeat lands in that user's own state directory; root's hb check on a state directory
// holding an older heartbeat of the job finds it stale and says where the newer heartbeats go.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, requireTool, sandbox, throwAwayUser } from '../helpers.ts';

test("a job ticking as another user into that user's state directory: root's check says where its heartbeats go", (t) => {
  if (!requireTool(t, 'runuser') || !requireTool(t, 'faketime')) return;
  const user = throwAwayUser(t, `hbelse${process.pid % 100_000}`, { home: true });
  if (!user) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const job = `elsewhere-${process.pid}`;

  // The check's own state directory: a heartbeat from ten minutes ago, once a minute expected.
  const old = hb(['tick', job, '--every', '1m'], { env: s.env, prefix: ['faketime', '-f', '-10m'] });
  assert.equal(old.code, 0, old.stderr);

  // The job, run as the user with that user's own environment: hb picks ~/.local/state/hb.
  const home = join('/home', user);
  const ran = spawnSync('runuser', ['-u', user, '--', 'env', '-i', `HOME=${home}`, 'PATH=/usr/bin:/bin', process.execPath, HB, 'tick', job, '--every', '1m'], {
    encoding: 'utf8',
  });
  assert.equal(ran.status, 0, ran.stderr);
  const theirs = join(home, '.local', 'state', 'hb');
  assert.ok(existsSync(join(theirs, `${job}.last`)), `the user's tick wrote into ${theirs}`);
  assert.equal(statSync(join(theirs, `${job}.last`)).uid, Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim()));

  const check = hb(['check', '--json', job], { env: s.env });
  assert.equal(check.code, 1, check.stderr);
  const [health] = (
    JSON.parse(check.stdout) as { jobs: { status: string; evidence: { kind: string; weight: string; text: string; facts: Record<string, unknown> }[] }[] }
  ).jobs;
  assert.equal(health?.status, 'stale');
  const found = health.evidence.filter((e) => e.kind === 'elsewhere');
  assert.equal(found.length, 1, JSON.stringify(health.evidence));
  assert.equal(found[0]!.weight, 'cause');
  assert.match(
    found[0]!.text,
    new RegExp(
      `^heartbeats go to ${theirs} \\(owner ${user}\\), last \\d+(ms|s) ago: the job runs as ${user} or with another state dir; point both at one \\(--state-dir ${s.state}\\)$`,
    ),
  );
  assert.equal(found[0]!.facts.owner, user);
  assert.equal(found[0]!.facts.dir, theirs);
});
