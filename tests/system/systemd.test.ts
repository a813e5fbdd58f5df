// `hb systemd` against the real systemd 252 tools: every translated OnCalendar= fires exactly
// when hb's own cron evaluation says (systemd-analyze calendar), the generated units pass
// `systemd-analyze verify` with nothing on stderr, and the built CLI writes, prints and refuses.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCron } from '../../lib/rules/schedule/cron.ts';
import { compileSchedule } from '../../lib/rules/schedule/compile.ts';
import { calendarEvents } from '../../lib/rules/systemd/calendar.ts';
import { translateSchedule } from '../../lib/rules/systemd/translate.ts';
import { HB, hb, requireTool, sandbox, type Sandbox } from '../helpers.ts';
import { installGlobal, packHb } from '../pack.ts';

const boxes: Sandbox[] = [];
after(() => {
  for (const b of boxes) b.cleanup();
});

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** What systemd reads an event as, and its next `n` elapses after `baseMs`, as UTC ISO times. */
function systemdCalendar(event: string, baseMs: number, n: number): { normalized: string; fires: string[] } {
  const r = spawnSync('systemd-analyze', ['calendar', `--base-time=@${Math.floor(baseMs / 1000)}`, `--iterations=${n}`, event], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8' },
  });
  assert.equal(r.status, 0, `systemd-analyze calendar '${event}': ${r.stderr}`);
  const normalized = /Normalized form: (.*)/.exec(r.stdout)?.[1] ?? '';
  const fires = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC/g)].map((m) => `${m[1]}T${m[2]}Z`);
  return { normalized, fires };
}

/** The first `n` fire times of all events together: a timer fires at the union of its OnCalendar= lines. */
function mergedFires(events: string[], baseMs: number, n: number): string[] {
  const all = new Set<string>();
  for (const event of events) {
    const { normalized, fires } = systemdCalendar(event, baseMs, n);
    assert.equal(normalized, event, 'written in the form systemd normalizes to: it read what we meant');
    for (const f of fires) all.add(f);
  }
  return [...all].sort().slice(0, n);
}

type Case = [cron: string, tz: string, base: string, n: number, lines?: number];

