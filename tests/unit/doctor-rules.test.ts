// hb doctor's rules that need facts beyond one crontab (the host, the config, the state dir,
// file owners), and its output. Rules about crontab text: crontab-fixtures.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobConfig } from '../../lib/rules/config/types.ts';
import { planCrontab } from '../../lib/rules/crontab/generate.ts';
import { groupByFile, doctorFindings } from '../../lib/rules/doctor/doctor.ts';
import { escapePercent } from '../../lib/rules/doctor/line-rules.ts';
import { renderDoctorJson, renderDoctorText } from '../../lib/rules/doctor/render.ts';
import type { CrontabSource, DoctorFacts, Finding, HostFacts } from '../../lib/rules/doctor/types.ts';

const HB = '/usr/bin/node /opt/hb/dist/hb.js';
const EXEC = new Set(['/usr/bin/node', '/opt/hb/dist/hb.js', '/bin/sh', '/usr/bin/true']);

function crontab(text: string, over: Partial<CrontabSource> = {}): CrontabSource {
  return { path: '/etc/cron.d/hb', kind: 'system', cronD: true, text, mode: 0o644, uid: 0, owner: null, ...over };
}

function host(over: Partial<HostFacts> = {}): HostFacts {
  return { cronDaemon: 'cron', hbDaemon: false, mta: true, checkAgeMs: null, unscheduled: [], unreadable: [], ...over };
}

function facts(over: Partial<DoctorFacts> = {}, jobs: string[] = []): DoctorFacts {
  return {
    crontabs: [crontab(`* * * * * root ${HB} check\n`)],
    config: {
      file: jobs.length ? '/etc/hb/hb.yaml' : null,
      problems: [],
      jobs: new Map(jobs.map((name): [string, JobConfig] => [name, { name, schedule: { cron: '30 2 * * *' } }])),
    },
    stateDir: { dir: '/var/lib/hb', problem: null },
    probe: (p) => (EXEC.has(p) ? 'executable' : 'missing'),
    users: new Map([['root', '/root']]),
    userPath: ['/usr/bin', '/bin'],
    self: { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js', ...(jobs.length ? { config: '/etc/hb/hb.yaml' } : {}) },
    hostTz: 'UTC',
    host: host(),
    ...over,
  };
}

const codes = (f: Finding[]) => f.map((x) => x.code);

test('a healthy host: no findings', () => {
  assert.deepEqual(doctorFindings(facts({ crontabs: [crontab(`* * * * * root ${HB} check\n30 2 * * * root ${HB} tick backup\n`)] }, ['backup'])), []);
});

test('config problems, each where it is; an unwritable state directory', () => {
  const f = doctorFindings(
    facts({
      config: {
        file: '/etc/hb/hb.yaml',
        problems: [{ file: '/etc/hb/hb.yaml', path: 'jobs.a.every', line: 3, col: 12, message: 'expected a duration such as 15m' }],
        jobs: new Map(),
      },
      stateDir: { dir: '/var/lib/hb', problem: 'EACCES on /var/lib' },
    }),
  );
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.file, x.line]),
    [
      ['config', 'error', '/etc/hb/hb.yaml', 3],
      ['state-dir', 'error', '/var/lib/hb', null],
    ],
  );
  assert.equal(f[0]!.message, 'jobs.a.every: expected a duration such as 15m');
  assert.match(f[1]!.message, /EACCES on \/var\/lib/);
});

test('no cron daemon (unless hb daemon runs the jobs); no MTA while some line may mail', () => {
  assert.deepEqual(codes(doctorFindings(facts({ host: host({ cronDaemon: null }) }))), ['no-cron-daemon']);
  assert.deepEqual(codes(doctorFindings(facts({ host: host({ cronDaemon: null, hbDaemon: true }) }))), []);
  assert.deepEqual(codes(doctorFindings(facts({ host: host({ mta: false }) }))), ['no-mta']);
  const quiet = crontab(`MAILTO=""\n* * * * * root ${HB} check\n`);
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [quiet], host: host({ mta: false }) }))), [], 'MAILTO="" says output is not wanted');
});

