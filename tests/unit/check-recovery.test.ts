// Recovery inside the check pipeline, in-process: it acts before alerting and before anything is
// rendered, its settle wait goes through the injected sleep (no real wait), and what it did is
// part of the verdicts, the actions and the notifications of the same check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { MIN, T, config, events, fakeEffects, outbox, runCheck, stateDir, tick, webhook } from './check-harness.ts';

/** A job `agent` whose health is a flag file that its restart command creates. */
async function agent(t: { after(fn: () => void): void }, notify: string) {
  const dir = stateDir(t);
  const alive = join(dir, 'agent-alive');
  const restarts = join(dir, 'agent-restarts');
  const guarded = join(dir, 'agent.json');
  writeFileSync(guarded, '{"mode": "good"}\n');
  const cfg = await config(
    [
      ...(notify ? ['notify:', notify.trimEnd()] : []),
      'jobs:',
      '  agent:',
      '    every: 1m',
      '    recover:',
      `      health: "test -f ${alive}"`,
      `      config: [${guarded}]`,
      `      restart: "touch ${alive}; echo restarted >> ${restarts}"`,
      '      max_restarts: 3/1h',
      '      settle: 30s',
      '      timeout: 10s',
      '',
    ].join('\n'),
  );
  return { dir, cfg, alive, restarts };
}

test('recovery restarts a dead job before alerting and before anything is shown; its settle wait is the injected sleep', async (t) => {
  const rec = await startRecorder();
  t.after(() => rec.close());
  const { dir, cfg, alive, restarts } = await agent(t, webhook(rec.url));
  tick(dir, 'agent', T);
  const fx = fakeEffects(T + 3 * MIN);
  const rendered: Array<{ restarted: string; slept: number[]; sent: number; queued: number; actions: string[]; clock: number }> = [];
  const r = await runCheck(dir, cfg, fx, {
    // Where `hb check` renders: recovery is done, nothing is queued or sent yet.
    afterEvaluate: (e) => {
      rendered.push({
        restarted: readFileSync(restarts, 'utf8'),
        slept: [...fx.slept],
        sent: rec.requests.length,
        queued: outbox(dir).length,
        actions: e.actions,
        clock: fx.clock.ms,
      });
    },
  });
  assert.equal(rendered.length, 1, 'rendered once');
  const seen = rendered[0]!;
  assert.equal(seen.restarted, 'restarted\n', 'restarted before rendering');
  assert.deepEqual(seen.slept, [30_000], 'one settle wait, through the injected sleep');
  assert.equal(seen.clock, T + 3 * MIN + 30_000, 'the fake clock moved by the settle time');
  assert.equal(seen.sent, 0, 'nothing sent before rendering');
  assert.equal(seen.queued, 0, 'nothing queued before rendering');
  assert.ok(existsSync(alive));
  assert.deepEqual(seen.actions, ['agent: restarted it (touch ' + alive + '; echo restarted >> ' + restarts + '): exit 0', 'agent: healthy again']);
  assert.deepEqual(r.finished.warnings, []);

  // Alerting comes after recovery and carries what it did.
  const sent = rec.requests.map((q) => q.body as Record<string, any>);
  assert.deepEqual(
    sent.map((b) => [b.type, b.job]),
    [
      ['alert', 'agent'],
      ['message', 'agent'],
    ],
  );
  assert.match(sent[1]!.message, /agent: hb restarted it; healthy again/);
  assert.deepEqual(
    events(dir, 'restart').map((e) => e.exit_code),
    [0],
  );
  assert.equal(events(dir, 'recovery_verified').length, 1);
});

test('a dry run of recovery says what it would do, restarts nothing and never waits', async (t) => {
  const { dir, cfg, restarts } = await agent(t, '');
  tick(dir, 'agent', T);
  const fx = fakeEffects(T + 3 * MIN);
  const r = await runCheck(dir, cfg, fx, { dryRun: true });
  assert.deepEqual(r.finished.planned, [`would restart agent: touch ${join(dir, 'agent-alive')}; echo restarted >> ${restarts}`]);
  assert.ok(!existsSync(restarts), 'nothing restarted');
  assert.deepEqual(fx.slept, []);
  assert.equal(r.code, 1, 'still a problem');
});