const CASES: Case[] = [
  ['*/15 * * * *', 'UTC', '2026-11-20T09:07:00Z', 12],
  ['0 9 * * 1-5', 'UTC', '2026-11-19T10:00:00Z', 8],
  ['30 2 * * *', 'UTC', '2026-03-27T00:00:00Z', 5],
  ['30 2 * * *', 'Asia/Kolkata', '2026-03-27T00:00:00Z', 5],
  ['0 0 1,15 * mon', 'UTC', '2026-11-01T00:00:00Z', 12, 2],
  ['0 0 */2 * mon', 'UTC', '2026-01-01T00:00:00Z', 10, 1],
  ['0 0 15 * */2', 'UTC', '2026-01-01T00:00:00Z', 8, 1],
  ['0 0 13 jun fri', 'UTC', '2026-01-01T00:00:00Z', 12, 2],
  ['0 0 31 * fri', 'UTC', '2026-01-01T00:00:00Z', 15, 2],
  ['@weekly', 'UTC', '2026-11-20T00:00:00Z', 5],
  ['@monthly', 'UTC', '2026-11-20T00:00:00Z', 5],
  ['@yearly', 'UTC', '2026-11-20T00:00:00Z', 3],
  ['0 12 1 jan,JUL *', 'UTC', '2026-02-01T00:00:00Z', 4],
  ['0 0 1 jan-dec/5 *', 'UTC', '2026-02-01T00:00:00Z', 6],
  ['0 */6 * * *', 'UTC', '2026-11-20T05:00:00Z', 8],
  ['5 4 * * sun', 'UTC', '2026-11-20T00:00:00Z', 4],
  ['0 12 * * 7', 'UTC', '2026-11-20T00:00:00Z', 3],
  ['0 0 29 2 *', 'UTC', '2026-11-20T00:00:00Z', 3],
  ['1-30/5 8-17/3 * * *', 'UTC', '2026-11-20T00:00:00Z', 30],
  // Month ends and OR-ed day fields: the first days after a short month, leap days, 2100.
  ['0 0 1,31 * *', 'UTC', '2026-02-28T12:00:00Z', 6],
  ['0 0 1,30 * *', 'UTC', '2026-01-15T00:00:00Z', 6],
  ['0 0 */5 * *', 'UTC', '2026-02-20T00:00:00Z', 10],
  ['30 6 15-31/2 2,3 *', 'UTC', '2028-02-20T00:00:00Z', 12],
  ['0 0 28-31 * *', 'UTC', '2028-01-30T00:00:00Z', 10],
  ['0 0 29 2 *', 'UTC', '2096-03-01T00:00:00Z', 2],
  ['0 0 1 * mon', 'UTC', '2026-02-25T06:00:00Z', 8, 2],
  ['0 0 1,15 * mon', 'UTC', '2026-02-25T06:00:00Z', 8, 2],
  ['0 0 1-7 * mon', 'UTC', '2026-02-25T06:00:00Z', 12, 2],
  ['0 0 31 2,4 fri', 'UTC', '2026-01-01T00:00:00Z', 8],
  ['0 9 1,31 * mon-fri', 'Europe/Berlin', '2027-02-25T00:00:00Z', 12, 2],
  ['0,15,20 9 1-7 * *', 'UTC', '2026-11-20T00:00:00Z', 12],
  ['@daily', 'Asia/Kolkata', '2026-11-20T00:00:00Z', 4],
  // Zones with DST: the accepted expressions fire at the same instants through both changes.
  ['30 3 * * *', 'Europe/Berlin', '2026-03-26T00:00:00Z', 6],
  ['30 3 * * *', 'Europe/Berlin', '2026-10-23T00:00:00Z', 6],
  ['30 2 * * 1-5', 'Europe/Berlin', '2027-03-24T00:00:00Z', 8],
  ['30 2 25-31 10 *', 'Europe/Berlin', '2026-10-20T00:00:00Z', 8],
  ['*/30 2 25-31 3 *', 'Europe/Berlin', '2027-03-24T00:00:00Z', 12],
  ['0 9 * * *', 'America/New_York', '2027-03-10T00:00:00Z', 8],
  // Wildcard jobs on every hour, written in UTC: twice through the repeated hour, none in the gap.
  ['*/15 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 16],
  ['@hourly', 'Europe/Berlin', '2027-03-27T22:00:00Z', 8],
  ['*/15 * * * *', 'Australia/Lord_Howe', '2027-04-03T13:30:00Z', 20],
];

describe('OnCalendar= fires when hb says the cron expression fires (systemd-analyze calendar)', () => {
  for (const [cron, tz, base, n, lines] of CASES) {
    it(`"${cron}" in ${tz} after ${base}`, (t) => {
      if (!requireTool(t, 'systemd-analyze')) return;
      const baseMs = Date.parse(base);
      const tr = translateSchedule({ cron, tz }, { defaultTz: 'UTC', nowMs: baseMs, zoneKnown: (z) => existsSync(join('/usr/share/zoneinfo', z)) });
      assert.ok(tr.ok, tr.ok ? '' : tr.reason);
      assert.equal(tr.trigger.kind, 'calendar');
      if (tr.trigger.kind !== 'calendar') return;
      if (lines !== undefined) assert.equal(tr.trigger.events.length, lines, tr.trigger.events.join(' | '));
      const want = compileSchedule({ cron, tz }, 'UTC').next(baseMs, n).map(iso);
      assert.equal(want.length, n);
      assert.deepEqual(mergedFires(tr.trigger.events, baseMs, n), want, tr.trigger.events.join(' | '));
    });
  }
});

describe('what is refused would really fire differently under systemd', () => {
  const refused: Array<[cron: string, tz: string, base: string, n: number]> = [
    ['30 2 * * *', 'Europe/Berlin', '2027-03-27T00:00:00Z', 3],
    ['0 */2 * * *', 'Europe/Berlin', '2027-10-30T20:00:00Z', 6],
    ['*/10 1 * * *', 'America/New_York', '2027-11-07T04:00:00Z', 12],
    ['@daily', 'America/Santiago', '2027-09-03T00:00:00Z', 3],
  ];
  for (const [cron, tz, base, n] of refused) {
    it(`"${cron}" in ${tz} around ${base}`, (t) => {
      if (!requireTool(t, 'systemd-analyze')) return;
      const baseMs = Date.parse(base);
      const tr = translateSchedule({ cron, tz }, { defaultTz: 'UTC', nowMs: baseMs, zoneKnown: () => true });
      assert.ok(!tr.ok, 'refused');
      // The plain translation systemd would have been given, and what it does with it.
      const naive = mergedFires(calendarEvents(parseCron(cron), tz), baseMs, n);
      const hbFires = compileSchedule({ cron, tz }, 'UTC').next(baseMs, n).map(iso);
      assert.notDeepEqual(naive, hbFires);
    });
  }
  it('and a wildcard job on every hour would too, had it not been written in UTC', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const baseMs = Date.parse('2026-10-24T23:00:00Z');
    const naive = mergedFires(calendarEvents(parseCron('*/15 * * * *'), 'Europe/Berlin'), baseMs, 16);
    assert.notDeepEqual(naive, compileSchedule({ cron: '*/15 * * * *', tz: 'Europe/Berlin' }, 'UTC').next(baseMs, 16).map(iso));
  });
});

