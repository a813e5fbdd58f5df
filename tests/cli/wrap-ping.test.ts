// `hb wrap --ping URL` and HB_PING_URL with no config file at all, against a real HTTP server on
// 127.0.0.1, and `--cycle N` on tick and wrap, through the built CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRecorder } from '../fixtures/http-recorder.ts';
import { fixture, freePort, HB, hb, hbRun, readEventsFile, sandbox, waitFor } from '../helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHECK = '0f1e2d3c-4b5a-4697-8877-665544332211';

test('wrap --ping with no config file: /start, then the success ping carrying the output, one run id', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const r = await hbRun(['wrap', '--job', 'backup', '--every', '1h', '--ping', `${rec.url}/ping/${CHECK}`, '--', 'sh', '-c', 'echo dumped 42 tables'], {
      env: s.env,
    });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'dumped 42 tables\n', '']);
    assert.deepEqual(
      rec.requests.map((q) => `${q.method} ${q.path}`),
      [`POST /ping/${CHECK}/start`, `POST /ping/${CHECK}`],
    );
    const [start, end] = rec.requests;
    assert.equal(start!.raw, '');
    assert.equal(end!.raw, 'dumped 42 tables\n', 'the end ping carries the output tail');
    assert.match(start!.query.rid!, UUID);
    assert.equal(end!.query.rid, start!.query.rid, 'start and end share the run id');
    assert.equal(end!.headers['content-type'], 'text/plain; charset=utf-8');
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test("a failed command pings /<its exit code>, and a run hb judges failed although it exited 0 pings /fail; the job's code is kept", async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const url = `${rec.url}/ping/abc`;
    const bad = await hbRun(['wrap', '--job', 'dump', '--every', '1h', '--ping', url, '--', 'false'], { env: s.env });
    assert.deepEqual([bad.code, bad.stderr], [1, '']);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/ping/abc/start', '/ping/abc/1'],
    );
    rec.requests.length = 0;
    const judged = await hbRun(['wrap', '--job', 'dump', '--every', '1h', '--ping', url, '--fail-on', 'ERROR', '--', 'sh', '-c', 'echo ERROR: disk full'], {
      env: s.env,
    });
    assert.equal(judged.code, 0, 'exit code of the command, as without --ping');
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/ping/abc/start', '/ping/abc/fail'],
    );
    assert.equal(rec.requests[1]!.raw, 'ERROR: disk full\n');
    rec.requests.length = 0;
    const warned = await hbRun(['wrap', '--job', 'mirror', '--every', '1h', '--ping', url, '--warn-codes', '24', '--', fixture('exit-with.js'), '24'], {
      env: s.env,
    });
    assert.equal(warned.code, 24);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/ping/abc/start', '/ping/abc'],
      'a warning is a success',
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('HB_PING_URL alone reports the run; --ping wins over it; tick --ping sends one ping and no /start', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const env = { ...s.env, HB_PING_URL: `${rec.url}/from-env` };
    // The command, here an hb tick of another job, does not inherit the check.
    const nested = await hbRun(
      ['wrap', '--job', 'j', '--every', '1h', '--', 'sh', '-c', `echo "\${HB_PING_URL-unset}"; ${process.execPath} ${HB} tick inner --every 1h`],
      { env },
    );
    assert.deepEqual([nested.code, nested.stdout], [0, 'unset\n']);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/from-env/start', '/from-env'],
    );
    rec.requests.length = 0;
    assert.equal((await hbRun(['wrap', '--job', 'j', '--every', '1h', '--ping', `${rec.url}/from-flag`, '--', 'true'], { env })).code, 0);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/from-flag/start', '/from-flag'],
    );
    rec.requests.length = 0;
    const tick = await hbRun(['tick', 'agent', '--every', '1h', '--status', 'error', '--ping', `${rec.url}/t`], { env: s.env });
    assert.deepEqual([tick.code, tick.stderr], [0, '']);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      ['/t/1'],
      'a ping with --status error is recorded as exit 1, and pinged as such',
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a configured healthchecks sink and --ping both fire, with the same run id', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: ${rec.url}/configured\n`);
    const r = await hbRun(['wrap', '--job', 'backup', '--ping', `${rec.url}/adhoc`, '--', 'true'], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(rec.requests.map((q) => q.path).sort(), ['/adhoc', '/adhoc/start', '/configured', '/configured/start']);
    assert.deepEqual(new Set(rec.requests.map((q) => q.query.rid)).size, 1);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a run --lock skips pings nothing: no /start is left open on the check, from --ping or a configured sink', async () => {
  const s = sandbox();
  const rec = await startRecorder();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, `jobs:\n  backup:\n    every: 1h\n    notify:\n      - healthchecks: ${rec.url}/configured\n`);
    const env = { ...s.env, HB_CONFIG: cfg };
    const holding = hbRun(['wrap', '--job', 'backup', '--lock', '--', 'sh', '-c', `touch ${join(s.root, 'holding')}; sleep 30`], { env });
    await waitFor(() => existsSync(join(s.root, 'holding')), 'the first run to hold the lock', 20_000);
    await waitFor(() => rec.requests.some((q) => q.path === '/configured/start'), "the first run's /start", 20_000);
    rec.requests.length = 0;
    const skipped = await hbRun(['wrap', '--job', 'backup', '--lock', '--skip-code', '75', '--ping', `${rec.url}/adhoc`, '--', 'true'], { env });
    assert.deepEqual([skipped.code, skipped.stderr], [75, '']);
    assert.deepEqual(readEventsFile(s.state).filter((e) => e.type === 'overlap_skipped').length, 1);
    assert.deepEqual(
      rec.requests.map((q) => q.path),
      [],
      'a skipped run sends no ping',
    );
    const marker = JSON.parse(readFileSync(join(s.state, 'backup.run'), 'utf8'));
    process.kill(marker.child_pid, 'SIGTERM');
    await holding;
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test("a dead endpoint: wrap ends with the command's code and output, one stderr line, no credentials shown", async () => {
  const s = sandbox();
  try {
    const port = await freePort();
    const url = `http://pinger:s3cret-pw@127.0.0.1:${port}/ping/${CHECK}`;
    const r = await hbRun(['wrap', '--job', 'j', '--every', '1h', '--ping', url, '--', 'sh', '-c', 'echo out; exit 3'], { env: s.env });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `^hb: ping http://pinger:\\*\\*\\*@127\\.0\\.0\\.1:${port}/ping/0f1e…/3 \\(its /start ping failed too\\) failed: could not connect \\(.*ECONNREFUSED.*\\) \\(after 3 attempts\\); will not retry$`,
      ),
    );
    assert.ok(!r.stderr.includes('s3cret') && !r.stderr.includes(CHECK), 'neither the password nor the check UUID is printed');
    const record = JSON.parse(readFileSync(join(s.state, 'j.last'), 'utf8'));
    assert.equal(record.exit_code, 3, 'the heartbeat is written as without --ping');
    const failed = readEventsFile(s.state).filter((e: { type: string }) => e.type === 'notify_failed');
    assert.deepEqual(
      failed.map((e: Record<string, unknown>) => [e.sink, e.kind, e.notification, e.attempts, e.will_retry]),
      [
        ['--ping', 'healthchecks', 'run_start', 1, false],
        ['--ping', 'healthchecks', 'run_end', 1, false],
      ],
    );
    assert.ok(!JSON.stringify(failed).includes('s3cret') && !JSON.stringify(failed).includes(CHECK), 'nor is either logged');
    assert.match(hb(['log', 'j'], { env: s.env }).stdout, /run_end to --ping \(healthchecks\) failed \(attempt 1\): .*ECONNREFUSED.*; gave up/);
  } finally {
    s.cleanup();
  }
});

