// hb crontab through the built CLI: the block printed, written to a cron.d-style file, merged,
// diffed and removed; --adopt shown, applied with a backup, undone; adopted lines run as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { HB, hb, readJson, sandbox } from '../helpers.ts';

const HB_REAL = realpathSync(HB);

function setup(config?: string) {
  const s = sandbox();
  const cfg = join(s.root, 'hb.yaml');
  if (config !== undefined) writeFileSync(cfg, config);
  const crond = join(s.root, 'cron.d');
  mkdirSync(crond);
  const args = config !== undefined ? ['--config', cfg] : [];
  return { ...s, cfg, crond, run: (more: string[]) => hb(['crontab', ...more, ...args], { env: s.env }) };
}

const jobLines = (text: string, kind: 'user' | 'system') => parseCrontab(text, { kind, file: 'x' }).lines.filter((l): l is JobLine => l.kind === 'job');

const CONFIG = 'jobs:\n  backup:\n    cron: "30 2 * * *"\n    command: /usr/local/bin/backup.sh\n  sync:\n    every: 15m\n  adhoc:\n    command: "true"\n';

test('hb crontab prints the block: a tick line per scheduled job and the check, with absolute paths and the state dir', (t) => {
  const s = setup(CONFIG);
  t.after(s.cleanup);
  const r = s.run([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipped job adhoc: no schedule/);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^# BEGIN hb: /);
  assert.equal(lines.at(-1), '# END hb');
  const jobs = jobLines(r.stdout, 'user');
  assert.deepEqual(
    jobs.map((j) => [j.schedule, j.hb[0]!.subcommand, j.hb[0]!.job]),
    [
      ['30 2 * * *', 'tick', 'backup'],
      ['*/15 * * * *', 'tick', 'sync'],
      ['* * * * *', 'check', null],
    ],
  );
  for (const j of jobs) {
    assert.equal(j.programs[0]!.word.text, process.execPath, 'node by its absolute path');
    assert.equal(j.hb[0]!.script!.text, HB_REAL, 'hb by its real path');
    assert.equal(j.hb[0]!.flags.config, s.cfg);
    assert.equal(j.hb[0]!.flags['state-dir'], s.state, '$HB_STATE_DIR does not reach cron: passed as a flag');
  }
  assert.match(jobs[2]!.command, />\/dev\/null$/, "the check's report goes to its sinks, not to cron mail every minute");
});

test('hb crontab without a config: only the meta-heartbeat', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const r = s.run([]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    jobLines(r.stdout, 'user').map((j) => j.hb[0]!.subcommand),
    ['check'],
  );
  assert.ok(!r.stdout.includes('--config'), 'no config to pass on');
  assert.match(r.stderr, /no sink is configured, so hb check alerts nobody/);
});

test('--file writes a system crontab cron accepts: user field, 0644, final newline; rewrites in place; doctor finds every job', (t) => {
  const s = setup(CONFIG);
  t.after(s.cleanup);
  const file = join(s.crond, 'hb');
  const r = s.run(['--file', file, '--user', 'root']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*cron\.d\/hb: 3 lines \(backup, sync, hb-check\)/);
  const text = readFileSync(file, 'utf8');
  assert.equal(statSync(file).mode & 0o777, 0o644);
  assert.ok(text.endsWith('# END hb\n'));
  assert.deepEqual(
    jobLines(text, 'system').map((j) => j.user),
    ['root', 'root', 'root'],
  );
  assert.equal(s.run(['--file', file, '--user', 'root']).stdout.trim(), `${file} is up to date: nothing changed`);

  const doctor = hb(['doctor', '--crontab', file, '--system', '--json', '--config', s.cfg], { env: s.env });
  const codes = (JSON.parse(doctor.stdout) as { findings: Array<{ code: string }> }).findings.map((f) => f.code);
  assert.ok(!codes.includes('job-without-line'), `every configured job has its line: ${codes.join(', ')}`);
  assert.ok(!codes.includes('no-check'), 'the meta-heartbeat is installed');
});

