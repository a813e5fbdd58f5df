// Start-up is the product's main cost: prove that hot commands do not load code they do not need.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HB, fixture, sandbox } from '../helpers.ts';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
/** Sink code and the alerting that drives it: never loaded while no sink is configured. */
const NETWORK = [
  'lib/rules/alerts/',
  'lib/adapters/alerts/',
  'lib/adapters/sinks/load.ts',
  'lib/adapters/sinks/http.ts',
  'lib/adapters/sinks/webhook.ts',
  'lib/adapters/sinks/issue-tracker.ts',
  'lib/adapters/sinks/command.ts',
  'lib/check/alerting.ts',
  'lib/run/notifications.ts',
  'lib/adapters/alerts/delivery.ts',
];
/** The crontab reading behind the first-run hint of a job without a schedule. */
const CRONTAB = ['lib/rules/crontab/', 'lib/adapters/crontab/', 'bin/first-run-hint.ts'];
const meta = JSON.parse(readFileSync(join(dist, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };

/** The source modules (from esbuild's metafile) behind every dist file a run of hb loaded, plus the Node built-ins it imported. */
function loadedSources(args: string[], env: NodeJS.ProcessEnv, codes: readonly number[] = [0, 1]): string[] {
  const { builtins, files } = loadedBy([HB, ...args], env, codes);
  return [...builtins, ...files.flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}).map(fromPackage))];
}

/** The Node built-ins and the dist files (`dist/x.js`) that `node ARGV` loaded. */
function loadedBy(argv: string[], env: NodeJS.ProcessEnv, codes: readonly number[]): { builtins: string[]; files: string[] } {
  const traceFile = join(env.HOME!, '..', 'trace.txt');
  const r = spawnSync(process.execPath, ['--import', fixture('trace-loads.mjs'), ...argv], { env: { ...env, HB_TRACE_FILE: traceFile }, encoding: 'utf8' });
  assert.ok(codes.includes(r.status!), `node ${argv.join(' ')} ran: ${r.stderr}`);
  const urls = readFileSync(traceFile, 'utf8').split('\n');
  writeFileSync(traceFile, '');
  const builtins = urls.filter((u) => u.startsWith('node:'));
  const files = urls.filter((u) => u.startsWith('file:') && u.includes('/dist/')).map((u) => `dist/${relative(dist, fileURLToPath(u))}`);
  return { builtins, files };
}

/** An input as the project names it: a node_modules reached through a symlink (`../main/node_modules/yaml/…`) is `node_modules/yaml/…`. */
function fromPackage(input: string): string {
  const at = input.indexOf('node_modules/');
  return at > 0 ? input.slice(at) : input;
}

