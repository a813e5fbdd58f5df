// hb doctor through the built CLI (exit codes, output, --json), and hb check taking a job's
// schedule from a crontab line when the job has none of its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCrontab, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { HB, fixture, hb, requireTool, sandbox, type Sandbox } from '../helpers.ts';

const NODE = process.execPath;
const LOOKUP = fileURLToPath(new URL('../fixtures/crontabs/cron.d/hb-lookup', import.meta.url));
const at = (iso: string) => ['faketime', '-f', `@${iso.replace('T', ' ').replace('Z', '')}`];
/** faketime's clock at a UTC instant for a process whose TZ is `zone` (faketime reads the time in that zone). */
const atIn = (zone: string) => (iso: string) => at(new Date(iso).toLocaleString('sv-SE', { timeZone: zone }).replace(' ', 'T'));

const jobLines = (text: string) => parseCrontab(text, { kind: 'user', file: 'x' }).lines.filter((l): l is JobLine => l.kind === 'job');

function write(s: Sandbox, name: string, text: string): string {
  const path = join(s.root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

test('doctor --crontab: a sound crontab exits 0 and says so', () => {
  const s = sandbox();
  try {
    const file = write(
      s,
      'crontab',
      `SHELL=/bin/sh\n* * * * * ${NODE} ${HB} check\n*/5 * * * * ${NODE} ${HB} wrap --job a --every 5m -- ${NODE} ${fixture('exit-with.js')} 0\n`,
    );
    const r = hb(['doctor', '--crontab', file], { env: s.env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `hb doctor: no problems found (checked ${file} (user crontab))\n`);
    assert.equal(r.stderr, '');
  } finally {
    s.cleanup();
  }
});

test('doctor --crontab: errors as file:line: severity: message with a fix line, exit 1; warnings alone exit 0', () => {
  const s = sandbox();
  try {
    // The seed failure (a script that is not there), a bare hb, an unescaped %, no final newline.
    const file = write(
      s,
      'crontab',
      [
        `30 2 * * * ${NODE} /opt/nowhere/dist/hb.js tick backup`,
        '*/5 * * * * hb tick sync',
        `0 1 * * * /bin/sh -c 'date +%F > /tmp/x'`,
        '0 3 * * * /usr/bin/true',
      ].join('\n'),
    );
    const r = hb(['doctor', '--crontab', file], { env: s.env });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^${file}:1: error: /opt/nowhere/dist/hb\\.js does not exist: .* \\[command-not-found\\]$`));
    assert.match(lines[1]!, /^ {2}fix: fix the path: this hb runs as .*dist\/hb\.js$/);
    assert.match(r.stdout, new RegExp(`^${file}:2: error: "hb" is not on cron's PATH \\(/usr/bin:/bin\\).*\\[hb-not-on-path\\]$`, 'm'));
    assert.match(r.stdout, new RegExp(`^${file}:3: error: unescaped % ends the command.*\\[percent\\]\\n {2}fix: write \\\\% .*date \\+\\\\%F`, 'm'));
    assert.match(r.stdout, new RegExp(`^${file}:4: error: the last line has no newline.*\\[missing-newline\\]$`, 'm'));
    assert.match(lines.at(-2)!, /^hb doctor: 4 errors, 0 warnings \(checked /);

    const warn = write(s, 'warn', '*/90 * * * * /usr/bin/true\n');
    const w = hb(['doctor', '--crontab', warn], { env: s.env });
    assert.equal(w.code, 0, 'warnings only');
    assert.match(w.stdout, /:1: warning: .*\[step-too-large\]/);
  } finally {
    s.cleanup();
  }
});

test('doctor --json: one object with every finding; several files; cron.d names and system format', () => {
  const s = sandbox();
  try {
    const user = write(s, 'mine', `0 0 * * 5#3 ${NODE} ${HB} tick a --every 1d\n`);
    const dotted = write(s, 'cron.d/hb.cron', `* * * * * root ${NODE} ${HB} check\n* * * * * ${NODE} ${HB} check\n`);
    const r = hb(['doctor', '--crontab', user, dotted, '--json'], { env: s.env });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.checked.crontabs, out.checked.config], [[user, dotted], null]);
    assert.deepEqual(
      out.checked.kinds.map((k: { file: string; kind: string; sure: boolean }) => [k.file, k.kind, k.sure]),
      [
        [user, 'user', true],
        [dotted, 'system', true],
      ],
    );
    assert.deepEqual(
      out.findings.map((f: { code: string; file: string; line: number | null }) => [f.code, f.file, f.line]),
      [
        ['truncated-field', user, 1],
        ['crond-name', dotted, null],
        ['unknown-user', dotted, 2],
      ],
    );
    assert.equal(out.errors, 3);
    for (const f of out.findings) assert.ok(f.severity && f.message && f.fix);
  } finally {
    s.cleanup();
  }
});

test('doctor --crontab: an /etc/crontab-style file under another name is read as a system crontab, and says so', () => {
  const s = sandbox();
  try {
    // "deploy" is no user here (the file came from another host): root on the other lines decides.
    const file = write(
      s,
      'backup.txt',
      [
        'SHELL=/bin/sh',
        '17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly',
        '30 2\t* * *\troot\t/usr/bin/true',
        '@daily\troot\t/usr/bin/true',
        '*/5 *\t* * *\tdeploy\t/usr/bin/true',
        '',
      ].join('\n'),
    );
    const r = hb(['doctor', '--crontab', file, '--json'], { env: s.env });
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.checked.kinds.map((k: { kind: string; sure: boolean }) => [k.kind, k.sure]),
      [['system', true]],
    );
    assert.match(out.checked.kinds[0].why, /^3 of 4 job lines name a known user after the schedule \(root\); one names deploy/);
    // Only the line cron itself refuses is reported: root is a user, not a program.
    assert.deepEqual(
      out.findings.map((f: { code: string; line: number }) => [f.code, f.line]),
      [['unknown-user', 5]],
    );
    assert.doesNotMatch(r.stdout, /"root" is not found/);
    const text = hb(['doctor', '--crontab', file], { env: s.env });
    assert.match(text.stdout, new RegExp(`\\(checked ${file} \\(system crontab\\)\\)\\n$`));
  } finally {
    s.cleanup();
  }
});

test('doctor --crontab: a file whose lines do not tell its kind is a crontab-kind warning with the guess; --system or --user-crontab settle it', () => {
  const s = sandbox();
  try {
    const file = write(s, 'jobs.txt', '0 4 * * *\tdeploy\t/usr/bin/true\n*/10 * * * *\tapp\t/usr/bin/true\n');
    const r = hb(['doctor', '--crontab', file], { env: s.env });
    assert.match(
      r.stdout,
      new RegExp(
        `^${file}: warning: hb cannot tell whether this is a user crontab or a system one .*"deploy".*; read as a user crontab.* \\[crontab-kind\\]\\n {2}fix: say which: hb doctor --crontab ${file} --system, or --user-crontab$`,
        'm',
      ),
    );
    assert.match(r.stdout, /\(checked \S+ \(user crontab, a guess\)\)\n$/);
    const system = hb(['doctor', '--crontab', file, '--system', '--json'], { env: s.env });
    const out = JSON.parse(system.stdout);
    assert.deepEqual(
      out.checked.kinds.map((k: { kind: string; sure: boolean; why: string }) => [k.kind, k.sure, k.why]),
      [['system', true, 'as --system says']],
    );
    assert.deepEqual(
      out.findings.map((f: { code: string }) => f.code),
      ['unknown-user', 'unknown-user'],
    );
    const user = hb(['doctor', '--crontab', file, '--user-crontab', '--json'], { env: s.env });
    assert.ok(!JSON.parse(user.stdout).findings.some((f: { code: string }) => f.code === 'crontab-kind'));
    const both = hb(['doctor', '--crontab', file, '--system', '--user-crontab'], { env: s.env });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--system and --user-crontab do not go together/);
  } finally {
    s.cleanup();
  }
});