test('--file merges into a file with other lines, keeps them byte for byte, and --uninstall takes only the block out', (t) => {
  const s = setup(CONFIG);
  t.after(s.cleanup);
  const file = join(s.crond, 'ops');
  const theirs = '# ops jobs\nMAILTO=ops@example.org\n5 * * * * root /usr/local/bin/rotate\n';
  writeFileSync(file, theirs);
  chmodSync(file, 0o664);
  const diff = s.run(['--file', file, '--user', 'root', '--diff']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^--- .*ops\n\+\+\+ .*ops \(new\)\n@@ /);
  assert.match(diff.stdout, /\n\+# END hb\n$/);
  assert.equal(readFileSync(file, 'utf8'), theirs, '--diff writes nothing');

  assert.equal(s.run(['--file', file, '--user', 'root']).code, 0);
  const merged = readFileSync(file, 'utf8');
  assert.ok(merged.startsWith(`${theirs}\n# BEGIN hb: `));
  assert.equal(statSync(file).mode & 0o777, 0o644, 'group write dropped: cron skips group-writable files');

  const un = s.run(['--file', file, '--uninstall']);
  assert.equal(un.code, 0, un.stderr);
  assert.equal(readFileSync(file, 'utf8'), theirs);
  const hbOnly = join(s.crond, 'hbonly');
  s.run(['--file', hbOnly, '--user', 'root']);
  assert.match(s.run(['--file', hbOnly, '--uninstall']).stdout, /removed .* \(it held only the hb block\)/);
  assert.equal(existsSync(hbOnly), false);
});

test('--file warns when a crontab cron reads already runs hb check for the same state directory (its own block aside)', (t) => {
  const s = setup(CONFIG);
  t.after(s.cleanup);
  const check = (dir: string) => `${process.execPath} ${HB_REAL} check --state-dir ${dir} >/dev/null`;
  // What a playbook put there, for this state directory and for another one.
  writeFileSync(join(s.crond, 'app'), `#Ansible: hb-check\n* * * * * root ${check(s.state)}\n`);
  writeFileSync(join(s.crond, 'other'), `#Ansible: hb-check\n* * * * * root ${check(join(s.root, 'other'))}\n`);
  const env = { ...s.env, HB_CRONTAB_PATHS: s.crond };
  const file = join(s.crond, 'hb');
  const run = () => hb(['crontab', '--file', file, '--user', 'root', '--config', s.cfg], { env });
  const first = run();
  assert.equal(first.code, 0, first.stderr);
  const warnings = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l.includes('already runs hb check'));
  assert.deepEqual(warnings(first), [
    `hb: crontab: warning: ${join(s.crond, 'app')}:2 already runs hb check for ${s.state} (put there by Ansible: #Ansible: hb-check): ` +
      `two checks of one state directory do the same work twice and race for its check lock; keep one: drop that line from the playbook, or take hb's block out again (hb crontab --file ${file} --uninstall)`,
  ]);
  assert.match(readFileSync(file, 'utf8'), / check --config /, 'the file is written all the same');
  assert.equal(warnings(run()).length, 1, "the check in hb's own block, which the run replaces, is no other check");
  writeFileSync(join(s.crond, 'app'), '');
  assert.deepEqual(warnings(run()), [], 'no other check of this state directory: no warning');
});

test('--file refuses names cron ignores, directories and missing folders; a job cron cannot schedule refuses all', (t) => {
  const s = setup(CONFIG);
  t.after(s.cleanup);
  for (const [file, why] of [
    [join(s.crond, 'hb.cron'), /cron ignores files in \/etc\/cron\.d whose names hold anything but letters, digits/],
    [s.crond, /is a directory; name the file/],
    [join(s.root, 'nope', 'hb'), /is not a directory/],
  ] as const) {
    const r = s.run(['--file', file, '--user', 'root']);
    assert.equal(r.code, 2, file);
    assert.match(r.stderr, why);
  }
  writeFileSync(s.cfg, 'jobs:\n  ny:\n    cron: "0 9 * * *"\n    tz: America/New_York\n  odd:\n    every: 7m\n');
  const r = s.run(['--file', join(s.crond, 'hb'), '--user', 'root']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /job ny: cron "0 9 \* \* \*" in America\/New_York: cron runs every line in the host zone/);
  assert.match(r.stderr, /job odd: every 7m: .*no exact cron line/);
  assert.match(r.stderr, /nothing written/);
  assert.equal(existsSync(join(s.crond, 'hb')), false);
});

test('flags that do not go together are refused with exit 2', (t) => {
  const s = setup();
  t.after(s.cleanup);
  for (const args of [
    ['--install', '--uninstall'],
    ['--apply'],
    ['--adopt', '--install'],
    ['--file', 'x', '--install'],
    ['--crontab', 'x'],
    ['--undo', '--adopt'],
    ['--user', 'a b'],
  ]) {
    const r = s.run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^hb: /);
  }
});

const EXISTING = [
  'SHELL=/bin/sh',
  '# reports',
  '0 6 * * 1-5 printf "%s\\n" "report \\% done" | tr a-z A-Z',
  '0 7 * * * cat%first line%second \\% line',
  "*/10 * * * * echo \"$HOME\" '$HOME' it\\'s",
  '# hb: ignore',
  '0 8 * * * echo ignored',
  '@reboot echo boot',
  '30 1 * * * exit 3',
  '',
].join('\n');

