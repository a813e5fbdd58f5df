// The host-side recipes of docs/integrations.md, run for real: the monit block in a real monit
// daemon, the NRPE command line, and the per-host healthchecks config against a local server
// standing in for a healthchecks.io-compatible one.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, HB, hb, hbRun, requireTool, sandbox, waitFor, type Run, type Sandbox } from '../helpers.ts';

const DOC = fileURLToPath(new URL('../../docs/integrations.md', import.meta.url));
const DOC_HB = '/usr/local/lib/node_modules/hb/dist/hb.js';

const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      await gone;
    }
  }
  for (const s of sandboxes) s.cleanup();
});

function box(): Sandbox {
  const s = sandbox();
  sandboxes.push(s);
  return s;
}

const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The fenced block of docs/integrations.md whose first line is `firstLine`. */
function docBlock(firstLine: string): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.split('\n')[0] === firstLine);
  assert.equal(found.length, 1, `exactly one block starting with "${firstLine}" in ${DOC}`);
  return found[0]!;
}

// A healthy job and a failed one, ticked with the built CLI.
function failingHost(s: Sandbox): void {
  assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
  for (const args of [
    ['tick', 'backup', '--every', '1h'],
    ['tick', 'sync', '--every', '1h', '--status', 'error'],
  ]) {
    const r = hb(args, { env: s.env });
    assert.equal(r.code, 0, show(r));
  }
}