test('hb check never installed; installed only in a file cron skips; recent elsewhere', () => {
  const none = doctorFindings(facts({ crontabs: [], host: host({ unreadable: ["other users' crontabs"] }) }));
  assert.deepEqual(codes(none), ['no-check']);
  assert.match(none[0]!.message, /not readable here: other users' crontabs/);
  assert.equal(
    none[0]!.fix,
    'add the line hb crontab prints for it to your crontab (crontab -e): * * * * *  /usr/bin/node /opt/hb/dist/hb.js check >/dev/null',
  );
  const dotted = doctorFindings(facts({ crontabs: [crontab(`* * * * * root ${HB} check\n`, { path: '/etc/cron.d/hb.cron' })] }));
  assert.deepEqual(codes(dotted).sort(), ['crond-name', 'no-check']);
  assert.match(dotted.find((x) => x.code === 'no-check')!.message, /\/etc\/cron\.d\/hb\.cron:1 is in a file cron skips/);
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [], host: host({ checkAgeMs: 90_000 }) }))), [], 'it ran 90 s ago: from somewhere');
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [], host: host({ hbDaemon: true }) }))), []);
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [], host: null }))), [], 'under --crontab: no host checks');
});

test('configured jobs no cron line runs; hb-check is not one of them', () => {
  const f = doctorFindings(facts({}, ['backup', 'hb-check']));
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.file, x.line]),
    [['job-without-line', 'warning', '/etc/hb/hb.yaml', null]],
  );
  assert.match(f[0]!.message, /"backup"/);
  assert.equal(f[0]!.fix, `add the line hb crontab prints for it to your crontab (crontab -e): 30 2 * * *  ${HB} tick backup --config /etc/hb/hb.yaml`);
  assert.deepEqual(codes(doctorFindings(facts({ host: host({ hbDaemon: true }) }, ['backup']))), []);
  const missingNewline = crontab(`* * * * * root ${HB} check\n30 2 * * * root ${HB} tick backup`);
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [missingNewline] }, ['backup']))).sort(), ['job-without-line', 'missing-newline', 'no-check']);
});

test("the suggested line is the one planCrontab writes for the job: every: computed, --state-dir passed on, or hb crontab's reason for none", () => {
  const jobs = new Map<string, JobConfig>([
    ['backup', { name: 'backup', schedule: { cron: '30 2 * * *' }, command: '/usr/local/bin/backup.sh' }],
    ['sync', { name: 'sync', schedule: { every: '15m' } }],
    ['odd', { name: 'odd', schedule: { every: '7m' } }],
    ['ny', { name: 'ny', schedule: { cron: '0 9 * * *', tz: 'America/New_York' } }],
    ['loose', { name: 'loose', command: 'true' }],
    ['hb-check', { name: 'hb-check', schedule: { every: '5m' } }],
  ]);
  const self = { node: '/usr/bin/node', hb: '/opt/hb/dist/hb.js', config: '/etc/hb/hb.yaml', stateDir: '/srv/hb state' };
  const config = { file: '/etc/hb/hb.yaml', problems: [], jobs };
  const found = doctorFindings(facts({ crontabs: [], config, self }));
  const plan = planCrontab({ config, exec: self, hostTz: 'UTC', regenerate: 'x' });
  const fix = (code: string, job: string) => found.find((x) => x.code === code && (code === 'no-check' || x.message.includes(`"${job}"`)))!.fix;
  for (const job of ['backup', 'sync']) assert.equal(fix('job-without-line', job).split(': ').slice(1).join(': '), plan.lines.get(job), job);
  assert.match(
    plan.lines.get('sync')!,
    /^\*\/15 \* \* \* \* +\/usr\/bin\/node \/opt\/hb\/dist\/hb\.js tick sync --config \/etc\/hb\/hb\.yaml --state-dir '\/srv\/hb state'$/,
  );
  assert.equal(fix('no-check', 'hb-check').split(': ').slice(1).join(': '), plan.lines.get('hb-check'), 'jobs.hb-check gives the check its schedule');
  assert.match(plan.lines.get('hb-check')!, /^\*\/5 \* \* \* \* /);
  assert.equal(
    fix('job-without-line', 'odd'),
    "hb crontab has no line for it: every 7m: cron's */N restarts every hour and every day, so this period has no exact cron line; give the job a cron schedule instead",
  );
  assert.match(
    fix('job-without-line', 'ny'),
    /^hb crontab has no line for it: cron "0 9 \* \* \*" in America\/New_York: cron runs every line in the host zone \(UTC\)/,
  );
  // A job with no schedule at all is the unscheduled finding's, with hb check's words.
  assert.ok(!found.some((x) => x.code === 'job-without-line' && x.message.includes('"loose"')));
  assert.match(fix('unscheduled', 'loose'), /^give it one: .*--every 15m/);
  assert.ok(!found.some((x) => x.fix.includes('SCHEDULE')));
});

