// Config: parseConfigText (SPEC §3 shape, every problem at once with file:line:col) and findConfig precedence.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type ConfigProblem } from '../../lib/rules/errors.ts';
import { parseConfigText } from '../../lib/adapters/config/load.ts';
import { findConfig } from '../../lib/rules/config/find.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** The problems of a config that must fail, without the (long) messages unless asked. */
async function problems(text: string): Promise<ConfigProblem[]> {
  try {
    await parseConfigText(text, 'hb.yaml', 'UTC');
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a ConfigError, not ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}
const where = (ps: ConfigProblem[]) => ps.map((p) => `${p.line}:${p.col} ${p.path}`);

const SPEC_EXAMPLE = `state_dir: /var/lib/hb          # optional
defaults: { grace: 5m, timeout: 1h }
notify:                         # global sinks; a job may add its own \`notify:\` list
  - command: "logger -t hb \\"$HB_JOB is $HB_STATUS\\""
  - webhook: https://hooks.example.net/hb
  - telegram: { token_env: TG_TOKEN, chat_id: "12345" }
  - github: { repo: org/ops, token_file: /etc/hb/gh-token }
  - healthchecks: { url: https://hc.example.net/ping/UUID }
jobs:
  backup:
    cron: "30 2 * * *"
    tz: Europe/Berlin
    command: /usr/local/bin/backup.sh
    timeout: 2h
    lock: true
  allegro:
    every: 15m
    command: ["/usr/bin/python3", "/opt/allegro/cycle.py"]
    recover:
      health: "curl -fsS http://127.0.0.1:8080/health"
      config: [/opt/allegro/config.yaml]
      restart: "systemctl restart allegro"
      max_restarts: 3/1h
`;

test('the SPEC §3 example parses, sinks and recover included', async () => {
  const c = await parseConfigText(SPEC_EXAMPLE, '/etc/hb/hb.yaml', 'UTC');
  assert.equal(c.file, '/etc/hb/hb.yaml');
  assert.equal(c.stateDir, '/var/lib/hb');
  assert.deepEqual(c.defaults, { graceMs: 5 * M, timeoutMs: 1 * H });
  const sink = (kind: string, where: string, options: Record<string, unknown>) => ({ kind, where, options, timeoutMs: 10_000, retries: 2, on: null });
  assert.deepEqual(c.notify, [
    sink('command', 'notify[0]', { run: 'logger -t hb "$HB_JOB is $HB_STATUS"' }),
    sink('webhook', 'notify[1]', { url: 'https://hooks.example.net/hb' }),
    sink('telegram', 'notify[2]', { token_env: 'TG_TOKEN', chat_id: '12345' }),
    sink('github', 'notify[3]', { repo: 'org/ops', token_file: '/etc/hb/gh-token' }),
    sink('healthchecks', 'notify[4]', { url: 'https://hc.example.net/ping/UUID' }),
  ]);
  assert.deepEqual([...c.jobs.keys()], ['backup', 'allegro']);
  const backup = c.jobs.get('backup')!;
  assert.deepEqual(
    [backup.name, backup.schedule, backup.command, backup.timeoutMs, backup.lock, backup.graceMs],
    ['backup', { cron: '30 2 * * *', tz: 'Europe/Berlin' }, '/usr/local/bin/backup.sh', 2 * H, true, undefined],
  );
  const allegro = c.jobs.get('allegro')!;
  assert.deepEqual(allegro.schedule, { every: '15m' });
  assert.deepEqual(allegro.command, ['/usr/bin/python3', '/opt/allegro/cycle.py']);
  assert.deepEqual(allegro.recover, {
    health: { kind: 'command', command: 'curl -fsS http://127.0.0.1:8080/health' },
    config: ['/opt/allegro/config.yaml'],
    restart: 'systemctl restart allegro',
    maxRestarts: { count: 3, windowMs: 3_600_000 },
    source: 'snapshot',
    ref: 'HEAD',
    settleMs: 10_000,
    timeoutMs: 60_000,
    keep: 5,
  });
});

test('every problem is reported at once, each at its line and column', async () => {
  const text = [
    /* 1 */ 'state_dir: 5',
    /* 2 */ 'defaults: { grace: soon, timout: 1h }',
    /* 3 */ 'jobs:',
    /* 4 */ '  backup:',
    /* 5 */ '    cron: "61 2 * * *"',
    /* 6 */ '    tz: Mars/Olympus',
    /* 7 */ '    lock: yes',
    /* 8 */ '    comand: /bin/true',
    /* 9 */ '  ../x:',
    /* 10 */ '    every: 15m',
    /* 11 */ '  ok:',
    /* 12 */ '    every: 15m',
    /* 13 */ '    tz: UTC',
    /* 14 */ '    alert_after: 0',
    /* 15 */ '    notify:',
    /* 16 */ '      - slack: x',
    /* 17 */ '      - webhook: https://x',
    /* 18 */ '    recover: { health: x, restrat: y }',
    /* 19 */ 'extra: 1',
    '',
  ].join('\n');
  const ps = await problems(text);
  const byPosition = [...ps].sort((a, b) => a.line! - b.line! || a.col! - b.col!);
  assert.deepEqual(where(byPosition), [
    '1:12 state_dir',
    '2:20 defaults.grace',
    '2:26 defaults.timout',
    '5:11 jobs.backup.cron',
    '6:9 jobs.backup.tz',
    '7:11 jobs.backup.lock',
    '8:5 jobs.backup.comand',
    '9:3 jobs.../x',
    '13:9 jobs.ok.tz',
    '14:18 jobs.ok.alert_after',
    '16:9 jobs.ok.notify[0]',
    '18:14 jobs.ok.recover',
    '18:27 jobs.ok.recover.restrat',
    '19:1 extra',
  ]);
  assert.ok(ps.every((p) => p.file === 'hb.yaml'));
  const msg = (path: string) => ps.find((p) => p.path === path)!.message;
  assert.match(
    msg('extra'),
    /unknown key "extra" \(expected one of state_dir, defaults, unscheduled, events_keep, notify, maintenance, escalate, cron_log, jobs\)/,
  );
  assert.match(msg('defaults.grace'), /"soon" is not a duration/);
  assert.match(msg('jobs.backup.cron'), /61 .*minute/);
  assert.match(msg('jobs.backup.tz'), /Mars\/Olympus/);
  assert.match(msg('jobs.backup.lock'), /expected true or false, found string "yes"/);
  assert.match(msg('jobs.backup.comand'), /unknown key "comand" in jobs.backup/);
  assert.match(msg('jobs.../x'), /must match/);
  assert.match(msg('jobs.ok.tz'), /cron schedules only/);
  assert.match(msg('jobs.ok.notify[0]'), /found keys slack/);
  assert.match(msg('jobs.ok.recover.restrat'), /unknown key "restrat"/);
  // The message of the error names file:line:col for each problem.
  await assert.rejects(parseConfigText(text, 'hb.yaml', 'UTC'), (e: Error) =>
    e.message.split('\n').includes(`hb.yaml:8:5: jobs.backup.comand: ${msg('jobs.backup.comand')}`),
  );
});

test('shape problems: both every and cron at the cron key, jobs that are not maps, sinks not a list', async () => {
  assert.deepEqual(where(await problems('jobs:\n  a: {every: 1m, cron: "* * * * *"}\n')), ['2:18 jobs.a.cron']);
  assert.deepEqual(where(await problems('jobs:\n  x: [1]\n  y: 5\n  z:\n')), ['2:6 jobs.x', '3:6 jobs.y']);
  assert.deepEqual(where(await problems('notify: {webhook: x}\n')), ['1:9 notify']);
  assert.deepEqual(where(await problems('jobs: [a, b]\n')), ['1:7 jobs']);
  assert.deepEqual(where(await problems('jobs:\n  a:\n    command: []\n    tail: -1\n')), ['3:14 jobs.a.command', '4:11 jobs.a.tail']);
});

test('duplicate keys and YAML syntax errors are reported with their position', async () => {
  const rows: Array<[string, string, RegExp]> = [
    ['jobs:\n  a: {every: 1m}\n  a: {every: 2m}\n', '3:3 ', /invalid YAML: Map keys must be unique/],
    ['jobs:\n  a: b: c\n', '2:6 ', /invalid YAML: Nested mappings are not allowed/],
    ['jobs:\n\ta: 1\n', '2:1 ', /invalid YAML: Tabs/],
    ['defaults: {grace: 5m}}\n', '1:22 ', /invalid YAML: Unexpected flow-map-end/],
  ];
  for (const [text, pos, message] of rows) {
    const ps = await problems(text);
    assert.deepEqual(where(ps), [pos], text);
    assert.match(ps[0]!.message, message);
    assert.doesNotMatch(ps[0]!.message, /\n|at line \d+/, 'one line, the position is in line/col');
  }
});

test('an alias bomb is a config error, not a crash', async () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    '',
  ].join('\n');
  const ps = await problems(bomb);
  assert.equal(ps.length, 1);
  assert.match(ps[0]!.message, /^invalid YAML: .*alias/i);
});