test('doctor reports config errors with their line; a --crontab file that is not there is a usage error', () => {
  const s = sandbox();
  try {
    const cfg = write(s, 'hb.yaml', 'jobs:\n  backup:\n    every: soon\n');
    const file = write(s, 'crontab', `* * * * * ${NODE} ${HB} check\n`);
    const r = hb(['doctor', '--crontab', file], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^${cfg}:3: error: jobs\\.backup\\.every: .*\\[config\\]$`, 'm'));
    const missing = hb(['doctor', '--crontab', join(s.root, 'nope')], { env: s.env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--crontab .*nope: no such file/);
    assert.equal(missing.stdout, '');
  } finally {
    s.cleanup();
  }
});

test('doctor without --crontab reads the crontabs HB_CRONTAB_PATHS names and checks the host', () => {
  const s = sandbox();
  try {
    const cronD = join(s.root, 'etc', 'cron.d');
    write(s, 'etc/cron.d/hb', `* * * * * root ${NODE} ${HB} check\n`);
    const r = hb(['doctor', '--json'], { env: { ...s.env, HB_CRONTAB_PATHS: cronD } });
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.checked.crontabs, [join(cronD, 'hb')]);
    assert.ok(!out.findings.some((f: { code: string }) => f.code === 'no-check'), r.stdout);
    const none = JSON.parse(hb(['doctor', '--json'], { env: { ...s.env, HB_CRONTAB_PATHS: '' } }).stdout);
    assert.ok(none.findings.some((f: { code: string; severity: string }) => f.code === 'no-check' && f.severity === 'error'));
  } finally {
    s.cleanup();
  }
});

test('check: a job ticked without a schedule takes it from a crontab line, in the host zone whatever CRON_TZ says, and is judged by it', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    // The fixture's lines run for root's default state directory: a copy names this sandbox's first.
    const lookup = write(s, 'hb-lookup', `HB_STATE_DIR=${s.state}\n${readFileSync(LOOKUP, 'utf8')}`);
    // A host in New York: the nightly line sits under CRON_TZ=Europe/Berlin, which Debian's cron ignores.
    const env = { ...s.env, HB_CRONTAB_PATHS: lookup, TZ: 'America/New_York' };
    const nyAt = atIn('America/New_York');
    assert.equal(hb(['tick', 'pinged'], { env, prefix: nyAt('2026-11-20T09:00:05Z') }).code, 0);
    // 02:00 in New York is 07:00Z in November: cron ran it then.
    assert.equal(hb(['wrap', '--job', 'nightly', '--', 'true'], { env, prefix: nyAt('2026-11-20T07:00:05Z') }).code, 0);
    const check = (iso: string, e = env) => hb(['check', '--json'], { env: e, prefix: nyAt(iso) });
    const jobsOf = (r: { stdout: string }) => Object.fromEntries(JSON.parse(r.stdout).jobs.map((j: { job: string }) => [j.job, j]));

    const ok = check('2026-11-20T09:05:00Z');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const jobs = jobsOf(ok);
    assert.deepEqual(
      [jobs.pinged.status, jobs.pinged.schedule, jobs.pinged.schedule_source, jobs.pinged.period_s],
      ['ok', { cron: '*/10 * * * *' }, 'crontab', 600],
    );
    assert.equal(jobs.pinged.due, '2026-11-20T09:10:00.000Z');
    // The next run is tomorrow's 02:00 in New York, not 02:00 in Berlin (01:00Z).
    assert.deepEqual(
      [jobs.nightly.status, jobs.nightly.schedule, jobs.nightly.schedule_source, jobs.nightly.due],
      ['ok', { cron: '0 2 * * *' }, 'crontab', '2026-11-21T07:00:00.000Z'],
    );

    const stale = check('2026-11-20T09:20:01Z');
    assert.equal(stale.code, 1);
    assert.equal(jobsOf(stale).pinged.status, 'stale');

    const without = check('2026-11-20T09:20:01Z', { ...env, HB_CRONTAB_PATHS: '' });
    assert.deepEqual([jobsOf(without).pinged.status, jobsOf(without).pinged.schedule_source], ['unscheduled', null]);
  } finally {
    s.cleanup();
  }
});

test('check reads no crontab while every job has a schedule of its own', () => {
  const s = sandbox();
  try {
    // A FIFO with no writer: any attempt to read it would hang this check until the test's timeout.
    const fifo = join(s.root, 'crontab.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    hb(['tick', 'a', '--every', '1h'], { env: s.env });
    const r = hb(['check'], { env: { ...s.env, HB_CRONTAB_PATHS: fifo } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
  } finally {
    s.cleanup();
  }
});

// An hb daemon anywhere on this host runs the configured jobs, so doctor rightly asks for no cron line.
function hbDaemonRuns(): boolean {
  return spawnSync('pgrep', ['-f', '(^|/)hb(\\.js)? daemon( start|$)'], { encoding: 'utf8' }).status === 0;
}

interface Suggested {
  crontab: ReturnType<typeof hb>;
  fixes: Array<{ code: string; message: string; fix: string }>;
}

// hb crontab and hb doctor (host checks on, no crontab to read) on one config written in a sandbox.
function crontabAndDoctor(t: { after(fn: () => void): void }, name: string, config: string): Suggested {
  const s = sandbox();
  t.after(s.cleanup);
  const cfg = write(s, name, config);
  const env = { ...s.env, HB_CRONTAB_PATHS: '' };
  const crontab = hb(['crontab', '--config', cfg], { env });
  const doctor = hb(['doctor', '--json', '--config', cfg], { env });
  return { crontab, fixes: JSON.parse(doctor.stdout).findings };
}

test("doctor suggests for a job without a line exactly the line hb crontab prints for it, and the meta-heartbeat's too", (t) => {
  if (hbDaemonRuns()) return t.skip('an hb daemon runs on this host: doctor expects no cron lines');
  // A path that needs quoting, a cron job and an every: job; $HB_STATE_DIR is passed on as --state-dir.
  const { crontab, fixes } = crontabAndDoctor(
    t,
    'my config/hb.yaml',
    'jobs:\n  backup:\n    cron: "30 2 * * *"\n    command: /usr/local/bin/backup.sh\n  sync:\n    every: 15m\n',
  );
  assert.equal(crontab.code, 0, crontab.stderr);
  const printed = new Map(jobLines(crontab.stdout).map((l) => [l.hb[0]!.job ?? 'hb-check', l.raw]));
  assert.deepEqual([...printed.keys()], ['backup', 'sync', 'hb-check']);
  assert.match(printed.get('sync')!, /^\*\/15 \* \* \* \* .* --config '.*\/my config\/hb\.yaml' --state-dir /);
  const suggested = (code: string, job: string) => {
    const fix = fixes.find((f) => f.code === code && (code === 'no-check' || f.message.includes(`"${job}"`)))?.fix;
    assert.ok(fix, `${code} ${job}: ${JSON.stringify(fixes)}`);
    return fix.slice(fix.indexOf(': ') + 2);
  };
  for (const job of ['backup', 'sync'])
    assert.equal(suggested('job-without-line', job), printed.get(job), `${job}: hb crontab's line, character for character`);
  assert.equal(suggested('no-check', 'hb-check'), printed.get('hb-check'));
});

test("doctor says why hb crontab has no line for a job, in hb crontab's words", (t) => {
  if (hbDaemonRuns()) return t.skip('an hb daemon runs on this host: doctor expects no cron lines');
  const { crontab, fixes } = crontabAndDoctor(t, 'hb.yaml', 'jobs:\n  odd:\n    every: 7m\n');
  assert.equal(crontab.code, 2);
  const reason = crontab.stderr.match(/^hb: crontab: job odd: (.*)$/m)![1]!;
  const fix = fixes.find((f) => f.code === 'job-without-line')!.fix;
  assert.equal(fix, `hb crontab has no line for it: ${reason}`);
});

test('doctor lists every job hb check cannot judge for want of a schedule: heartbeats and configured jobs, as hb check words it', () => {
  const s = sandbox();
  try {
    const cfg = write(s, 'hb.yaml', 'jobs:\n  pinged:\n    command: "true"\n  tabbed:\n    command: "true"\n');
    const cronD = join(s.root, 'etc', 'cron.d');
    write(s, 'etc/cron.d/hb', `*/5 * * * * root ${NODE} ${HB} tick tabbed --state-dir ${s.state}\n`);
    const env = { ...s.env, HB_CONFIG: cfg, HB_CRONTAB_PATHS: cronD };
    hb(['tick', 'loose'], { env });
    // hb check ran a moment ago from somewhere doctor cannot see: its own heartbeat has no schedule.
    const check = hb(['check'], { env });
    assert.match(check.stdout, /^loose\s+UNSCHEDULED\s+/m);
    assert.match(check.stdout, /^pinged\s+UNSCHEDULED\s+/m);

    const r = hb(['doctor', '--json'], { env });
    assert.equal(r.stderr, '');
    const found = JSON.parse(r.stdout).findings.filter((f: { code: string }) => f.code === 'unscheduled' || f.code === 'job-without-line');
    assert.deepEqual(
      found.map((f: { code: string; severity: string; file: string }) => [f.code, f.severity, f.file]),
      [
        ['unscheduled', 'warning', join(s.state, 'loose.last')],
        ['unscheduled', 'warning', cfg],
      ],
    );
    assert.match(found[1].message, /^configured job "pinged" has no schedule .*: hb check lists it as unscheduled/);
    // The fix is the one hb check's reason gives.
    const reason = (job: string) =>
      check.stdout
        .split('\n')
        .find((l) => l.startsWith(job))!
        .split(': ')
        .slice(1)
        .join(': ');
    assert.equal(found[0].fix, `give it one: ${reason('loose')}`);
    assert.equal(found[1].fix, `give it one: ${reason('pinged')}`);

    const text = hb(['doctor'], { env });
    assert.match(
      text.stdout,
      new RegExp(
        `^${cfg.replace(/[.]/g, '\\.')}: warning: configured job "pinged" has no schedule .*\\[unscheduled\\]\\n  fix: give it one: add --every 15m`,
        'm',
      ),
    );
  } finally {
    s.cleanup();
  }
});
