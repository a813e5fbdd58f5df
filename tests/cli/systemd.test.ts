// hb systemd through the built CLI, where no systemd tool is needed: which jobs get a timer.
// (Units checked by systemd-analyze itself: tests/system/systemd.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox } from '../helpers.ts';

// backup runs a command; sync and report have a schedule and nothing to run.
const CONFIG = `jobs:
  backup:
    cron: "30 3 * * *"
    tz: UTC
    command: /bin/true
  sync:
    every: 15m
  report:
    cron: "0 6 * * *"
    tz: UTC
`;

function setup(t: { after(fn: () => void): void }) {
  const box = sandbox();
  t.after(box.cleanup);
  const config = join(box.root, 'hb.yaml');
  writeFileSync(config, CONFIG);
  const out = join(box.root, 'units');
  mkdirSync(out);
  return { config, out, run: (args: string[]) => hb(['systemd', '--config', config, ...args], { env: box.env }) };
}

test('a scheduled job without a command gets no timer: exit 2, every such job named with why and what to do, nothing written', (t) => {
  const { config, out, run } = setup(t);
  const all = run(['--output-dir', out]);
  assert.equal(all.code, 2, all.stdout + all.stderr);
  assert.equal(all.stdout, '');
  assert.deepEqual(readdirSync(out), [], 'not even the jobs that do have a command: all or nothing');
  for (const job of ['sync', 'report']) {
    assert.match(all.stderr, new RegExp(`^hb: systemd: job ${job}: it has a schedule but no command: `, 'm'), job);
  }
  assert.doesNotMatch(all.stderr, /job backup/);
  assert.match(all.stderr, /its timer would only run "hb tick sync", a ping on time whatever really happens/);
  assert.match(all.stderr, new RegExp(`give it a command: in ${config.replace(/[.]/g, '\\.')}, or let the job itself \\(or its cron line\\) run hb tick sync`));
  assert.match(all.stderr, /no unit written .*--allow-ping-only/);

  const named = run(['sync', '--output-dir', out]);
  assert.equal(named.code, 2);
  assert.match(named.stderr, /^hb: systemd: job sync: it has a schedule but no command/m);
  assert.doesNotMatch(named.stderr, /job report/, 'only the jobs asked for');
  assert.deepEqual(readdirSync(out), []);

  const fine = run(['backup', 'hb-check']);
  assert.equal(fine.code, 0, fine.stderr);
  assert.equal(fine.stderr, '', 'nothing to warn about');
});

test('--allow-ping-only writes the timers anyway, with a warning per ping-only job on stderr and in its service', (t) => {
  const { out, run } = setup(t);
  const r = run(['--allow-ping-only', '--output-dir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['backup', 'check', 'report', 'sync'].flatMap((j) => [`hb-${j}.service`, `hb-${j}.timer`]).sort());
  const warnings = r.stderr.split('\n').filter(Boolean);
  assert.deepEqual(
    warnings.map((w) => w.match(/^hb: systemd: warning: job (\S+?): /)?.[1]),
    ['sync', 'report'],
    r.stderr,
  );
  assert.match(warnings[0]!, /its timer only pings \(hb tick sync runs no command\): hb check will see it on time whatever really happens/);
  const service = readFileSync(join(out, 'hb-sync.service'), 'utf8');
  assert.match(service, /^# hb tick sync runs no command: this timer only records a ping \(written with --allow-ping-only\)$/m);
  assert.doesNotMatch(readFileSync(join(out, 'hb-backup.service'), 'utf8'), /only records a ping/);
});

test('hb systemd --help names the flag with an example', () => {
  const r = hb(['systemd', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--allow-ping-only\s+write timers for jobs that have a schedule but no command/);
  assert.match(r.stdout, /hb systemd sync --allow-ping-only/);
});

test('--textfile: the meta-heartbeat service writes it (made absolute); a path without .prom, a job list without hb-check or --daemon is a usage error', (t) => {
  const { out, run } = setup(t);
  const written = run(['hb-check', '--textfile', 'metrics/hb.prom', '--output-dir', out]);
  assert.equal(written.code, 0, written.stderr);
  const service = readFileSync(join(out, 'hb-check.service'), 'utf8');
  assert.match(service, /^ExecStart=\S+ \S+ check --textfile \/\S+\/metrics\/hb\.prom --config /m, service);
  for (const [args, message] of [
    [['hb-check', '--textfile', 'hb.txt'], /^hb: --textfile: expected a path ending in \.prom \(node_exporter reads only those\), got hb\.txt$/m],
    [
      ['backup', '--textfile', 'hb.prom'],
      /^hb: --textfile: only the meta-heartbeat's service writes it, and it is not among the jobs named \(backup\): add hb-check$/m,
    ],
    [['--daemon', '--textfile', 'hb.prom'], /^hb: --textfile: the daemon runs hb check itself/m],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});