test('empty and comment-only files are an empty config; a top-level list is refused', async () => {
  for (const text of ['', '\n', '# nothing here\n', '---\n']) {
    const c = await parseConfigText(text, 'hb.yaml', 'UTC');
    assert.deepEqual([c.file, c.stateDir, c.defaults, c.notify, c.jobs.size], ['hb.yaml', undefined, {}, [], 0], JSON.stringify(text));
  }
  const c = await parseConfigText('jobs:\n', 'hb.yaml', 'UTC');
  assert.equal(c.jobs.size, 0);
  const ps = await problems('- a\n- b\n');
  assert.deepEqual(where(ps), ['1:1 ']);
  assert.match(
    ps[0]!.message,
    /expected a map with keys state_dir, defaults, unscheduled, events_keep, notify, maintenance, escalate, cron_log, jobs, found a list/,
  );
  assert.deepEqual(where(await problems('just text\n')), ['1:1 ']);
});

test('unscheduled: warn or problem (absent: warn); anything else is refused at its key path and position', async () => {
  assert.equal((await parseConfigText('jobs: {}\n', 'hb.yaml', 'UTC')).unscheduled, undefined);
  assert.equal((await parseConfigText('unscheduled: warn\n', 'hb.yaml', 'UTC')).unscheduled, 'warn');
  assert.equal((await parseConfigText('unscheduled: problem\njobs:\n  a:\n', 'hb.yaml', 'UTC')).unscheduled, 'problem');
  for (const [value, found] of [
    ['error', 'string "error"'],
    ['true', 'boolean true'],
    ['[warn]', 'a list'],
  ]) {
    const ps = await problems(`jobs: {}\nunscheduled: ${value}\n`);
    assert.deepEqual(where(ps), ['2:14 unscheduled'], value);
    assert.equal(ps[0]!.message, `expected warn or problem (what a job with no schedule is), found ${found}`);
  }
});