// Every scheduled job runs a command: a timer for one without would only ping (refused unless --allow-ping-only).
const CONFIG = `jobs:
  backup:
    cron: "30 3 * * *"
    tz: Europe/Berlin
    command: /bin/true
  sync:
    every: 15m
    command: /bin/true
  report:
    cron: "0 0 1,15 * mon"
    command: /bin/true
  quarter:
    cron: "*/15 * * * *"
    tz: Europe/Berlin
    command: /bin/true
  notes:
    command: /bin/true
`;

/** A sandbox with the config in a directory whose name needs quoting in ExecStart=. */
function setup(config = CONFIG): { box: Sandbox; config: string; out: string } {
  const box = sandbox();
  boxes.push(box);
  const dir = join(box.root, 'my config');
  mkdirSync(dir);
  const path = join(dir, 'hb.yaml');
  writeFileSync(path, config);
  const out = join(box.root, 'units');
  mkdirSync(out);
  return { box, config: path, out };
}

function verify(dir: string): { code: number | null; stderr: string; stdout: string } {
  const files = readdirSync(dir)
    .filter((f) => /\.(service|timer)$/.test(f))
    .map((f) => join(dir, f));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('hb systemd through the built CLI', () => {
  it('writes every pair atomically with mode 0644, and systemd-analyze verify finds nothing', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const { box, config, out } = setup();
    const r = hb(['systemd', '--config', config, '--output-dir', out], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^hb: systemd: skipped job notes: no schedule/);
    const names = ['backup', 'sync', 'report', 'quarter', 'check'].flatMap((j) => [`hb-${j}.service`, `hb-${j}.timer`]);
    assert.deepEqual(readdirSync(out).sort(), [...names].sort(), 'no temp file left behind');
    for (const name of names) {
      assert.equal(statSync(join(out, name)).mode & 0o777, 0o644, name);
      assert.ok(r.stdout.includes(`wrote ${join(out, name)}\n`), name);
    }
    assert.ok(
      r.stdout.endsWith('systemctl daemon-reload && systemctl enable --now hb-backup.timer hb-sync.timer hb-report.timer hb-quarter.timer hb-check.timer\n'),
      r.stdout,
    );
    const service = readFileSync(join(out, 'hb-backup.service'), 'utf8');
    assert.ok(service.includes(`ExecStart=${process.execPath} ${HB} tick backup --config "${config}" --state-dir ${box.state}\n`), service);
    assert.ok(!service.includes('User='));
    const timer = readFileSync(join(out, 'hb-report.timer'), 'utf8');
    assert.ok(timer.includes('OnCalendar=Mon *-*-* 00:00:00\nOnCalendar=*-*-01,15 00:00:00\nPersistent=true\n'), timer);

    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '', 'no warning either');
  });

  it('--daemon writes a Type=notify unit with a watchdog for hb daemon, and it verifies clean', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const { box, config, out } = setup();
    const r = hb(['systemd', '--daemon', '--config', config, '--output-dir', out], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out), ['hb-daemon.service'], 'no timers: the daemon runs the jobs');
    const unit = readFileSync(join(out, 'hb-daemon.service'), 'utf8');
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'WatchdogSec=60s',
      'KillMode=mixed',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'WantedBy=multi-user.target',
    ]) {
      assert.ok(unit.includes(`\n${line}\n`), line);
    }
    assert.ok(unit.includes(`ExecStart=${process.execPath} ${HB} daemon start --config "${config}" --state-dir ${box.state}\n`), unit);
    assert.ok(r.stdout.endsWith('systemctl daemon-reload && systemctl enable --now hb-daemon.service\n'), r.stdout);
    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '');
    const named = hb(['systemd', '--daemon', '--config', config, 'backup'], { env: box.env });
    assert.equal(named.code, 2);
    assert.match(named.stderr, /--daemon: .*name no jobs/);
  });

  it('--user adds User= and still verifies clean', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const { box, config, out } = setup();
    const r = hb(['systemd', '--config', config, '--output-dir', out, '--user', 'daemon', 'sync'], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['hb-sync.service', 'hb-sync.timer']);
    assert.ok(readFileSync(join(out, 'hb-sync.service'), 'utf8').includes('\nUser=daemon\n'));
    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '');
  });

  it('--allow-ping-only: the timer of a job without a command, with its comment, verifies clean', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const { box, config, out } = setup(`${CONFIG}  pinged:\n    every: 1h\n`);
    const refused = hb(['systemd', '--config', config, '--output-dir', out, 'pinged'], { env: box.env });
    assert.equal(refused.code, 2);
    assert.deepEqual(readdirSync(out), []);
    const r = hb(['systemd', '--config', config, '--output-dir', out, '--allow-ping-only', 'pinged'], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^hb: systemd: warning: job pinged: its timer only pings/);
    assert.match(readFileSync(join(out, 'hb-pinged.service'), 'utf8'), /^# hb tick pinged runs no command/m);
    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '');
  });

  it('verify would have spoken: an unknown key is on stderr (the empty-stderr assertion means something)', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const { box, config, out } = setup();
    assert.equal(hb(['systemd', '--config', config, '--output-dir', out, 'sync'], { env: box.env }).code, 0);
    const timer = join(out, 'hb-sync.timer');
    writeFileSync(timer, readFileSync(timer, 'utf8').replace('AccuracySec=1s', 'AccuracySecs=1s'));
    const v = verify(out);
    assert.equal(v.code, 0);
    assert.match(v.stderr, /Unknown key 'AccuracySecs' in section \[Timer\]/);
  });

  it('prints every unit under a header without --output-dir', () => {
    const { box, config } = setup();
    const r = hb(['systemd', '--config', config], { env: box.env });
    assert.equal(r.code, 0, r.stderr);
    const headers = [...r.stdout.matchAll(/^# ---- (\S+) ----$/gm)].map((m) => m[1]);
    assert.deepEqual(
      headers,
      ['backup', 'sync', 'report', 'quarter', 'check'].flatMap((j) => [`hb-${j}.service`, `hb-${j}.timer`]),
    );
    assert.ok(r.stdout.includes('# ---- hb-quarter.timer ----\n'));
    assert.ok(r.stdout.includes('OnCalendar=*-*-* *:00/15:00 UTC\n'));
    assert.ok(r.stdout.includes('OnActiveSec=15min\nOnUnitActiveSec=15min\n'));
    assert.ok(
      r.stdout.includes(`ExecStart=${process.execPath} ${HB} check --config "${config}" --state-dir ${box.state}\n`),
      '$HB_STATE_DIR does not reach a unit: passed as a flag',
    );
  });

  it('refuses what systemd cannot say exactly: exit 2, the job and the reason, nothing written', () => {
    const { box, config, out } = setup(`${CONFIG}  nightly:\n    cron: "30 2 * * *"\n    tz: Europe/Berlin\n    command: /bin/true\n`);
    const r = hb(['systemd', '--config', config, '--output-dir', out], { env: box.env });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^hb: systemd: job nightly: cron "30 2 \* \* \*" in Europe\/Berlin: on \d{4}-03-\d\d Europe\/Berlin skips 02:00-02:59 \(clocks go forward\): cron runs this job's 02:30 at 03:00, a systemd timer does not run it that day/m,
    );
    assert.match(r.stderr, /no unit written/);
    assert.deepEqual(readdirSync(out), []);
    // The other jobs can still be had by name.
    assert.equal(hb(['systemd', '--config', config, 'backup'], { env: box.env }).code, 0);
  });

  it('names what is wrong with the command line: unknown job, missing directory, bad user', () => {
    const { box, config, out } = setup();
    const unknown = hb(['systemd', '--config', config, 'nope'], { env: box.env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /job nope: no job named nope in /);
    const missing = hb(['systemd', '--config', config, '--output-dir', join(out, 'absent')], { env: box.env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--output-dir: .*absent is not a directory/);
    const user = hb(['systemd', '--config', config, '--user', 'a b'], { env: box.env });
    assert.equal(user.code, 2);
    assert.match(user.stderr, /--user: "a b" is not a user name/);
  });

  it('with no config at all, the meta-heartbeat alone, without --config (nor --state-dir for a default state dir)', () => {
    const box = sandbox();
    boxes.push(box);
    const env = { ...box.env };
    delete env.HB_STATE_DIR;
    const r = hb(['systemd'], { env, cwd: box.root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [...r.stdout.matchAll(/^# ---- (\S+) ----$/gm)].map((m) => m[1]),
      ['hb-check.service', 'hb-check.timer'],
    );
    assert.ok(r.stdout.includes(`ExecStart=${process.execPath} ${HB} check\n`));
  });
});

/** The fenced blocks of a doc, each without its fence lines. */
function blocks(doc: string): string[] {
  const text = readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
  return [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The one block of `doc` that holds `line` (a unit's header), without a leading `# /etc/…` path comment. */
function docUnit(doc: string, line: string): string {
  const found = blocks(doc).filter((b) => b.split('\n').includes(line));
  assert.equal(found.length, 1, `exactly one block of docs/${doc} holds "${line}"`);
  return found[0]!.replace(/^# \/etc\/systemd\/system\/\S+\n/, '');
}

describe('the units the docs show are what the installed hb generates', () => {
  // hb as a server gets it (README, "Install on a server"): packed, installed with npm -g into a
  // prefix that stands in for /usr/local; the config stands in for /etc/hb/hb.yaml.
  let installed: { box: Sandbox; prefix: string; config: string } | undefined;
  const install = () => {
    if (installed) return installed;
    const box = sandbox();
    boxes.push(box);
    const prefix = join(box.root, 'usr-local');
    installGlobal(packHb(box.root), prefix);
    const config = join(box.root, 'hb.yaml');
    writeFileSync(config, 'jobs: {}\n');
    return (installed = { box, prefix, config });
  };
  /** Runs the installed hb as root would (no $HB_STATE_DIR) with `args`, writing into a new directory; returns it. */
  const generate = (args: string[]): string => {
    const { box, prefix, config } = install();
    const out = mkdtempSync(join(box.root, 'units-'));
    const env = { ...box.env };
    delete env.HB_STATE_DIR;
    const r = spawnSync(join(prefix, 'bin', 'hb'), ['--config', config, 'systemd', ...args, '--output-dir', out], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    return out;
  };
  /** A generated unit as the docs write it: /usr/bin/node, /usr/local, /etc/hb/hb.yaml. */
  const asDocumented = (path: string): string => {
    const { prefix, config } = install();
    return readFileSync(path, 'utf8')
      .replaceAll(`${process.execPath} `, '/usr/bin/node ')
      .replaceAll(prefix, '/usr/local')
      .replaceAll(config, '/etc/hb/hb.yaml');
  };

  it('docs/daemon.md shows hb-daemon.service exactly as hb systemd --daemon writes it; it verifies clean and its Documentation= exists', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const out = generate(['--daemon']);
    const unit = asDocumented(join(out, 'hb-daemon.service'));
    assert.equal(docUnit('daemon.md', 'Type=notify'), unit, `docs/daemon.md is out of date; the unit is:\n${unit}`);
    for (const line of [
      'After=network-online.target',
      'Wants=network-online.target',
      'ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js daemon start --config /etc/hb/hb.yaml',
    ]) {
      assert.ok(unit.split('\n').includes(line), line);
    }
    const docs = /^Documentation=file:\/\/(\S+)$/m.exec(readFileSync(join(out, 'hb-daemon.service'), 'utf8'))?.[1];
    assert.ok(docs && existsSync(docs), `Documentation= names a page the package ships: ${docs}`);
    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '', 'no warning either');
  });

  it('docs/integrations.md shows hb-check.service and .timer exactly as hb systemd hb-check --textfile writes them; they verify clean', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const prom = '/var/lib/prometheus/node-exporter/hb.prom';
    const command = blocks('integrations.md').filter((b) => b.startsWith('hb --config /etc/hb/hb.yaml systemd hb-check'));
    assert.deepEqual(
      command,
      [`hb --config /etc/hb/hb.yaml systemd hb-check --textfile ${prom} --output-dir /etc/systemd/system\n`],
      'the command the docs give',
    );
    const out = generate(['hb-check', '--textfile', prom]);
    assert.deepEqual(readdirSync(out).sort(), ['hb-check.service', 'hb-check.timer']);
    for (const name of ['hb-check.service', 'hb-check.timer']) {
      const unit = asDocumented(join(out, name));
      assert.equal(
        docUnit('integrations.md', `# ${name}: generated by \`hb systemd\`; change the hb config and regenerate rather than edit.`),
        unit,
        `docs/integrations.md is out of date; ${name} is:\n${unit}`,
      );
    }
    const v = verify(out);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '', 'no warning either');
  });
});