test('a ping without a config loads neither yaml, commander, child_process nor the check, format or config-parsing code', () => {
  const s = sandbox();
  try {
    const sources = loadedSources(['tick', 'fast', '--every', '1m'], s.env);
    assert.ok(
      sources.some((src) => src.startsWith('bin/commands/tick.ts')),
      'trace works: tick.ts was loaded',
    );
    for (const heavy of [
      'node_modules/yaml/',
      'node_modules/commander/',
      'node:child_process',
      'lib/adapters/config/load.ts',
      'lib/rules/format/',
      'lib/adapters/format/',
      'bin/commands/check.ts',
      'lib/adapters/health/scan.ts',
      ...CRONTAB,
      ...NETWORK,
    ]) {
      assert.deepEqual(
        sources.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by tick`,
      );
    }
  } finally {
    s.cleanup();
  }
});

test('a tick of a job without a schedule loads the crontab code on its first run only (to hint), never after', () => {
  const s = sandbox();
  try {
    const first = loadedSources(['tick', 'loose'], s.env);
    assert.ok(first.includes('bin/first-run-hint.ts') && first.includes('lib/rules/crontab/lookup.ts'), 'the first run looks for a crontab line');
    const later = loadedSources(['tick', 'loose'], s.env);
    assert.ok(
      later.some((src) => src.startsWith('bin/commands/tick.ts')),
      'trace works: tick.ts was loaded',
    );
    for (const heavy of CRONTAB)
      assert.deepEqual(
        later.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by a later tick`,
      );
  } finally {
    s.cleanup();
  }
});

test('check without a config loads no yaml, commander or child_process, and only the renderer it prints with', () => {
  const s = sandbox();
  try {
    spawnSync(process.execPath, [HB, 'tick', 'a', '--every', '1m'], { env: s.env });
    const sources = loadedSources(['check'], s.env);
    assert.ok(sources.includes('bin/commands/check.ts'), 'trace works: check.ts was loaded');
    for (const heavy of [
      'node_modules/yaml/',
      'node_modules/commander/',
      'node_modules/execa/',
      'node:child_process',
      'lib/adapters/config/load.ts',
      'lib/rules/format/prometheus.ts',
      'lib/rules/format/nagios.ts',
      ...NETWORK,
    ]) {
      assert.deepEqual(
        sources.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by check`,
      );
    }
  } finally {
    s.cleanup();
  }
});

test('the trace can tell the difference: a config loads yaml, a command loads child_process, status loads commander', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  a:\n    every: 1m\n');
    const sources = loadedSources(['tick', 'a'], { ...s.env, HB_CONFIG: cfg });
    assert.ok(sources.some((src) => src.startsWith('node_modules/yaml/')));
    assert.ok(loadedSources(['wrap', '--job', 'w', '--', 'true'], s.env).includes('node:child_process'));
    assert.ok(loadedSources(['status'], s.env).some((src) => src.startsWith('node_modules/commander/')));
    writeFileSync(cfg, 'notify:\n  - webhook: http://127.0.0.1:9/hook\njobs:\n  a:\n    every: 1m\n');
    assert.ok(loadedSources(['check'], { ...s.env, HB_CONFIG: cfg }).includes('lib/check/alerting.ts'), 'a configured sink loads the alerting code');
    assert.ok(!loadedSources(['check', '--no-notify'], { ...s.env, HB_CONFIG: cfg }).includes('lib/check/alerting.ts'), '--no-notify does not');
  } finally {
    s.cleanup();
  }
});

test('a wrap without a ping URL loads no ping code; --ping (to a closed port) loads it', () => {
  const s = sandbox();
  try {
    const PING = ['lib/run/ping.ts', 'lib/adapters/sinks/healthchecks.ts', 'lib/adapters/sinks/http.ts', ...NETWORK];
    const plain = loadedSources(['wrap', '--job', 'w', '--every', '1h', '--', 'true'], s.env);
    assert.ok(plain.includes('node:child_process'), 'trace works: the command ran');
    for (const heavy of PING)
      assert.deepEqual(
        plain.filter((src) => src.startsWith(heavy)),
        [],
        `${heavy} not loaded by a plain wrap`,
      );
    // Port 9 (discard) refuses at once here; the failure is one stderr line, which loadedSources ignores.
    const pinged = loadedSources(['wrap', '--job', 'w', '--every', '1h', '--ping', 'http://127.0.0.1:9/ping/x', '--', 'true'], s.env);
    assert.ok(pinged.includes('lib/run/ping.ts') && pinged.includes('lib/adapters/sinks/healthchecks.ts'), 'a ping URL loads the ping code');
  } finally {
    s.cleanup();
  }
});

test('the completion generators are loaded by hb completion only, never by status, tick or check', () => {
  const s = sandbox();
  try {
    const GENERATOR = ['lib/rules/completion/', 'bin/commands/completion.ts'];
    const script = loadedSources(['completion', 'bash'], s.env);
    assert.ok(
      script.includes('lib/rules/completion/bash.ts') && script.includes('bin/commands/completion.ts'),
      'trace works: hb completion bash loads its generator',
    );
    for (const args of [['tick', 'a', '--every', '1m'], ['check'], ['status']]) {
      const sources = loadedSources(args, s.env);
      assert.deepEqual(
        sources.filter((src) => GENERATOR.some((g) => src.startsWith(g))),
        [],
        `hb ${args.join(' ')} loads no completion code`,
      );
    }
  } finally {
    s.cleanup();
  }
});

test('status and report load the fleet view only with --prometheus', () => {
  const s = sandbox();
  try {
    const FLEET = ['bin/commands/fleet.ts', 'lib/rules/fleet/', 'lib/adapters/prometheus/', 'node:http', 'node:https'];
    spawnSync(process.execPath, [HB, 'tick', 'a', '--every', '1m'], { env: s.env });
    for (const args of [['status'], ['status', '--json'], ['report']]) {
      const plain = loadedSources(args, s.env);
      assert.ok(plain.includes(`bin/commands/${args[0]}.ts`), `trace works: ${args[0]}.ts was loaded`);
      for (const heavy of FLEET)
        assert.deepEqual(
          plain.filter((src) => src.startsWith(heavy)),
          [],
          `${heavy} not loaded by hb ${args.join(' ')}`,
        );
    }
    // Port 9 (discard) refuses at once: the run ends with exit 2 after it loaded the fleet code.
    const fleet = loadedSources(['status', '--prometheus', 'http://127.0.0.1:9'], s.env, [2]);
    for (const module of ['bin/commands/fleet.ts', 'lib/rules/fleet/model.ts', 'lib/adapters/prometheus/client.ts', 'node:http'])
      assert.ok(fleet.includes(module), `--prometheus loads ${module}`);
  } finally {
    s.cleanup();
  }
});

test("the Node API's heartbeat and runJob load dist/api.js alone, without child_process; check() adds the check pipeline, never the command line", () => {
  const s = sandbox();
  try {
    const api = pathToFileURL(join(dist, 'api.js')).href;
    const runs = join(s.root, 'runs.mjs');
    writeFileSync(
      runs,
      `import { heartbeat, runJob } from '${api}';\nawait heartbeat('a', { every: '1m' });\nawait runJob('b', () => ({ message: 'done' }), { every: '1m' });\n`,
    );
    const ran = loadedBy([runs], s.env, [0]);
    assert.deepEqual(ran.files, ['dist/api.js']);
    assert.ok(!ran.builtins.includes('node:child_process'), ran.builtins.join(' '));
    const checks = join(s.root, 'check.mjs');
    writeFileSync(checks, `import { check } from '${api}';\nif ((await check()).length !== 2) process.exit(3);\n`);
    const checked = loadedBy([checks], s.env, [0]).files;
    assert.ok(checked.includes('dist/evaluate.js'), checked.join(' '));
    for (const cli of ['dist/hb.js', 'dist/cli.js', 'dist/check.js', 'dist/config-load.js']) assert.ok(!checked.includes(cli), `${cli} not loaded by check()`);
  } finally {
    s.cleanup();
  }
});