test('durations may be numbers of seconds; zero and negative ones are refused', async () => {
  const c = await parseConfigText('defaults:\n  grace: 300\n  timeout: 1.5\njobs:\n  a:\n    every: 900\n    max_runtime: 90m\n  b:\n', 'hb.yaml', 'UTC');
  assert.deepEqual(c.defaults, { graceMs: 300 * S, timeoutMs: 1500 });
  assert.deepEqual(c.jobs.get('a')!.schedule, { every: '900' });
  assert.equal(c.jobs.get('a')!.maxRuntimeMs, 90 * M);
  assert.deepEqual(c.jobs.get('b'), { name: 'b' }, 'a job with an empty body is still configured');
  assert.deepEqual(where(await problems('jobs:\n  a:\n    every: 1m\n    grace: 0\n    timeout: -5\n')), ['4:12 jobs.a.grace', '5:14 jobs.a.timeout']);
});

test('findConfig: --config > $HB_CONFIG > ./hb.yaml > $XDG_CONFIG_HOME/hb/hb.yaml > /etc/hb/hb.yaml', () => {
  const everywhere = () => true;
  const only =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);
  const env = { HB_CONFIG: '/env/hb.yaml', XDG_CONFIG_HOME: '/xdg' };
  assert.deepEqual(findConfig('/flag.yaml', env, '/cwd', '/home/ann', everywhere), { path: '/flag.yaml', explicit: true, source: '--config' });
  // Explicit choices are returned even when missing: loading them then fails loudly.
  assert.deepEqual(
    findConfig(undefined, env, '/cwd', '/home/ann', () => false),
    { path: '/env/hb.yaml', explicit: true, source: '$HB_CONFIG' },
  );
  assert.deepEqual(findConfig(undefined, { XDG_CONFIG_HOME: '/xdg' }, '/cwd', '/home/ann', everywhere), {
    path: '/cwd/hb.yaml',
    explicit: false,
    source: '/cwd/hb.yaml',
  });
  assert.equal(findConfig(undefined, { XDG_CONFIG_HOME: '/xdg' }, '/cwd', '/home/ann', only('/xdg/hb/hb.yaml', '/etc/hb/hb.yaml')).path, '/xdg/hb/hb.yaml');
  assert.equal(findConfig(undefined, {}, '/cwd', '/home/ann', only('/home/ann/.config/hb/hb.yaml', '/etc/hb/hb.yaml')).path, '/home/ann/.config/hb/hb.yaml');
  assert.equal(findConfig(undefined, {}, '/cwd', '/home/ann', only('/etc/hb/hb.yaml')).path, '/etc/hb/hb.yaml');
  assert.deepEqual(
    findConfig(undefined, { HB_CONFIG: '' }, '/cwd', '/home/ann', () => false),
    { path: null, explicit: false, source: 'none' },
  );
  // The rule asks about the candidates in order and nothing else.
  const asked: string[] = [];
  findConfig(undefined, {}, '/cwd', '/home/ann', (p) => (asked.push(p), false));
  assert.deepEqual(asked, ['/cwd/hb.yaml', '/home/ann/.config/hb/hb.yaml', '/etc/hb/hb.yaml']);
});

