// Alerts end to end through the built CLI: `hb check` opens, reminds and resolves incidents once
// each, across concurrent checks and failing sinks, against real servers on 127.0.0.1 (webhook,
// a fake GitHub issues API) and a command sink. Time moves with faketime, never with sleeps.
// The alerting rules themselves (thresholds, reminders, retries and their order, a check of some
// jobs, the check lock, dying between steps) are proven in-process by tests/unit/check-*.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hb, hbRun, readEventsFile, readJson, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder, type Recorded } from '../fixtures/http-recorder.ts';
import { fakeForge } from '../fixtures/fake-forge.ts';

const T = Date.parse('2026-11-20T09:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
/** faketime's prefix for an instant (the sandbox's TZ is UTC). */
const at = (ms: number) => ['faketime', '-f', `@${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`];

/** A sandbox whose hb.yaml is `yaml`, found through HB_CONFIG. */
function configured(yaml: string, env: NodeJS.ProcessEnv = {}): Sandbox & { config: string } {
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, yaml);
  Object.assign(s.env, { HB_CONFIG: config }, env);
  return { ...s, config };
}

const webhook = (url: string) => `  - webhook: {url: ${url}/hook, timeout: 1s, retries: 0}\n`;
const events = (s: Sandbox, type: string) => (existsSync(join(s.state, 'events.jsonl')) ? readEventsFile(s.state).filter((e) => e.type === type) : []);
/** Pending deliveries (top level of outbox/, claimed ones included). */
const outbox = (s: Sandbox) => (existsSync(join(s.state, 'outbox')) ? readdirSync(join(s.state, 'outbox')).filter((n) => n.includes('.json')) : []);
const bodies = (requests: Recorded[]) => requests.map((r) => r.body as Record<string, any>);

/** Runs `hb ARGS` without blocking this process (the recorder answering hb lives here). */
const run = (args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): Promise<Run> => hbRun(args, { env, prefix });

/** `hb check` at an instant, with its output shown when the exit code is not the one expected. */
async function checkAt(s: Sandbox, ms: number, expected: number, args: string[] = []): Promise<Run> {
  const r = await run(['check', ...args], s.env, at(ms));
  assert.equal(r.code, expected, `hb check at +${(ms - T) / 1000}s: stdout ${r.stdout} stderr ${r.stderr}`);
  return r;
}
function tickAt(s: Sandbox, ms: number, args: string[] = []): void {
  const r = hb(['tick', 'j', ...args], { env: s.env, prefix: at(ms) });
  assert.equal(r.code, 0, r.stderr);
}