test('--adopt shows the diff and writes nothing; --apply writes it after a backup; --undo restores it byte for byte', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'mycron');
  writeFileSync(file, EXISTING);
  chmodSync(file, 0o640);

  const show = s.run(['--adopt', '--crontab', file]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^--- .*mycron\n\+\+\+ .*mycron \(adopted\)/);
  assert.match(show.stderr, /line 3 → job printf, line 4 → job cat, line 5 → job echo, line 9 → job exit/);
  assert.match(show.stderr, /line 7 left alone: marked # hb: ignore/);
  assert.match(show.stderr, /line 8 left alone: @reboot/);
  assert.match(show.stderr, /no line runs hb check, .*: add it with hb crontab --install/);
  const elsewhere = join(s.crond, 'hb');
  writeFileSync(elsewhere, '* * * * * root /usr/bin/node /opt/hb/dist/hb.js check\n');
  const withCheck = hb(['crontab', '--adopt', '--crontab', file], { env: { ...s.env, HB_CRONTAB_PATHS: s.crond } });
  assert.doesNotMatch(withCheck.stderr, /no line runs hb check/, 'the check line in a crontab not given is found');
  assert.match(show.stderr, /nothing written; run again with --apply/);
  assert.equal(readFileSync(file, 'utf8'), EXISTING);

  const apply = s.run(['--adopt', '--apply', '--crontab', file]);
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stdout, /adopted 4 line\(s\) in .*mycron; backup in (.*) \(hb crontab --undo restores it\)/);
  const adopted = readFileSync(file, 'utf8');
  assert.equal(statSync(file).mode & 0o777, 0o640, 'mode kept');
  assert.equal(jobLines(adopted, 'user').filter((j) => j.hb[0]?.subcommand === 'wrap').length, 4);

  const sets = join(s.state, 'crontab-backups');
  const [set] = readdirSync(sets);
  assert.equal(statSync(sets).mode & 0o777, 0o700, 'backups can hold secrets');
  assert.equal(statSync(join(sets, set!)).mode & 0o777, 0o700);
  assert.equal(statSync(join(sets, set!, '1.crontab')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(sets, set!, '1.crontab'), 'utf8'), EXISTING);
  assert.equal(readJson(join(sets, set!, 'manifest.json')).files[0].target.path, file);

  assert.match(s.run(['--adopt', '--crontab', file]).stderr, /nothing to adopt/, 'adopting again changes nothing');

  const undo = s.run(['--undo']);
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(readFileSync(file, 'utf8'), EXISTING);
  assert.equal(statSync(file).mode & 0o777, 0o640);
  const again = s.run(['--undo']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /nothing to undo/);
});

test('--undo leaves a crontab edited after adopt alone and says where the original is', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'mycron');
  writeFileSync(file, EXISTING);
  assert.equal(s.run(['--adopt', '--apply', '--crontab', file]).code, 0);
  const edited = `${readFileSync(file, 'utf8')}0 9 * * * /bin/new\n`;
  writeFileSync(file, edited);
  const undo = s.run(['--undo']);
  assert.equal(undo.code, 1);
  assert.match(undo.stderr, /mycron changed since it was adopted; left as it is \(the original is .*1\.crontab\)/);
  assert.equal(readFileSync(file, 'utf8'), edited);
});

// Runs a job line the way cron does: the command through SHELL -c, the text after % on stdin.
function runAsCron(line: JobLine, env: NodeJS.ProcessEnv) {
  const r = spawnSync(line.env.SHELL ?? '/bin/sh', ['-c', line.command], { input: line.stdin ?? '', env: { ...env, ...line.env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout };
}

test('adopted lines do what the original lines did: same output, same stdin, same exit code, plus a heartbeat', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'mycron');
  writeFileSync(file, EXISTING);
  assert.equal(s.run(['--adopt', '--apply', '--crontab', file]).code, 0);
  const before = jobLines(EXISTING, 'user');
  const after = jobLines(readFileSync(file, 'utf8'), 'user');
  const cronEnv = { HOME: s.root, LOGNAME: 'root', PATH: '/usr/bin:/bin', HB_STATE_DIR: s.state };
  let compared = 0;
  for (const [i, orig] of before.entries()) {
    const adopted = after[i]!;
    if (adopted.hb.length === 0) continue;
    const want = runAsCron(orig, cronEnv);
    const got = runAsCron(adopted, cronEnv);
    assert.equal(got.stdout, want.stdout, `line ${orig.line}: ${orig.written}`);
    assert.equal(got.code, want.code, `line ${orig.line}`);
    const record = readJson(join(s.state, `${adopted.hb[0]!.job}.last`));
    assert.equal(record.exit_code, want.code);
    assert.equal(record.schedule.cron, orig.cronSchedule);
    compared++;
  }
  assert.equal(compared, 4);
  assert.equal(runAsCron(before[1]!, cronEnv).stdout, 'first line\nsecond % line\n', 'the % stdin reached the job, ended by the newline cron adds');
});

