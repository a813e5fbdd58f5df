// Exit codes, output rules and tolerance with real jobs: `sh` commands run by the built hb as
// cron runs them (`hb tick JOB`), a real webhook server on 127.0.0.1 as the only sink, and the
// clock set by faketime for the daily job.
//
// What must hold:
// - An rsync-style job that complains on stderr and exits 24, with `warn_codes: [24]`: hb passes
//   24 on, hb check says `warning` with the reason and exits 0, and the webhook hears nothing.
// - A job that prints `ERROR: db unreachable` and exits 0, with `fail_on: [ERROR]`: failed with
//   that line, which reaches the check's text and the alert.
// - A failing daily job (`cron: "30 2 * * *"`): with `failed_runs: 1` nothing before 02:30, the
//   failed run at 02:30, exactly one alert at the 02:31 check and none at later checks; with
//   `failed_runs: 2` the first night's failure sends nothing, the second night's alerts once.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder, type Recorder } from '../fixtures/http-recorder.ts';
import { hbRun, readJson, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** 02:00 UTC on a Tuesday: the nights below start here (the sandbox sets TZ=UTC). */
const NIGHT1 = Date.parse('2026-12-01T02:00:00Z');

/** faketime's absolute form: hb starts at `ms`. */
function at(ms: number): string[] {
  const iso = new Date(ms).toISOString();
  return ['faketime', '-f', `@${iso.slice(0, 10)} ${iso.slice(11, 19)}`];
}

/** The webhook's notifications so far, as `TYPE JOB STATUS`. */
const heard = (rec: Recorder) => rec.requests.map((r) => r.body as { type: string; job: string; status: string }).map((b) => `${b.type} ${b.job} ${b.status}`);

describe('outcome codes and output rules with real jobs and a real webhook', () => {
  let s: Sandbox;
  let rec: Recorder;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    rec = await startRecorder();
    s = sandbox();
    const config = join(s.root, 'hb.yaml');
    writeFileSync(
      config,
      `notify:
  - webhook: {url: ${rec.url}/hook, timeout: 5s, retries: 0}
jobs:
  mirror:
    every: 1h
    command: "echo 'file has vanished: \\"/srv/data/tmp.123\\" (in data)' >&2; echo 'rsync warning: some files vanished before they could be transferred (code 24)' >&2; exit 24"
    warn_codes: [24]
  dump:
    every: 1h
    command: "echo 'dumping 3 databases'; echo 'ERROR: db unreachable'; exit 0"
    output:
      fail_on: [ERROR]
`,
    );
    env = { ...s.env, HB_CONFIG: config };
  });
  after(async () => {
    await rec.close();
    s.cleanup();
  });

  const run = (args: string[]): Promise<Run> => hbRun(args, { env });

  test('exit 24 in warn_codes: hb exits 24, the run is a warning with its reason, hb check exits 0 saying warning, no alert', async () => {
    const r = await run(['tick', 'mirror']);
    assert.equal(r.code, 24);
    assert.match(r.stderr, /rsync warning: some files vanished/);
    assert.doesNotMatch(r.stderr, /^hb:/m, 'hb adds nothing to a warned run');
    const last = readJson(join(s.state, 'mirror.last'));
    assert.deepEqual([last.status, last.outcome, last.reason], ['ok', 'warning', 'exit 24 is listed in warn_codes']);
    const check = await run(['check', '--json', 'mirror']);
    assert.equal(check.code, 0, check.stderr);
    const [job] = JSON.parse(check.stdout).jobs;
    assert.equal(job.status, 'warning');
    assert.match(job.reason, /succeeded with a warning: exit 24 is listed in warn_codes/);
    const text = await run(['check', '--verbose', 'mirror']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /mirror\s+\S+\s+last run .*succeeded with a warning: exit 24 is listed in warn_codes/i);
    assert.deepEqual(heard(rec), [], 'a warning is never alerted');
  });

  test('ERROR printed by a job that exits 0, with fail_on: failed with that line, on stderr, in hb check and in the one alert', async () => {
    const r = await run(['tick', 'dump']);
    assert.equal(r.code, 0, "the job's exit code is passed on");
    assert.equal(r.stderr, 'hb: dump: failed: output matched fail_on /ERROR/: "ERROR: db unreachable"\n');
    const last = readJson(join(s.state, 'dump.last'));
    assert.deepEqual([last.status, last.exit_code, last.outcome], ['error', 0, 'failed']);
    const check = await run(['check', 'dump']);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /dump\s+FAILED\s+last run failed, .*: output matched fail_on \/ERROR\/: "ERROR: db unreachable"/);
    assert.deepEqual(heard(rec), ['alert dump failed']);
    const alert = rec.requests[0]!.body as { message: string };
    assert.match(alert.message, /output matched fail_on \/ERROR\/: "ERROR: db unreachable"/);
    await run(['check', 'dump']);
    assert.deepEqual(heard(rec), ['alert dump failed'], 'one alert per incident');
  });
});