describe('docs/integrations.md: monit', () => {
  it("the documented check program reports a failed job with hb's output, its exec action sends hb's alert and resolve, in monit's environment", async (t) => {
    if (!requireTool(t, 'monit')) return;
    const s = box();
    failingHost(s);
    // A command sink: the MONIT_ variables it ran with, then what hb's acting check sends (so a
    // notification in `sent` means its environment is already written).
    const sent = join(s.root, 'sent.jsonl');
    const monitEnv = join(s.root, 'monit-env.txt');
    const config = join(s.root, 'hb.yaml');
    writeFileSync(
      config,
      `notify:\n  - command: "env | grep -e ^MONIT_ -e ^HB_STATE_DIR= -e ^PATH= >> ${monitEnv}; cat >> ${sent}; echo >> ${sent}"\njobs: {}\n`,
    );

    // The documented block, pointed at this checkout, the sandbox's config and state directory.
    const block = docBlock('# /etc/monit/conf.d/hb');
    const doc = `/usr/bin/node ${DOC_HB} check --no-notify --no-recover --config /etc/hb/hb.yaml --state-dir /var/lib/hb`;
    assert.ok(block.includes(`check program cron-jobs with path "${doc}"\n`), block);
    const acting = `exec "/usr/bin/node ${DOC_HB} check --config /etc/hb/hb.yaml --state-dir /var/lib/hb"`;
    assert.ok(block.includes(`if status != 0 then ${acting}\n`) && block.includes(`else if succeeded then ${acting}\n`), block);
    const check = block
      .replaceAll('/usr/bin/node', process.execPath)
      .replaceAll(DOC_HB, HB)
      .replaceAll('/etc/hb/hb.yaml', config)
      .replaceAll('/var/lib/hb', s.state);

    const port = await freePort();
    const monitrc = join(s.root, 'monitrc');
    writeFileSync(
      monitrc,
      [
        'set daemon 1',
        `set logfile ${join(s.root, 'monit.log')}`,
        `set pidfile ${join(s.root, 'monit.pid')}`,
        `set idfile ${join(s.root, 'monit.id')}`,
        `set statefile ${join(s.root, 'monit.state')}`,
        `set httpd port ${port} and use address 127.0.0.1`,
        '    allow 127.0.0.1',
        '',
        check,
      ].join('\n'),
    );
    chmodSync(monitrc, 0o600); // monit refuses a control file others can read

    const syntax = spawnSync('monit', ['-c', monitrc, '-t'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(syntax.status, 0, `${syntax.stdout}${syntax.stderr}`);
    assert.match(`${syntax.stdout}${syntax.stderr}`, /Control file syntax OK/);

    // monit as init would start it: none of hb's variables and no PATH (the block needs neither).
    // HB_CRONTAB_PATHS='' keeps hb off this machine's real crontabs, as in every test.
    const daemon = spawn('monit', ['-c', monitrc, '-I'], { env: { HB_CRONTAB_PATHS: '', TZ: 'UTC', LANG: 'C.UTF-8' }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(daemon);
    let log = '';
    daemon.stderr.on('data', (b: Buffer) => (log += b.toString()));

    // `monit status` asks the daemon over its HTTP interface on 127.0.0.1.
    let status = '';
    const poll = (want: RegExp) => () => {
      const r = spawnSync('monit', ['-c', monitrc, 'status', 'cron-jobs'], { encoding: 'utf8', timeout: 10_000 });
      status = `${r.stdout}${r.stderr}`;
      return want.test(status);
    };
    const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
    const explain = () => `monit status:\n${status}\nmonit stderr:\n${log}\nmonit.log:\n${read(join(s.root, 'monit.log'))}\nsent:\n${read(sent)}`;
    const notifications = () =>
      read(sent)
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .map((l) => JSON.parse(l) as { type: string; job: string });

    await waitFor(poll(/last exit value\s+1/), 'monit to run hb check and see it exit 1', 20_000).catch((e) => assert.fail(`${e}\n${explain()}`));
    assert.match(status, /^\s*status\s+Status failed$/m, explain());
    assert.match(status, /last output\s+sync\s+FAILED\s+last run failed with exit 1/, explain());
    await waitFor(() => notifications().some((n) => n.type === 'alert' && n.job === 'sync'), "the exec action's hb check to alert", 20_000).catch((e) =>
      assert.fail(`${e}\n${explain()}`),
    );
    // What monit gave the program it ran: its own environment (here none of hb's, no PATH) plus MONIT_*.
    const env = read(monitEnv);
    assert.match(env, /^MONIT_SERVICE=cron-jobs$/m, env);
    assert.match(env, /^MONIT_EVENT=Status failed$/m, env);
    assert.match(env, /^MONIT_PROGRAM_STATUS=1$/m, env);
    assert.doesNotMatch(env, /^HB_STATE_DIR=/m, env);
    assert.doesNotMatch(env, /^PATH=/m, 'monit sets no PATH of its own');

    const fixed = hb(['tick', 'sync', '--every', '1h'], { env: s.env });
    assert.equal(fixed.code, 0, show(fixed));
    await waitFor(poll(/last exit value\s+0/), 'monit to see hb check exit 0', 20_000).catch((e) => assert.fail(`${e}\n${explain()}`));
    assert.match(status, /^\s*status\s+OK$/m, explain());
    await waitFor(() => notifications().some((n) => n.type === 'resolve' && n.job === 'sync'), "the exec action's hb check to resolve", 20_000).catch((e) =>
      assert.fail(`${e}\n${explain()}`),
    );
    assert.equal(notifications().filter((n) => n.type === 'alert').length, 1, `one alert for the incident, however often monit ran the check:\n${read(sent)}`);
  });
});

describe('docs/integrations.md: Nagios NRPE', () => {
  // The NRPE line, as argv (it has no quoting), pointed at this checkout and the sandbox.
  function nrpeArgs(s: Sandbox): string[] {
    const line = readFileSync(DOC, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('command[check_hb]='));
    assert.ok(line, 'docs/integrations.md has the NRPE command line');
    const argv = line.slice('command[check_hb]='.length).split(' ');
    assert.deepEqual(argv.slice(0, 2), ['/usr/bin/node', DOC_HB]);
    return argv.slice(2).map((a) => (a === '/var/lib/hb' ? s.state : a));
  }

  it('answers CRITICAL (2) with perfdata for a failed job, OK (0) once it succeeds, UNKNOWN (3) on a bad config', () => {
    const s = box();
    failingHost(s);
    const args = nrpeArgs(s);
    const crit = hb(args, { env: s.env });
    assert.equal(crit.code, 2, show(crit));
    const [first, ...long] = crit.stdout.trimEnd().split('\n');
    assert.match(
      first!,
      /^HB CRITICAL - 1 of (\d) jobs unhealthy: sync failed \(exit 1\) \| 'jobs'=\1;;;0 'problems'=1;;;0 .*'sync_age'=[\d.]+s;3600;7200;0$/,
      show(crit),
    );
    assert.match(long[0]!, /^CRITICAL sync failed - /);
    assert.equal(crit.stderr, '');

    assert.equal(hb(['tick', 'sync', '--every', '1h'], { env: s.env }).code, 0);
    const ok = hb(args, { env: s.env });
    assert.equal(ok.code, 0, show(ok));
    assert.match(ok.stdout, /^HB OK - \d jobs healthy \| /, show(ok));

    const bad = hb(['--config', join(s.root, 'missing.yaml'), ...args], { env: s.env });
    assert.equal(bad.code, 3, show(bad));
    assert.match(bad.stdout, /^HB UNKNOWN - /, show(bad));
  });
});

describe('docs/integrations.md: healthchecks for a fleet', () => {
  it('the per-host hb.yaml pings <host>-<job> and <host>-hb-check slugs, with ?create=1 kept', async () => {
    const s = box();
    const hits: Array<{ method: string; url: string; body: string }> = [];
    const server = createHttpServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const block = docBlock('# /etc/hb/hb.yaml on db1.example.net');
      const config = join(s.root, 'hb.yaml');
      writeFileSync(config, block.replaceAll('https://hc.example.net', `http://127.0.0.1:${port}`).replace('/usr/local/bin/backup.sh', 'echo backed up'));

      const tick = await hbRun(['--config', config, 'tick', 'backup'], { env: s.env });
      assert.equal(tick.code, 0, show(tick));
      const check = await hbRun(['--config', config, 'check'], { env: s.env });
      assert.equal(check.code, 0, show(check));

      const seen = hits.map((h) => `${h.method} ${h.url.replace(/rid=[0-9a-f-]{36}/, 'rid=R')}`);
      assert.deepEqual(seen, [
        'POST /ping/fleet-ping-key/db1-backup/start?create=1&rid=R',
        'POST /ping/fleet-ping-key/db1-backup?create=1&rid=R',
        'POST /ping/fleet-ping-key/db1-hb-check?create=1&rid=R',
      ]);
      assert.match(hits[1]!.body, /backed up/, 'the success ping carries the output tail');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
