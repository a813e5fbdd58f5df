// Alerts for run outcomes through the built CLI and a real webhook server on 127.0.0.1: a
// suspicious run opens one incident whose notification carries the reason; a warning never opens
// one, and an open failure incident resolves when the next run is only a warning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hb, hbRun, sandbox, type Sandbox } from '../helpers.ts';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';

const bodies = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>);

/** A sandbox whose hb.yaml sends to the recorder and configures `jobs`. */
function configured(url: string, jobs: string): Sandbox {
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, `notify:\n  - webhook: {url: ${url}/hook, timeout: 2s, retries: 0}\njobs:\n${jobs}`);
  s.env.HB_CONFIG = config;
  return s;
}

/** `hb wrap` of the exit-with fixture for job `job`, expecting hb to exit `code`. */
function wrapExit(s: Sandbox, job: string, code: number): void {
  const r = hb(['wrap', '--job', job, '--', process.execPath, fixture('exit-with.js'), String(code)], { env: s.env });
  assert.equal(r.code, code, r.stderr);
}

async function check(s: Sandbox, expected: number): Promise<string> {
  const r = await hbRun(['check'], { env: s.env });
  assert.equal(r.code, expected, `hb check: stdout ${r.stdout} stderr ${r.stderr}`);
  return r.stdout;
}

test('a suspicious run opens one incident; the alert carries the reason in its message and its run facts', async () => {
  const rec = await startRecorder();
  const s = configured(rec.url, '  dump:\n    every: 1h\n    min_duration: 1h\n');
  try {
    wrapExit(s, 'dump', 0);
    const out = await check(s, 1);
    assert.match(out, /^dump {2}SUSPICIOUS {2}last run .* was suspicious: finished in \d+ms, faster than its min_duration 1h$/m);
    await check(s, 1);
    const sent = bodies(rec.requests).filter((b) => b.job === 'dump');
    assert.equal(sent.length, 1, JSON.stringify(sent));
    const [alert] = sent;
    assert.deepEqual([alert!.type, alert!.status, alert!.problem, alert!.title], ['alert', 'suspicious', true, '[hb] dump suspicious']);
    assert.match(alert!.message, /was suspicious: finished in \d+ms, faster than its min_duration 1h$/);
    assert.equal(alert!.run.outcome, 'suspicious');
    assert.match(alert!.run.reason, /^finished in \d+ms, faster than its min_duration 1h$/);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a warning never opens an incident; an open failure incident resolves when the next run is only a warning', async () => {
  const rec = await startRecorder();
  const s = configured(rec.url, '  sync:\n    every: 1h\n    warn_codes: [24]\n  mirror:\n    every: 1h\n    warn_codes: [24]\n');
  try {
    // A warning alone: shown with --verbose, never sent.
    wrapExit(s, 'mirror', 24);
    const verbose = await hbRun(['check', '--verbose', '--no-notify'], { env: s.env });
    assert.match(verbose.stdout, /^mirror {2}WARNING {2}last run .* succeeded with a warning: exit 24 is listed in warn_codes/m);
    assert.doesNotMatch(await check(s, 0), /^mirror\s/m, 'a warning is not listed without --verbose');

    const json = await hbRun(['check', '--json', '--no-notify'], { env: s.env });
    const mirror = JSON.parse(json.stdout).jobs.find((j: { job: string }) => j.job === 'mirror');
    assert.deepEqual(
      [mirror.status, mirror.problem, mirror.last.outcome, mirror.last.reason, mirror.last.failed_streak],
      ['warning', false, 'warning', 'exit 24 is listed in warn_codes', 0],
    );
    assert.match(mirror.reason, /succeeded with a warning: exit 24 is listed in warn_codes/);

    // A failure opens an incident; the next run only warns: the incident resolves, saying so.
    wrapExit(s, 'sync', 3);
    await check(s, 1);
    wrapExit(s, 'sync', 24);
    await check(s, 0);
    await check(s, 0);
    const sent = bodies(rec.requests);
    assert.deepEqual(
      sent.map((b) => [b.job, b.type, b.status]),
      [
        ['sync', 'alert', 'failed'],
        ['sync', 'resolve', 'warning'],
      ],
      JSON.stringify(sent),
    );
    assert.equal(sent[0]!.run.outcome, 'failed');
    assert.match(sent[1]!.message, /succeeded with a warning: exit 24 is listed in warn_codes/);
    assert.deepEqual([sent[1]!.problem, sent[1]!.run.outcome, sent[1]!.run.reason], [false, 'warning', 'exit 24 is listed in warn_codes']);
  } finally {
    await rec.close();
    s.cleanup();
  }
});