test('files cron refuses: group/other-writable, not owned by root (only real system paths for owners)', () => {
  const bad = crontab(`* * * * * root ${HB} check\n`, { mode: 0o666, uid: 1000 });
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [bad] }))).sort(), ['crond-mode', 'crond-owner', 'no-check']);
  const staged = crontab(`* * * * * root ${HB} check\n`, { path: '/home/me/ansible/files/cron.d/hb', uid: 1000 });
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [staged] }))), []);
  const leftover = crontab(`* * * * * root ${HB} check\n`, { path: '/etc/cron.d/hb.dpkg-old' });
  assert.deepEqual(
    codes(doctorFindings(facts({ crontabs: [crontab(`* * * * * root ${HB} check\n`), leftover] }))),
    [],
    'dpkg leftovers are ignored on purpose',
  );
});

test('heartbeats with no schedule from anywhere', () => {
  const h = host({
    unscheduled: [
      { job: 'loose', file: '/var/lib/hb/loose.last' },
      { job: 'tabbed', file: '/var/lib/hb/tabbed.last' },
      { job: 'backup', file: '/var/lib/hb/backup.last' },
    ],
  });
  const tab = crontab(`* * * * * root ${HB} check\n*/5 * * * * root ${HB} wrap --job tabbed -- /usr/bin/true\n30 2 * * * root ${HB} tick backup\n`);
  const f = doctorFindings(facts({ crontabs: [tab], host: h }, ['backup']));
  assert.deepEqual(
    f.map((x) => [x.code, x.file]),
    [['unscheduled', '/var/lib/hb/loose.last']],
  );
  assert.match(f[0]!.message, /^job "loose" has heartbeats but no schedule .*: hb check lists it as unscheduled: it cannot tell when the job is late$/);
  assert.equal(f[0]!.fix, "give it one: add --every 15m or --cron '30 2 * * *' to its hb tick or hb wrap line, or every/cron under jobs.loose in the config");
  const watcher = host({ unscheduled: [{ job: 'hb-check', file: '/var/lib/hb/hb-check.last' }], checkAgeMs: 60_000 });
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [], host: watcher }))), [], 'the meta-heartbeat is not a job to schedule (no-check speaks for it)');
});

test('configured jobs with no schedule and no crontab line are unscheduled (one finding, not job-without-line too); hb-report is none', () => {
  const jobs = new Map<string, JobConfig>([
    ['pinged', { name: 'pinged', command: '/usr/bin/true' }],
    ['tabbed', { name: 'tabbed' }],
    ['beating', { name: 'beating' }],
    ['backup', { name: 'backup', schedule: { cron: '30 2 * * *' } }],
    ['hb-report', { name: 'hb-report' }],
  ]);
  const config = { file: '/etc/hb/hb.yaml', problems: [], jobs };
  const tab = crontab(`* * * * * root ${HB} check
*/5 * * * * root ${HB} tick tabbed
30 2 * * * root ${HB} tick backup
`);
  const h = host({ unscheduled: [{ job: 'beating', file: '/var/lib/hb/beating.last' }] });
  const f = doctorFindings(facts({ crontabs: [tab], config, host: h }));
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.file]),
    [
      ['unscheduled', 'warning', '/var/lib/hb/beating.last'],
      ['unscheduled', 'warning', '/etc/hb/hb.yaml'],
    ],
  );
  assert.match(
    f[1]!.message,
    /^configured job "pinged" has no schedule \(no every\/cron under jobs\.pinged, no crontab line hb reads runs it\): hb check lists it as unscheduled/,
  );
  assert.match(f[1]!.fix, /every\/cron under jobs\.pinged in the config$/);
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [tab], config, host: null }))), [], 'under --crontab: no host checks');
});

test('output: grouped by file, file:line: severity: message [code] and a fix line; JSON', () => {
  const findings = groupByFile([
    { severity: 'error', code: 'percent', file: '/b', line: 9, message: 'm1', fix: 'f1' },
    { severity: 'warning', code: 'crlf', file: '/a', line: 2, message: 'm2', fix: 'f2' },
    { severity: 'error', code: 'crond-name', file: '/b', line: null, message: 'm3', fix: 'f3' },
    { severity: 'error', code: 'no-cron-daemon', file: null, line: null, message: 'm4', fix: 'f4' },
  ]);
  assert.deepEqual(
    findings.map((f) => f.message),
    ['m3', 'm1', 'm2', 'm4'],
    'files in the order met, by line within a file',
  );
  const text = renderDoctorText(findings, { crontabs: ['/a', '/b'], config: null });
  assert.equal(
    text,
    [
      '/b: error: m3 [crond-name]',
      '  fix: f3',
      '/b:9: error: m1 [percent]',
      '  fix: f1',
      '',
      '/a:2: warning: m2 [crlf]',
      '  fix: f2',
      '',
      'host: error: m4 [no-cron-daemon]',
      '  fix: f4',
      '',
      'hb doctor: 3 errors, 1 warning (checked /a, /b)',
      '',
    ].join('\n'),
  );
  assert.equal(renderDoctorText([], { crontabs: [], config: '/etc/hb/hb.yaml' }), 'hb doctor: no problems found (checked no crontab and /etc/hb/hb.yaml)\n');
  const json = JSON.parse(renderDoctorJson(findings, { crontabs: ['/a'], config: null }));
  assert.deepEqual(
    [json.errors, json.warnings, json.findings.length, Object.keys(json.findings[0]).sort()],
    [3, 1, 4, ['code', 'file', 'fix', 'line', 'message', 'severity']],
  );
});

