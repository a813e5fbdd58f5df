// A chain of three jobs through the built CLI and a real webhook server on 127.0.0.1:
// db-dump → backup → upload (backup needs job:db-dump, upload needs job:backup). When db-dump
// fails, one alert goes out (db-dump's) however long backup and upload stay stale; when it
// recovers, one resolve names them; they are judged again from their next deadline after the
// recovery, and a job that misses that one alerts on its own. Time moves with faketime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

const T = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

function tickAt(s: Sandbox, job: string, ms: number, status: 'ok' | 'error' = 'ok'): void {
  const r = hb(['tick', job, '--status', status], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, 0, r.stderr);
}

async function checkAt(s: Sandbox, ms: number, expected: number, args: string[] = []): Promise<Run> {
  const r = await hbRun(['check', ...args], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, expected, `hb check at +${(ms - T) / MIN}m: stdout ${r.stdout} stderr ${r.stderr}`);
  return r;
}

test('a failing db-dump pages once for the chain, resolves with it, and its dependants are judged again from their next deadline', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = sandbox();
  t.after(async () => {
    await rec.close();
    s.cleanup();
  });
  const config = join(s.root, 'hb.yaml');
  writeFileSync(
    config,
    `notify:
  - webhook: {url: ${rec.url}/hook, timeout: 2s, retries: 0}
jobs:
  db-dump: {every: 1h}
  backup: {every: 1h, needs: [job:db-dump]}
  upload: {every: 1h, needs: [{job: backup}]}
`,
  );
  s.env.HB_CONFIG = config;
  const sent = () => rec.requests.map((r) => r.body as { type: string; job: string; status: string; message: string });

  for (const job of ['db-dump', 'backup', 'upload']) tickAt(s, job, T);
  tickAt(s, 'db-dump', T + H, 'error');
  await checkAt(s, T + H + 5 * MIN, 1);
  assert.deepEqual(
    sent().map((n) => [n.type, n.job, n.status]),
    [['alert', 'db-dump', 'failed']],
  );

  // backup and upload miss their runs (deadline T+2h) for hours: still the one alert.
  for (const ms of [T + 2 * H + 30 * MIN, T + 3 * H, T + 4 * H]) await checkAt(s, ms, 1);
  assert.equal(sent().length, 1, `only db-dump's alert: ${JSON.stringify(sent())}`);

  const text = (await checkAt(s, T + 4 * H, 1)).stdout;
  assert.match(text, /^backup +STALE .*\n +because db-dump failed 3h ago\b/m);
  assert.match(text, /^upload +STALE .*\n +because db-dump failed 3h ago \(through backup/m);
  const json = JSON.parse((await checkAt(s, T + 4 * H, 1, ['--json'])).stdout) as {
    jobs: Array<{
      job: string;
      status: string;
      root_cause: unknown;
      evidence: Array<{ kind: string; weight: string; text: string; facts: Record<string, unknown> }>;
    }>;
  };
  const of = (job: string) => json.jobs.find((j) => j.job === job)!;
  assert.equal(of('backup').status, 'stale');
  assert.deepEqual(of('backup').root_cause, { job: 'db-dump', need: 'job:db-dump', text: 'db-dump failed 3h ago' });
  const [first] = of('backup').evidence;
  assert.deepEqual([first?.kind, first?.weight, first?.text], ['dependency', 'cause', 'db-dump failed 3h ago']);
  assert.match(String(first?.facts.last_run_at), /^2026-11-20T01:00:0\d(\.\d+)?Z$/);
  assert.equal(first?.facts.root_job, 'db-dump');
  assert.deepEqual(of('upload').root_cause, { job: 'db-dump', need: 'job:backup', text: 'db-dump failed 3h ago (through backup)' });
  assert.equal(of('db-dump').root_cause, null);
  const state = JSON.parse(readFileSync(join(s.state, 'alerts', 'state.json'), 'utf8')) as {
    jobs: Record<string, { incident: unknown; folded_into?: string }>;
  };
  assert.deepEqual(
    [state.jobs.backup, state.jobs.upload],
    [
      { incident: null, folded_into: 'db-dump' },
      { incident: null, folded_into: 'db-dump' },
    ],
  );

  // db-dump recovers: one resolve, naming the jobs folded into it.
  tickAt(s, 'db-dump', T + 4 * H + 10 * MIN);
  await checkAt(s, T + 4 * H + 15 * MIN, 1);
  assert.deepEqual(
    sent().map((n) => [n.type, n.job]),
    [
      ['alert', 'db-dump'],
      ['resolve', 'db-dump'],
    ],
  );
  assert.match(sent()[1]!.message, /; also back: backup, upload$/);

  // Still stale, but what they missed was due before db-dump recovered: nothing until their next
  // deadline after the recovery (due 5h15m, deadline 6h15m).
  await checkAt(s, T + 5 * H, 1);
  tickAt(s, 'db-dump', T + 5 * H + 10 * MIN);
  tickAt(s, 'backup', T + 5 * H + 30 * MIN);
  await checkAt(s, T + 6 * H + 10 * MIN, 1);
  assert.equal(sent().length, 2, `nothing before the next deadline: ${JSON.stringify(sent())}`);

  // backup ran; upload missed its deadline too: it alerts on its own.
  await checkAt(s, T + 6 * H + 20 * MIN, 1);
  assert.deepEqual(
    sent().map((n) => [n.type, n.job, n.status]),
    [
      ['alert', 'db-dump', 'failed'],
      ['resolve', 'db-dump', 'ok'],
      ['alert', 'upload', 'stale'],
    ],
  );
});
