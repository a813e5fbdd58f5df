// The Node API (lib/api.ts) in-process: heartbeat, runJob, check and nextFires write and read the
// same files `hb tick`, `hb wrap`, `hb check` and `hb next` do, against a temporary state
// directory; the quiet contract's notify against a real HTTP server on 127.0.0.1.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { check, heartbeat, nextFires, runJob, UsageError, type HbOptions } from '../../lib/api.ts';
import { lastPath, runPath } from '../../lib/adapters/heartbeat/store.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { readEvents, tempDirs } from '../fakes.ts';
import { HB } from '../helpers.ts';

const newDir = tempDirs('hb-api-');

/** Options that keep hb inside `dir`: its state there, no config found elsewhere, warnings kept. */
function inside(dir: string, config?: string): HbOptions & { said: string[] } {
  const said: string[] = [];
  const env = { HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg'), TZ: 'UTC', PATH: process.env.PATH, HB_CRONTAB_PATHS: '' };
  return { stateDir: join(dir, 'state'), ...(config ? { config } : {}), env, warn: (line) => said.push(line), said };
}

const fileRecord = (dir: string, job: string) => JSON.parse(readFileSync(lastPath(join(dir, 'state'), job), 'utf8')) as Record<string, unknown>;
const eventTypes = (dir: string, job: string) =>
  readEvents(join(dir, 'state'))
    .events.filter((e) => e.job === job)
    .map((e) => e.type);

test('heartbeat writes the .last hb tick writes: the record returned is the file, the schedule and grace in it, a run_finished ping event', async () => {
  const dir = newDir();
  const opts = inside(dir);
  const record = await heartbeat('agent', { ...opts, every: '15m', grace: '5m', action: 'cycle', message: 'all good' });
  assert.deepEqual(fileRecord(dir, 'agent'), JSON.parse(JSON.stringify(record)));
  assert.equal(record.status, 'ok');
  assert.deepEqual(record.schedule, { every: '15m' });
  assert.equal(record.grace_s, 300);
  assert.equal(record.action, 'cycle');
  assert.equal(record.message, 'all good');
  assert.equal(record.pid, process.pid);
  assert.deepEqual(eventTypes(dir, 'agent'), ['run_finished']);
  const second = await heartbeat('agent', { ...opts, every: '15m', status: 'error' });
  assert.deepEqual([second.status, second.cycle, second.exit_code], ['error', 2, 1]);
  assert.deepEqual(opts.said, []);
});

test('heartbeat and runJob refuse what hb tick refuses, naming the option', async () => {
  const dir = newDir();
  const opts = inside(dir);
  await assert.rejects(heartbeat('../x', opts), (e: Error) => e instanceof UsageError && /job name/i.test(e.message));
  await assert.rejects(heartbeat('a', { ...opts, every: '15 minutes' }), (e: Error) => e instanceof UsageError && e.message.startsWith('every: '));
  await assert.rejects(heartbeat('a', { ...opts, every: '1m', cron: '* * * * *' }), (e: Error) => e.message.startsWith('every and cron both given'));
  await assert.rejects(heartbeat('a', { ...opts, grace: 'soon' }), (e: Error) => e instanceof UsageError && e.message.startsWith('grace: '));
  await assert.rejects(heartbeat('a', { ...opts, grace: '0s' }), /grace: it must be longer than 0/);
  await assert.rejects(runJob('a', 'echo hi' as never, opts), /runJob: expected a function to run as job a, found string/);
  assert.equal(existsSync(join(dir, 'state', 'a.last')), false, 'nothing recorded');
});

test('heartbeat refuses a job whose config gives it a command, which it would not run', async () => {
  const dir = newDir();
  const cfg = join(dir, 'hb.yaml');
  writeFileSync(cfg, 'jobs:\n  backup:\n    every: 1d\n    command: /bin/true\n');
  await assert.rejects(heartbeat('backup', inside(dir, cfg)), /heartbeat: job backup has a command in the config, which heartbeat\(\) does not run/);
});

test('runJob records a run as hb wrap does: the running marker while fn runs, its cycle, the message it returns, run_started and run_finished', async () => {
  const dir = newDir();
  const opts = inside(dir);
  let seen: unknown = null;
  const record = await runJob(
    'sync',
    async (run) => {
      seen = { run, marker: JSON.parse(readFileSync(runPath(join(dir, 'state'), 'sync'), 'utf8')) as Record<string, unknown> };
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { message: 'synced 3 files' };
    },
    { ...opts, every: '5m' },
  );
  const { run, marker } = seen as { run: Record<string, unknown>; marker: Record<string, unknown> };
  assert.deepEqual(run, { job: 'sync', cycle: 1, stateDir: join(dir, 'state') });
  assert.equal(marker.pid, process.pid);
  assert.equal(marker.cycle, 1);
  assert.ok(record);
  assert.deepEqual([record.status, record.exit_code, record.message, record.output_tail], ['ok', 0, 'synced 3 files', null]);
  assert.ok(record.duration_ms >= 15, `the run's time is measured: ${record.duration_ms} ms`);
  assert.deepEqual(fileRecord(dir, 'sync'), JSON.parse(JSON.stringify(record)));
  assert.equal(existsSync(runPath(join(dir, 'state'), 'sync')), false, 'the marker is gone once the run is recorded');
  assert.deepEqual(eventTypes(dir, 'sync'), ['run_started', 'run_finished']);
});

test('a job function that throws is a failed run with its message; one that returns something else says what it expected', async () => {
  const dir = newDir();
  const opts = inside(dir);
  const failed = await runJob(
    'fetch',
    () => {
      throw new Error('upstream answered 503');
    },
    { ...opts, every: '5m' },
  );
  assert.deepEqual([failed?.status, failed?.exit_code, failed?.message, failed?.failed_streak], ['error', 1, 'upstream answered 503', 1]);
  const odd = await runJob('fetch', () => ({ notify: 42 }) as never, { ...opts, every: '5m' });
  assert.equal(odd?.status, 'error');
  assert.equal(odd?.message, 'the job function returned notify: number 42; expected nothing or { message?: string, notify?: string }');
  assert.equal(odd?.failed_streak, 2);
  const [verdict] = await check({ ...opts, jobs: ['fetch'] });
  assert.deepEqual([verdict?.status, verdict?.problem], ['failed', true]);
});

test('runJob with lock skips a run while another holds the job, records overlap_skipped and returns null', async () => {
  const dir = newDir();
  const opts = { ...inside(dir), lock: true, every: '5m' };
  let release!: () => void;
  const holding = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inFirst = new Promise<void>((resolve) => (started = resolve));
  const first = runJob(
    'exclusive',
    async () => {
      started();
      await holding;
    },
    opts,
  );
  await inFirst;
  const second = await runJob('exclusive', () => assert.fail('the second run must not start'), opts);
  release();
  assert.equal(second, null);
  assert.equal((await first)?.status, 'ok');
  assert.deepEqual(eventTypes(dir, 'exclusive'), ['run_started', 'overlap_skipped', 'run_finished']);
});

test("a job function that returns { notify } speaks through the job's sinks; one that returns nothing is silent", async () => {
  const rec = await startRecorder();
  try {
    const dir = newDir();
    const cfg = join(dir, 'hb.yaml');
    writeFileSync(cfg, `notify:\n  - webhook: ${rec.url}/hook\n`);
    const opts = { ...inside(dir, cfg), every: '1h' };
    await runJob('report', () => undefined, opts);
    await runJob('report', () => ({ message: 'nothing new' }), opts);
    assert.equal(rec.requests.length, 0, 'nothing said, nothing sent');
    const record = await runJob('report', async () => ({ notify: 'disk 91% full on /srv', message: 'checked' }), opts);
    assert.equal(record?.message, 'checked');
    assert.equal(rec.requests.length, 1);
    assert.equal((rec.requests[0]!.body as { message?: string }).message, 'disk 91% full on /srv');
    await heartbeat('report', { ...opts, notify: 'from a heartbeat' });
    assert.equal((rec.requests[1]!.body as { message?: string }).message, 'from a heartbeat');
  } finally {
    await rec.close();
  }
});

test('a notify that cannot be delivered stays in the outbox for the next hb check, as hb tick --notify does', async () => {
  const rec = await startRecorder({}, { status: 503 });
  try {
    const dir = newDir();
    const cfg = join(dir, 'hb.yaml');
    writeFileSync(cfg, `notify:\n  - webhook: {url: "${rec.url}/hook", timeout: 1s}\n`);
    const opts = inside(dir, cfg);
    const record = await runJob('report', () => ({ notify: 'keep me' }), { ...opts, every: '1h' });
    assert.equal(record?.status, 'ok', "a failed delivery never changes the run's outcome");
    const pending = readdirSync(join(dir, 'state', 'outbox')).filter((n) => n.endsWith('.json'));
    assert.equal(pending.length, 1, 'kept for a retry');
    assert.match(readFileSync(join(dir, 'state', 'outbox', pending[0]!), 'utf8'), /keep me/);
  } finally {
    await rec.close();
  }
});

test('check returns the verdicts hb check --json prints, field for field, and neither alerts nor writes its own heartbeat', async () => {
  const dir = newDir();
  const opts = inside(dir);
  await heartbeat('fresh', { ...opts, every: '1h' });
  await runJob('broken', () => Promise.reject(new Error('no route to host')), { ...opts, every: '1h' });
  await heartbeat('loose', opts);
  const verdicts = await check(opts);
  assert.deepEqual(
    verdicts.map((v) => [v.job, v.status, v.problem]),
    [
      ['broken', 'failed', true],
      ['fresh', 'ok', false],
      ['loose', 'unscheduled', false],
    ],
  );
  assert.equal(existsSync(lastPath(opts.stateDir!, 'hb-check')), false, 'check() wrote no hb-check.last');
  assert.equal(existsSync(join(opts.stateDir!, 'alerts')), false, 'check() kept no alert state');
  const cli = spawnSync(process.execPath, [HB, 'check', '--json', '--no-notify', '--no-recover', '--state-dir', opts.stateDir!], {
    env: opts.env,
    encoding: 'utf8',
  });
  assert.equal(cli.status, 1, cli.stderr);
  const printed = (JSON.parse(cli.stdout) as { jobs: Record<string, unknown>[] }).jobs.filter((j) => j.job !== 'hb-check');
  const mine = JSON.parse(JSON.stringify(verdicts)) as Record<string, unknown>[];
  // Ages move between the two reads, and the reasons name them; everything else is the same.
  const still = (jobs: Record<string, unknown>[]) => jobs.map(({ age_s: _a, ratio: _r, reason: _w, ...rest }) => rest);
  assert.deepEqual(still(mine), still(printed));
  assert.match(verdicts[0]!.reason, /no route to host/);
  await assert.rejects(check({ ...opts, jobs: ['nope'] }), /no job named nope/);
});

test('nextFires gives the times hb next prints, across a DST change, for an expression or a stored schedule', () => {
  const from = '2026-03-28T00:00:00Z';
  const fires = nextFires('30 2 * * *', { from, count: 3, tz: 'Europe/Berlin' });
  const cli = spawnSync(process.execPath, [HB, 'next', '30 2 * * *', '--tz', 'Europe/Berlin', '--from', from, '-n', '3', '--json'], { encoding: 'utf8' });
  const printed = (JSON.parse(cli.stdout) as { next: string[] }).next.map((t) => Date.parse(t));
  assert.deepEqual(
    fires.map((d) => d.getTime()),
    printed,
  );
  // 2026-03-29 02:30 does not exist in Berlin: Debian cron runs it at 03:00 (01:00Z).
  assert.equal(fires[1]!.toISOString(), '2026-03-29T01:00:00.000Z');
  assert.deepEqual(
    nextFires({ cron: '0 9 * * 1-5', tz: 'UTC' }, { from: Date.parse('2026-03-27T10:00:00Z'), count: 1 }).map((d) => d.toISOString()),
    ['2026-03-30T09:00:00.000Z'],
  );
  assert.deepEqual(
    nextFires({ every: '15m' }, { from: new Date('2026-03-27T10:00:00Z'), count: 2 }).map((d) => d.toISOString()),
    ['2026-03-27T10:15:00.000Z', '2026-03-27T10:30:00.000Z'],
  );
  assert.throws(
    () => nextFires('61 * * * *', { from }),
    (e: Error) => e instanceof UsageError && e.message.startsWith('nextFires: cron: '),
  );
  assert.throws(() => nextFires('* * * * *', { from: 'yesterday' }), /nextFires: from: expected a Date, milliseconds or an ISO 8601 time/);
  assert.throws(() => nextFires('* * * * *', { count: -1 }), /count must be a whole number/);
});