test('a --ping URL or HB_PING_URL hb cannot use is a usage error (exit 2) and the command does not run', () => {
  const s = sandbox();
  try {
    const marker = join(s.root, 'ran');
    for (const [args, env, message] of [
      [['--ping', 'hc-ping.com/abc'], {}, '--ping: expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "hc-ping.com/abc"'],
      [['--ping', 'ftp://u:pw@host/x'], {}, '--ping: expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "ftp://u:***@host/x"'],
      [[], { HB_PING_URL: 'nope' }, 'HB_PING_URL: expected an http:// or https:// URL such as https://hc-ping.com/UUID, found "nope"'],
    ] as const) {
      const r = hb(['wrap', '--job', 'j', ...args, '--', 'touch', marker], { env: { ...s.env, ...env } });
      assert.deepEqual([r.code, r.stderr], [2, `hb: ${message}\n`]);
    }
    assert.throws(() => readFileSync(marker), /ENOENT/);
  } finally {
    s.cleanup();
  }
});

test('--cycle N: the record, the running marker, the events and HB_CYCLE carry N', () => {
  const s = sandbox();
  try {
    const r = hb(['wrap', '--job', 'agent', '--every', '1h', '--cycle', '9000', '--', 'sh', '-c', 'echo "$HB_CYCLE"; cat "$HB_STATE_DIR/agent.run"'], {
      env: s.env,
    });
    assert.equal(r.code, 0, r.stderr);
    const [envLine, markerText] = r.stdout.split(/\n(.*)/s);
    assert.equal(envLine, '9000');
    assert.equal(JSON.parse(markerText!).cycle, 9000, 'the running marker');
    assert.equal(JSON.parse(readFileSync(join(s.state, 'agent.last'), 'utf8')).cycle, 9000, 'the heartbeat');
    const cycles = readEventsFile(s.state).map((e: { type: string; cycle: number }) => `${e.type} ${e.cycle}`);
    assert.deepEqual(cycles, ['run_started 9000', 'run_finished 9000']);
    const tick = hb(['tick', 'pinger', '--every', '1h', '--cycle', '0', '--json'], { env: s.env });
    assert.equal(JSON.parse(tick.stdout).cycle, 0, 'tick takes it too, 0 included');
  } finally {
    s.cleanup();
  }
});

