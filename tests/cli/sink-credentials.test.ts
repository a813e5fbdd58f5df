// Credentials written in a sink URL (`http://user:pass@host/…`) are sent as HTTP Basic auth to a
// real server on 127.0.0.1, and the password is never shown: not on stderr, in events.jsonl, in an
// outbox file or in hb status (the compiled config, a private copy of the config, is readable by
// its owner only). A sink that authenticates with its own token refuses them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, hbRun, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { startRecorder } from '../fixtures/http-recorder.ts';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function configured(yaml: string): Sandbox & { config: string } {
  const s = sandbox();
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, yaml);
  s.env.HB_CONFIG = config;
  return { ...s, config };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

test('a webhook URL with user:p%40ss@ is delivered with the right Basic header; the password is in no output, event or file but the private compiled config', async (t) => {
  const rec = await startRecorder({ 'POST /hook': { status: 200 }, 'POST /gone': { status: 404, body: 'no such hook' }, 'POST /busy': { status: 503 } });
  const port = new URL(rec.url).port;
  // The passwords as written (percent-encoded) and as sent (decoded): neither may show.
  const secrets = ['p%40ss', 'p@ss', 's3cr%2Ft', 's3cr/t', 'w41t%3Ame', 'w41t:me', basic('user', 'p@ss').slice(6)];
  const s = configured(
    'notify:\n' +
      `  - webhook: {url: "http://user:p%40ss@127.0.0.1:${port}/hook", timeout: 2s, retries: 0}\n` +
      `  - webhook: {url: "http://b%C3%B6b:s3cr%2Ft@127.0.0.1:${port}/gone", timeout: 2s, retries: 0}\n` +
      `  - webhook: {url: "http://ops:w41t%3Ame@127.0.0.1:${port}/busy", timeout: 2s, retries: 0}\n`,
  );
  const runs: Run[] = [];
  try {
    runs.push(hb(['tick', 'j', '--every', '1h', '--status', 'error', '--message', 'disk full'], { env: s.env }));
    const check = await hbRun(['check'], { env: s.env });
    runs.push(check);
    assert.equal(check.code, 1, check.stderr);

    const at = (path: string) => rec.requests.filter((r) => r.path === path);
    assert.equal(at('/hook').length, 1, `requests: ${rec.requests.map((r) => r.path).join(' ')}; stderr: ${check.stderr}`);
    assert.equal(at('/hook')[0]!.headers.authorization, basic('user', 'p@ss'));
    assert.equal((at('/hook')[0]!.body as { job: string }).job, 'j');
    assert.equal(at('/gone')[0]?.headers.authorization, basic('böb', 's3cr/t'));
    assert.equal(at('/busy')[0]?.headers.authorization, basic('ops', 'w41t:me'));

    // The 404 is given up (stderr, an event, outbox/failed/), the 503 waits in the outbox.
    assert.match(check.stderr, /gave up notifying notify\[1\] \(webhook\) about j alert .*404/);
    const failed = filesUnder(join(s.state, 'outbox', 'failed'));
    assert.equal(failed.length, 1);
    assert.ok(readFileSync(join(s.state, 'events.jsonl'), 'utf8').includes('notify_failed'));
    assert.equal(readdirSync(join(s.state, 'outbox')).filter((n) => n.endsWith('.json')).length, 1, 'the 503 is pending');

    for (const args of [['status'], ['status', '--json'], ['check'], ['check', '--json'], ['log']]) runs.push(hb(args, { env: s.env }));
    // A run a minute ahead sees a config that has been still long enough to be compiled.
    if (requireTool(t, 'faketime')) runs.push(hb(['status'], { env: s.env, prefix: ['faketime', '-f', '+60s'] }));
    for (const r of runs) {
      for (const secret of secrets) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `"${secret}" shown:\n${r.stdout}\n${r.stderr}`);
      }
    }
    // The compiled config (docs/state.md) is a copy of the config, secrets and all: only its
    // owner may read it, as only the owner may read the config. No other state file holds one.
    const compiled = join(s.state, 'meta', 'config');
    if (existsSync(compiled)) assert.equal(statSync(compiled).mode & 0o777, 0o700);
    const state = filesUnder(s.state);
    if (requireTool(t, 'faketime'))
      assert.ok(
        state.some((f) => f.startsWith(compiled + '/')),
        'the config was compiled',
      );
    for (const file of state) {
      if (file.startsWith(compiled + '/')) {
        assert.equal(statSync(file).mode & 0o777, 0o600, file);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const secret of secrets) assert.ok(!text.includes(secret), `"${secret}" in ${file}: ${text}`);
    }
  } finally {
    await rec.close();
    s.cleanup();
  }
});

test('credentials in the URL of a sink that sends its own token, or beside an Authorization header, are refused naming the key; the password is not echoed', () => {
  const cases: Array<[string, RegExp]> = [
    [
      '  - github: {repo: org/ops, token_env: T, api_url: "https://me:hunter2@gh.example"}\n',
      /notify\[0\]\.github\.api_url.*github sink authenticates with its token/,
    ],
    ['  - gitea: {url: "https://me:hunter2@git.example", repo: org/ops, token_env: T}\n', /notify\[0\]\.gitea\.url.*gitea sink authenticates with its token/],
    [
      '  - webhook: {url: "https://me:hunter2@hooks.example/x", headers: {Authorization: "Bearer abc"}}\n',
      /notify\[0\]\.webhook\.url.*an Authorization header/,
    ],
    ['  - webhook: {url: "https://me:hun%zzter2@hooks.example/x"}\n', /notify\[0\]\.webhook\.url.*percent/],
  ];
  for (const [sink, expected] of cases) {
    const s = configured(`notify:\n${sink}`);
    try {
      const r = hb(['check'], { env: s.env });
      assert.equal(r.code, 2, `${sink}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.ok(!r.stderr.includes('hunter2') && !r.stderr.includes('hun%zzter2'), r.stderr);
      assert.match(r.stderr, /me:\*\*\*@/);
    } finally {
      s.cleanup();
    }
  }
});