test('quiet contract: one alert when the job goes stale, one resolve when it ticks again, nothing else', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = configured(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  try {
    tickAt(s, T);
    await checkAt(s, T + 90 * SEC, 0); // late, within the default grace of one period
    assert.equal(rec.requests.length, 0, 'late is not a problem: nothing sent');

    const stale = await checkAt(s, T + 2 * MIN + 5 * SEC, 1);
    assert.equal(stale.stderr, '');
    assert.equal(rec.requests.length, 1);
    const [req] = rec.requests;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.path, '/hook');
    assert.match(String(req!.headers['content-type']), /^application\/json/);
    const alert = req!.body as Record<string, any>;
    assert.equal(alert.type, 'alert');
    assert.equal(alert.job, 'j');
    assert.equal(alert.status, 'stale');
    assert.equal(alert.problem, true);
    assert.equal(alert.title, '[hb] j stale');
    assert.match(alert.message, /deadline passed/);
    assert.equal(typeof alert.id, 'string');
    assert.equal(typeof alert.incident.id, 'string');
    assert.equal(alert.incident.status, 'stale');
    assert.equal(alert.incident.reminders, 0);

    for (const ms of [T + 3 * MIN, T + 4 * MIN]) await checkAt(s, ms, 1);
    assert.equal(rec.requests.length, 1, 'still stale: quiet');

    tickAt(s, T + 4 * MIN + 10 * SEC);
    await checkAt(s, T + 4 * MIN + 20 * SEC, 0);
    assert.equal(rec.requests.length, 2);
    const resolve = rec.requests[1]!.body as Record<string, any>;
    assert.equal(resolve.type, 'resolve');
    assert.equal(resolve.job, 'j');
    assert.equal(resolve.title, '[hb] j recovered');
    assert.equal(resolve.incident.id, alert.incident.id);
    assert.notEqual(resolve.id, alert.id);

    await checkAt(s, T + 4 * MIN + 30 * SEC, 0);
    assert.equal(rec.requests.length, 2, 'healthy again: quiet');
    assert.equal(events(s, 'alert_opened').length, 1);
    assert.equal(events(s, 'alert_resolved').length, 1);
    assert.equal(events(s, 'notify_failed').length, 0);
    assert.deepEqual(outbox(s), []);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a job without a schedule alerts only under `unscheduled: problem`, like any problem, and resolves once it has one', async () => {
  const rec = await startRecorder();
  const s = configured(`notify:\n${webhook(rec.url)}`);
  try {
    assert.equal(hb(['tick', 'loose'], { env: s.env }).code, 0);
    const warned = await run(['check'], s.env);
    assert.equal(warned.code, 0, warned.stdout);
    assert.equal(rec.requests.length, 0, 'listed, not a problem: nothing sent');

    writeFileSync(s.config, `unscheduled: problem\nnotify:\n${webhook(rec.url)}`);
    const strict = await run(['check'], s.env);
    assert.equal(strict.code, 1, strict.stdout);
    assert.equal(strict.stderr, '');
    // One alert, for the job: the meta-heartbeat's own unscheduled heartbeat is never one.
    assert.deepEqual(
      bodies(rec.requests).map((b) => [b.type, b.job, b.status, b.problem]),
      [['alert', 'loose', 'unscheduled', true]],
    );
    assert.equal((await run(['check'], s.env)).code, 1);
    assert.equal(rec.requests.length, 1, 'still unscheduled: quiet');

    assert.equal(hb(['tick', 'loose', '--every', '1h'], { env: s.env }).code, 0);
    assert.equal((await run(['check'], s.env)).code, 0);
    assert.deepEqual(
      bodies(rec.requests).map((b) => [b.type, b.job]),
      [
        ['alert', 'loose'],
        ['resolve', 'loose'],
      ],
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('six concurrent checks of a stale job send one alert and keep one incident', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = configured(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  try {
    tickAt(s, T);
    // All six start at once under the same fake instant; one takes the lock and acts.
    const runs = await Promise.all(Array.from({ length: 6 }, () => run(['check'], s.env, at(T + 2 * MIN + 5 * SEC))));
    for (const r of runs) {
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, '', 'a check that does not act says nothing about it');
    }
    const alerts = bodies(rec.requests).filter((b) => b.type === 'alert');
    assert.equal(alerts.length, 1, JSON.stringify(bodies(rec.requests)));
    assert.equal(rec.requests.length, 1);
    const state = readJson(join(s.state, 'alerts', 'state.json'));
    assert.deepEqual(Object.keys(state.jobs), ['j']);
    assert.equal(state.jobs.j.incident.id, alerts[0]!.incident.id);
    assert.equal(events(s, 'alert_opened').length, 1);
    assert.deepEqual(outbox(s), []);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('a sink that never answers and one whose port is closed: the check ends within its timeout and keeps both', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder({ '/hook': { hang: true } });
  const closed = await startRecorder();
  const closedUrl = closed.url;
  await closed.close();
  const s = configured(`notify:\n${webhook(rec.url)}${webhook(closedUrl)}jobs:\n  j:\n    every: 1m\n`);
  try {
    tickAt(s, T);
    const started = performance.now();
    const r = await checkAt(s, T + 2 * MIN + 5 * SEC, 1);
    const took = performance.now() - started;
    assert.ok(took < 10_000, `check took ${Math.round(took)} ms`);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /\n\s+at /);
    assert.equal(rec.requests.length, 1);
    const kept = outbox(s).map((n) => readJson(join(s.state, 'outbox', n)));
    assert.equal(kept.length, 2);
    for (const item of kept) assert.equal(item.attempts, 1);
    const failed = events(s, 'notify_failed');
    assert.equal(failed.length, 2);
    assert.ok(failed.every((e) => e.will_retry === true));
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('command sink: a failed job reaches the program as JSON on stdin and HB_* variables', () => {
  const s = configured('');
  const out = join(s.root, 'out');
  mkdirSync(out);
  writeFileSync(s.config, 'notify:\n  - command: \'cat > "$OUT_DIR/$HB_TYPE-$HB_JOB.json"; env | grep "^HB_" | sort > "$OUT_DIR/$HB_TYPE-$HB_JOB.env"\'\n');
  s.env.OUT_DIR = out;
  try {
    const wrap = hb(['wrap', '--job', 'j', '--every', '1h', '--', process.execPath, fixture('exit-with.js'), '3'], { env: s.env });
    assert.equal(wrap.code, 3, wrap.stderr);
    const r = hb(['check'], { env: s.env });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    const raw = readFileSync(join(out, 'alert-j.json'), 'utf8');
    assert.equal(raw.trimEnd().split('\n').length, 1, 'one line of JSON');
    const n = JSON.parse(raw);
    assert.equal(n.type, 'alert');
    assert.equal(n.job, 'j');
    assert.equal(n.status, 'failed');
    assert.equal(n.title, '[hb] j failed');
    assert.match(n.message, /exit 3/);
    assert.equal(n.run.exit_code, 3);
    assert.equal(typeof n.incident.id, 'string');
    const env = Object.fromEntries(
      readFileSync(join(out, 'alert-j.env'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.HB_JOB, 'j');
    assert.equal(env.HB_STATUS, 'failed');
    assert.equal(env.HB_TYPE, 'alert');
    assert.equal(env.HB_TITLE, '[hb] j failed');
    assert.equal(env.HB_INCIDENT, n.incident.id);
    assert.equal(env.HB_EXIT_CODE, '3');
    assert.equal(env.HB_MESSAGE, n.message);
    assert.deepEqual(outbox(s), []);
  } finally {
    s.cleanup();
  }
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('github sink: the alert opens an issue, the recovery comments and closes it; the token stays secret', async () => {
  const TOKEN = 'ghp_alertsTestS3cret0042';
  const gh = fakeForge('/repos/org/ops');
  const rec = await startRecorder({}, gh.api);
  const s = configured(`notify:\n  - github: {repo: org/ops, token_env: GH_TOKEN, api_url: ${rec.url}, timeout: 2s}\n`, { GH_TOKEN: TOKEN });
  const runs: Run[] = [];
  try {
    runs.push(hb(['tick', 'j', '--every', '1h', '--status', 'error', '--message', 'disk full'], { env: s.env }));
    const alert = await run(['check'], s.env);
    runs.push(alert);
    assert.equal(alert.code, 1, alert.stderr);
    const calls = () => rec.requests.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(calls(), ['GET /repos/org/ops/issues', 'POST /repos/org/ops/issues']);
    assert.equal((rec.requests[1]!.body as Record<string, unknown>).title, '[hb] j failed');
    assert.equal(gh.issues.length, 1);
    assert.match(gh.issues[0]!.body, /disk full/);

    runs.push(hb(['tick', 'j', '--every', '1h'], { env: s.env }));
    const recovered = await run(['check'], s.env);
    runs.push(recovered);
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.deepEqual(calls().slice(2), ['GET /repos/org/ops/issues/1/comments', 'POST /repos/org/ops/issues/1/comments', 'PATCH /repos/org/ops/issues/1']);
    assert.deepEqual(rec.requests.at(-1)!.body, { state: 'closed' });
    assert.equal(gh.issues[0]!.state, 'closed');
    assert.match(gh.comments.get(1)![0]!.body, /Recovered/);
    assert.equal(gh.issues.length, 1);

    for (const r of rec.requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    for (const r of runs) {
      assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), 'token printed');
      assert.equal(r.stderr, '');
    }
    for (const file of filesUnder(s.state)) assert.ok(!readFileSync(file, 'utf8').includes(TOKEN), `token in ${file}`);
    assert.deepEqual(outbox(s), []);
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('--dry-run prints what it would send and changes nothing; --no-notify sends and queues nothing', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder();
  const s = configured(`notify:\n${webhook(rec.url)}jobs:\n  j:\n    every: 1m\n`);
  try {
    tickAt(s, T);
    const before = filesUnder(s.state).sort();
    const eventsBefore = readFileSync(join(s.state, 'events.jsonl'), 'utf8');
    const dry = await checkAt(s, T + 2 * MIN + 5 * SEC, 1, ['--dry-run']);
    assert.match(dry.stdout, /^would send alert for j \(stale\) to notify\[0\] \(webhook\)$/m);
    assert.equal(dry.stderr, '');
    assert.equal(rec.requests.length, 0);
    assert.deepEqual(filesUnder(s.state).sort(), before, 'a dry run leaves no state');
    assert.equal(readFileSync(join(s.state, 'events.jsonl'), 'utf8'), eventsBefore);

    // Where stdout is machine output, the plan goes to stderr.
    const dryJson = await checkAt(s, T + 2 * MIN + 5 * SEC, 1, ['--dry-run', '--json']);
    assert.equal(JSON.parse(dryJson.stdout).jobs.find((j: { job: string }) => j.job === 'j').status, 'stale');
    assert.match(dryJson.stderr, /^would send alert for j \(stale\) to notify\[0\] \(webhook\)$/m);
    assert.equal(rec.requests.length, 0);
    assert.deepEqual(filesUnder(s.state).sort(), before);

    const quiet = await checkAt(s, T + 2 * MIN + 10 * SEC, 1, ['--no-notify']);
    assert.doesNotMatch(quiet.stdout, /would send/);
    assert.equal(rec.requests.length, 0);
    assert.ok(!existsSync(join(s.state, 'outbox')), 'no outbox');
    assert.ok(!existsSync(join(s.state, 'alerts', 'state.json')), 'no alert state');
    assert.equal(events(s, 'alert_opened').length, 0);

    await checkAt(s, T + 2 * MIN + 15 * SEC, 1);
    assert.deepEqual(
      bodies(rec.requests).map((b) => b.type),
      ['alert'],
      'the real check still alerts',
    );
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('bad sink config: exit 2 naming the key at file:line:col, no secret echoed', () => {
  const cases: Array<{ yaml: string; where: string; key: string; says: RegExp }> = [
    { yaml: 'notify:\n  - slack: {url: "http://127.0.0.1:9/x"}\n', where: '2:5', key: 'notify[0]', says: /one of command, webhook, .*found keys slack/ },
    { yaml: 'notify:\n  - webhook: {timeout: 1s}\n', where: '2:14', key: 'notify[0].webhook.url', says: /url is required/ },
    {
      yaml: 'notify:\n  - webhook:\n      url: not a url\n',
      where: '3:12',
      key: 'notify[0].webhook.url',
      says: /expected an http:\/\/ or https:\/\/ URL, found "not a url"/,
    },
    {
      yaml: 'notify:\n  - telegram: {chat_id: "-100123"}\n',
      where: '2:15',
      key: 'notify[0].telegram',
      says: /exactly one of token_env or token_file is required/,
    },
    {
      yaml: 'jobs:\n  j:\n    every: 1h\n    notify:\n      - telegram:\n          chat_id: "-100123"\n          token_env: TG\n          token: "123:SECRETinline"\n',
      where: '8:18',
      key: 'jobs.j.notify[0].telegram.token',
      says: /a token is never written in the config: use token_env/,
    },
  ];
  for (const c of cases) {
    const s = configured(c.yaml);
    try {
      const r = hb(['check'], { env: s.env });
      assert.equal(r.code, 2, `${c.key}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const line = r.stderr.split('\n').find((l) => l.startsWith(`hb: ${s.config}:${c.where}: ${c.key}: `));
      assert.ok(line, `expected ${s.config}:${c.where}: ${c.key}: … in\n${r.stderr}`);
      assert.match(line, c.says);
      assert.ok(!r.stderr.includes('SECRET'), 'the inline token is not echoed');
      assert.ok(!existsSync(join(s.state, 'outbox')));
    } finally {
      s.cleanup();
    }
  }
});

test('a refused delivery (HTTP 404) is given up at once: moved to outbox/failed/, one stderr line without the URL path', async (t) => {
  if (!requireTool(t, 'faketime')) return;
  const rec = await startRecorder({ 'POST /hook/T0/s3cretpath': { status: 404, body: 'no such hook' } });
  const s = configured(`notify:\n  - webhook: {url: ${rec.url}/hook/T0/s3cretpath, timeout: 1s, retries: 0}\njobs:\n  j:\n    every: 1m\n`);
  try {
    tickAt(s, T);
    const r = await checkAt(s, T + 2 * MIN + 5 * SEC, 1);
    assert.equal(rec.requests.length, 1);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^hb: gave up notifying notify\[0\] \(webhook\) about j alert after 1 attempt: .*404/);
    assert.deepEqual(outbox(s), []);
    const failed = readdirSync(join(s.state, 'outbox', 'failed'));
    assert.equal(failed.length, 1);
    const [event] = events(s, 'notify_failed');
    assert.equal(event!.will_retry, false);
    for (const text of [r.stderr, readFileSync(join(s.state, 'events.jsonl'), 'utf8'), readFileSync(join(s.state, 'outbox', 'failed', failed[0]!), 'utf8')]) {
      assert.ok(!text.includes('s3cretpath'), `the webhook path leaked: ${text}`);
    }
    await checkAt(s, T + 10 * MIN, 1);
    assert.equal(rec.requests.length, 1, 'given up means not retried');
  } finally {
    await rec.close();
    s.cleanup();
  }
});