test('--undo finds the backup where --apply put it, also when the state dir fell back to the per-user one', (t) => {
  const s = setup();
  t.after(s.cleanup);
  // Root does not write into a directory others can write: hb falls back to the per-user one.
  mkdirSync(s.state, { recursive: true });
  chmodSync(s.state, 0o777);
  const file = join(s.root, 'mycron');
  writeFileSync(file, EXISTING);
  const apply = s.run(['--adopt', '--apply', '--crontab', file]);
  assert.equal(apply.code, 0, apply.stderr);
  if (process.getuid?.() === 0) assert.match(apply.stdout, new RegExp(`backup in ${join(s.root, 'xdg-state', 'hb', 'crontab-backups')}`));
  const undo = s.run(['--undo']);
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(readFileSync(file, 'utf8'), EXISTING);
});

test('--adopt on a host outside UTC: a line under CRON_TZ=UTC keeps the host zone, as Debian cron fires it', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'mycron');
  writeFileSync(file, 'CRON_TZ=UTC\n30 4 * * * /usr/local/bin/report\n');
  const r = hb(['crontab', '--adopt', '--crontab', file, '--user-crontab'], { env: { ...s.env, TZ: 'Asia/Tokyo' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\+30 4 \* \* \* \S+ \S+ wrap --job report --cron '30 4 \* \* \*' --tz Asia\/Tokyo .*-- \/usr\/local\/bin\/report$/m);
  assert.doesNotMatch(r.stdout, /--tz UTC/);
});

test('--adopt --crontab: an /etc/crontab-style file is adopted as one, the user field kept, and stderr says which kind was assumed', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'backup.txt');
  // "deploy" is no user here (the file came from another host): root on the other lines decides.
  writeFileSync(file, '30 2 * * * root /usr/local/bin/db-dump --all\n@daily root /usr/local/sbin/rotate-archives\n*/5 * * * * deploy /srv/deploy/bin/prune\n');
  const r = hb(['crontab', '--adopt', '--crontab', file], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^hb: crontab: ${file}: read as a system crontab \\(a user field after the schedule\\): 2 of 3 job lines name a known user after the schedule \\(root\\)`,
      'm',
    ),
  );
  assert.match(r.stdout, /^\+30 2 \* \* \* root \S+ \S+ wrap --job db-dump --cron '30 2 \* \* \*' .*-- \/usr\/local\/bin\/db-dump --all$/m);
  assert.match(r.stdout, /^\+@daily root \S+ \S+ wrap --job rotate-archives --cron @daily .*-- \/usr\/local\/sbin\/rotate-archives$/m);
  assert.doesNotMatch(r.stdout, /-- root /, 'the user field never moves into the command');
});

test('--adopt --crontab: a file whose kind hb is not sure of is refused (exit 2, nothing written) until --system or --user-crontab says', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const file = join(s.root, 'jobs.txt');
  const text = '0 4 * * * deploy /srv/deploy/bin/prune-releases\n*/10 * * * * app /srv/app/bin/queue-worker --once\n';
  writeFileSync(file, text);
  const refused = hb(['crontab', '--adopt', '--apply', '--crontab', file], { env: s.env });
  assert.equal(refused.code, 2);
  assert.equal(refused.stdout, '');
  assert.match(
    refused.stderr,
    new RegExp(
      `--crontab ${file}: cannot tell whether this is a user crontab or a system one \\(a user field after the schedule\\): .*"deploy".*; nothing adopted: pass --system or --user-crontab`,
    ),
  );
  assert.equal(readFileSync(file, 'utf8'), text);
  assert.ok(!existsSync(join(s.state, 'crontab-backups')), 'no backup either');

  const system = hb(['crontab', '--adopt', '--crontab', file, '--system'], { env: s.env });
  assert.equal(system.code, 0, system.stderr);
  assert.match(system.stdout, /^\+0 4 \* \* \* deploy \S+ \S+ wrap --job prune-releases --cron '0 4 \* \* \*' .*-- \/srv\/deploy\/bin\/prune-releases$/m);
  const user = hb(['crontab', '--adopt', '--crontab', file, '--user-crontab'], { env: s.env });
  assert.equal(user.code, 0, user.stderr);
  assert.match(user.stdout, /^\+0 4 \* \* \* \S+ \S+ wrap --job deploy --cron '0 4 \* \* \*' .*-- deploy \/srv\/deploy\/bin\/prune-releases$/m);
  for (const [flags, message] of [
    [['--system', '--user-crontab'], /do not go together/],
    [['--user-crontab'], /says how to read the --crontab files/],
  ] as const) {
    const bad = hb(['crontab', '--adopt', ...(flags.length === 2 ? ['--crontab', file] : []), ...flags], { env: s.env });
    assert.equal(bad.code, 2, flags.join(' '));
    assert.match(bad.stderr, message);
  }
});