describe('tolerate: a failing daily job checked every few minutes through the night, under faketime', () => {
  /** A sandbox with the daily job `nightly` failing with `failed_runs`, a webhook, and hb at a set time. */
  async function night(t: { after(fn: () => unknown): void }, failedRuns: number) {
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
  - webhook: {url: ${rec.url}/hook, timeout: 5s, retries: 0}
jobs:
  nightly:
    cron: "30 2 * * *"
    command: "[ -f ${s.root}/db-up ] || { echo 'ERROR: db unreachable' >&2; exit 3; }"
    tolerate: {failed_runs: ${failedRuns}}
`,
    );
    const env = { ...s.env, HB_CONFIG: config };
    const hbAt = (ms: number, args: string[]) => hbRun(args, { env, prefix: at(ms) });
    const dbUp = () => writeFileSync(join(s.root, 'db-up'), '');
    return { rec, s, hbAt, dbUp };
  }

  /** `hb check` at `ms`: its exit code and the webhook's notifications so far. */
  async function checkAt(n: Awaited<ReturnType<typeof night>>, ms: number): Promise<{ code: number | null; heard: string[] }> {
    const r = await n.hbAt(ms, ['check']);
    assert.ok(r.code === 0 || r.code === 1, `check: exit ${r.code}: ${r.stderr}`);
    return { code: r.code, heard: heard(n.rec) };
  }

  test('failed_runs 1: nothing before 02:30; the 02:30 run fails; the 02:31 check sends exactly one alert, later checks none', async (t) => {
    if (!requireTool(t, 'faketime')) return;
    const n = await night(t, 1);
    // The night before, the job succeeded.
    n.dbUp();
    assert.equal((await n.hbAt(NIGHT1 - DAY + 30 * MIN, ['tick', 'nightly'])).code, 0);
    // Then the database went away.
    rmSync(join(n.s.root, 'db-up'));
    assert.deepEqual(await checkAt(n, NIGHT1), { code: 0, heard: [] }, '02:00: before the run');
    assert.deepEqual(await checkAt(n, NIGHT1 + 20 * MIN), { code: 0, heard: [] }, '02:20: still before the run');
    const r = await n.hbAt(NIGHT1 + 30 * MIN, ['tick', 'nightly']);
    assert.equal(r.code, 3);
    assert.equal(readJson(join(n.s.state, 'nightly.last')).failed_streak, 1);
    assert.deepEqual(await checkAt(n, NIGHT1 + 31 * MIN), { code: 1, heard: ['alert nightly failed'] }, '02:31: the first failed run alerts');
    assert.deepEqual(await checkAt(n, NIGHT1 + 32 * MIN), { code: 1, heard: ['alert nightly failed'] }, '02:32: no second alert');
    assert.deepEqual(await checkAt(n, NIGHT1 + 6 * 60 * MIN), { code: 1, heard: ['alert nightly failed'] }, '08:00: still one alert');
  });

  test('failed_runs 2: the first night fails quietly whatever the checks; the second night fails and alerts once', async (t) => {
    if (!requireTool(t, 'faketime')) return;
    const n = await night(t, 2);
    assert.equal((await n.hbAt(NIGHT1 + 30 * MIN, ['tick', 'nightly'])).code, 3);
    for (const minutes of [31, 32, 60, 6 * 60, 23 * 60]) {
      assert.deepEqual(await checkAt(n, NIGHT1 + minutes * MIN), { code: 0, heard: [] }, `night 1 + ${minutes} min: one failed run of two is tolerated`);
    }
    assert.equal((await n.hbAt(NIGHT1 + DAY + 30 * MIN, ['tick', 'nightly'])).code, 3);
    assert.equal(readJson(join(n.s.state, 'nightly.last')).failed_streak, 2);
    assert.deepEqual(await checkAt(n, NIGHT1 + DAY + 31 * MIN), { code: 1, heard: ['alert nightly failed'] }, 'night 2, 02:31: alerted');
    assert.deepEqual(await checkAt(n, NIGHT1 + DAY + 40 * MIN), { code: 1, heard: ['alert nightly failed'] }, 'night 2, 02:40: once');
    // The third night succeeds: resolved.
    n.dbUp();
    assert.equal((await n.hbAt(NIGHT1 + 2 * DAY + 30 * MIN, ['tick', 'nightly'])).code, 0);
    assert.deepEqual(await checkAt(n, NIGHT1 + 2 * DAY + 31 * MIN), { code: 0, heard: ['alert nightly failed', 'resolve nightly ok'] });
  });
});