test('the % fix escapes every unescaped % and leaves \\% alone', () => {
  assert.equal(escapePercent('date +%Y-%m-%d\\%x%%'), 'date +\\%Y-\\%m-\\%d\\%x\\%\\%');
});

test('duplicate-check: checks are the same when they check one state directory, however each names it', () => {
  const dup = (
    text: string,
    config: Partial<DoctorFacts['config']> = {},
    users: Array<[string, string]> = [
      ['root', '/root'],
      ['app', '/srv/app'],
    ],
  ) =>
    doctorFindings(facts({ crontabs: [crontab(text)], config: { file: '/etc/hb/hb.yaml', problems: [], jobs: new Map(), ...config }, users: new Map(users) }))
      .filter((f) => f.code === 'duplicate-check')
      .map((f) => f.line);
  // The config's state_dir and a --state-dir naming the same directory.
  const viaConfig = `* * * * * root ${HB} check --config /etc/hb/hb.yaml\n* * * * * root ${HB} check --state-dir /srv/hb\n`;
  assert.deepEqual(dup(viaConfig, { stateDir: '/srv/hb' }), [2]);
  assert.deepEqual(dup(viaConfig, { stateDir: null }), [], 'without state_dir the config leaves root at /var/lib/hb');
  // HB_STATE_DIR set above the lines, or in front of the command.
  assert.deepEqual(dup(`HB_STATE_DIR=/srv/hb\n* * * * * root ${HB} check\n* * * * * app HB_STATE_DIR=/srv/hb ${HB} check\n`), [3]);
  // Two users' defaults are two directories; the same user's default twice is one.
  assert.deepEqual(dup(`* * * * * root ${HB} check\n* * * * * app ${HB} check\n`), []);
  assert.deepEqual(dup(`* * * * * app ${HB} check\n*/2 * * * * app ${HB} check --textfile /tmp/x.prom\n`), [2]);
  // A directory only the shell knows: lines that name it alike are one check, others are not.
  assert.deepEqual(
    dup(`* * * * * root ${HB} check --state-dir $DIR\n* * * * * root ${HB} check --state-dir $DIR\n* * * * * root ${HB} check --state-dir $OTHER\n`),
    [2],
  );
});

test('a job: need naming no configured job and no heartbeat is an unknown-need warning; one known either way is not', () => {
  const need = (job: string) => ({ kind: 'job' as const, job, text: `job:${job}` });
  const jobs = new Map<string, JobConfig>([
    ['dump', { name: 'dump' }],
    ['backup', { name: 'backup', needs: [need('dump'), need('pinged'), need('dmup'), { kind: 'path', path: '/srv', text: 'path:/srv' }] }],
  ]);
  const tab = crontab(`* * * * * root ${HB} check\n* * * * * root ${HB} tick dump\n* * * * * root ${HB} tick backup\n`);
  const config = { file: '/etc/hb/hb.yaml', problems: [], jobs };
  const found = doctorFindings(facts({ crontabs: [tab], config, host: host({ heartbeats: new Set(['pinged']) }) })).filter((f) => f.code === 'unknown-need');
  assert.deepEqual(
    found.map((f) => [f.severity, f.file, f.message]),
    [
      [
        'warning',
        '/etc/hb/hb.yaml',
        'job "backup" needs job "dmup", which is neither in the config nor has a heartbeat: its problems cannot be folded into dmup\'s, and hb check says it has no verdict',
      ],
    ],
  );
  assert.match(found[0]!.fix, /^correct the name under jobs\.backup\.needs/);
  // Without the state directory looked at (hb doctor --crontab), heartbeats are unknown: nothing is said.
  assert.deepEqual(codes(doctorFindings(facts({ crontabs: [tab], config, host: null }))).includes('unknown-need'), false);
});