test("a config read from hb daemon's copy is the original file: its name in messages, its directory for relative paths", async () => {
  const { mkdtempSync, rmSync, writeFileSync, mkdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadConfigAndText } = await import('../../lib/adapters/config/load.ts');
  const root = mkdtempSync(join(tmpdir(), 'hb-copy-'));
  try {
    mkdirSync(join(root, 'etc'));
    const file = join(root, 'etc', 'hb.yaml');
    const copy = join(root, 'copy.yaml');
    const text = 'jobs:\n  agent:\n    every: 5m\n    command: "true"\n    recover: { config: [agent.conf], restart: "true" }\n';
    writeFileSync(file, 'jobs: [broken\n');
    writeFileSync(copy, text);
    const choice = { path: file, explicit: true, source: '--config' };
    const held = await loadConfigAndText(choice, 'UTC', copy);
    assert.equal(held.text, text);
    assert.equal(held.config.file, file);
    assert.deepEqual(held.config.jobs.get('agent')?.recover?.config, [join(root, 'etc', 'agent.conf')], 'relative to the original, not to the copy');
    await assert.rejects(loadConfigAndText(choice, 'UTC'), /etc\/hb\.yaml:\d+:\d+: invalid YAML/, 'the file itself is still broken');
    await assert.rejects(
      loadConfigAndText(choice, 'UTC', join(root, 'gone.yaml')),
      /gone\.yaml: cannot read config file \(from --config-snapshot, hb daemon's copy of \S+etc\/hb\.yaml\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