test('after --cycle N a run without it counts on from N, and a lower N never sets the counter back', () => {
  const s = sandbox();
  try {
    const tick = (...extra: string[]) => JSON.parse(hb(['tick', 'a', '--every', '1h', '--json', ...extra], { env: s.env }).stdout).cycle as number;
    assert.deepEqual([tick(), tick()], [1, 2]);
    assert.equal(tick('--cycle', '500'), 500);
    assert.equal(tick(), 501);
    assert.equal(tick('--cycle', '7'), 7, 'the caller says 7: the record says 7');
    assert.equal(tick(), 502, 'the count goes on from the highest number handed out');
    const max = String(Number.MAX_SAFE_INTEGER);
    assert.equal(tick('--cycle', max), Number.MAX_SAFE_INTEGER);
  } finally {
    s.cleanup();
  }
});

test('--cycle refuses anything but a whole number from 0 to 2^53-1, with exit 2', () => {
  const s = sandbox();
  try {
    for (const bad of ['-1', '1.5', 'x', '', '9007199254740992', '1e3']) {
      for (const args of [
        ['tick', 'a', `--cycle=${bad}`],
        ['wrap', '--job', 'a', `--cycle=${bad}`, '--', 'true'],
      ]) {
        const r = hb(args, { env: s.env });
        assert.deepEqual([r.code, r.stderr], [2, `hb: --cycle: expected a whole number from 0 to 9007199254740991, found "${bad}"\n`], args.join(' '));
      }
    }
  } finally {
    s.cleanup();
  }
});
