// Paths a person gives hb, through the built CLI run as root: a file hb writes is a new file or
// a regular one replaced atomically, never a link, FIFO or directory under the name; a file hb
// reads is a regular file under its cap, refused by what it is before a byte is read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hb, sandbox, throwAwayUser, type Run, type Sandbox } from '../helpers.ts';

/** Long enough for any refusal, short enough that an unbounded read or a blocked open fails the test, not the suite. */
const TIMEOUT_MS = 15_000;

/** A file outside the sandbox whose content must survive: what a planted link points at. */
function victim(t: { after(fn: () => void): void }): { path: string; content: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hb-victim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'precious');
  const content = 'root-owned content that must stay\n';
  writeFileSync(path, content);
  return { path, content };
}

function box(t: { after(fn: () => void): void }): Sandbox {
  const s = sandbox();
  t.after(s.cleanup);
  return s;
}

function fifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, `mkfifo ${path}`);
  return path;
}

/** A 3 GiB file that takes no disk: its size alone must refuse it. */
function sparse(path: string): string {
  const r = spawnSync('truncate', ['-s', '3G', path]);
  assert.equal(r.status, 0, `truncate -s 3G ${path}`);
  return path;
}

function refused(r: Run, message: RegExp): void {
  assert.equal(r.signal, null, `hb did not finish within ${TIMEOUT_MS} ms (stderr: ${r.stderr})`);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, message);
}

const run = (s: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) => hb(args, { env: { ...s.env, ...env }, timeoutMs: TIMEOUT_MS });
const isLinkTo = (path: string, target: string) => lstatSync(path).isSymbolicLink() && readlinkSync(path) === target;

// ---------------------------------------------------------------------------------------------
// Files hb writes.

test('report --output: a link, a FIFO or a directory under the name is refused (exit 2) and left as it was; "-" is stdout', (t) => {
  const s = box(t);
  const v = victim(t);
  const link = join(s.root, 'report.md');
  symlinkSync(v.path, link);
  refused(
    run(s, ['report', '--output', link]),
    new RegExp(`--output ${link}: is a symbolic link to ${v.path}; hb writes only a new file or over a regular one`),
  );
  assert.ok(isLinkTo(link, v.path), 'the link is still a link');
  assert.equal(readFileSync(v.path, 'utf8'), v.content, 'the file it points to is unchanged');

  const toNull = join(s.root, 'null.md');
  symlinkSync('/dev/null', toNull);
  refused(run(s, ['report', '--output', toNull]), /is a symbolic link to \/dev\/null/);
  assert.ok(isLinkTo(toNull, '/dev/null'));
  assert.ok(lstatSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');

  const pipe = fifo(join(s.root, 'report.fifo'));
  refused(run(s, ['report', '--output', pipe]), /--output .*report\.fifo: is a FIFO, not a regular file; hb writes only a new file or over a regular one/);
  assert.ok(lstatSync(pipe).isFIFO());

  const dir = join(s.root, 'reports');
  mkdirSync(dir);
  refused(run(s, ['report', '--output', dir]), /--output: .*reports is a directory; give a file name/);

  const stdout = hb(['report', '--format', 'json', '--output', '-'], { env: s.env, cwd: s.root, timeoutMs: TIMEOUT_MS });
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.equal(JSON.parse(stdout.stdout).host !== undefined, true, 'the report went to stdout');
  assert.equal(existsSync(join(s.root, '-')), false, 'no file named "-"');
});

test('report --output into a directory another user owns: the link that user planted is refused, its target untouched', (t) => {
  const user = throwAwayUser(t, 'hbsec-paths-out', { home: true });
  if (!user) return;
  const s = box(t);
  const v = victim(t);
  const home = `/home/${user}`;
  const link = join(home, 'nightly.html');
  const planted = spawnSync('runuser', ['-u', user, '--', 'ln', '-s', v.path, link], { encoding: 'utf8' });
  assert.equal(planted.status, 0, planted.stderr);
  refused(run(s, ['report', '--format', 'html', '--output', link]), /is a symbolic link to /);
  assert.ok(isLinkTo(link, v.path), "the user's link is left as it is");
  assert.equal(readFileSync(v.path, 'utf8'), v.content);
});

test('crontab --file: a link or a FIFO is refused (exit 2) before anything is read or written', (t) => {
  const s = box(t);
  const v = victim(t);
  const crond = join(s.root, 'cron.d');
  mkdirSync(crond);
  const link = join(crond, 'hb');
  symlinkSync(v.path, link);
  refused(run(s, ['crontab', '--file', link, '--user', 'root']), new RegExp(`--file ${link}: is a symbolic link to ${v.path}`));
  assert.ok(isLinkTo(link, v.path));
  assert.equal(readFileSync(v.path, 'utf8'), v.content);
  refused(run(s, ['crontab', '--file', link, '--uninstall']), /is a symbolic link/);
  assert.equal(readFileSync(v.path, 'utf8'), v.content);

  const pipe = fifo(join(crond, 'hbfifo'));
  refused(run(s, ['crontab', '--file', pipe, '--user', 'root']), /--file .*hbfifo: is a FIFO, not a regular file/);
  assert.ok(lstatSync(pipe).isFIFO());
});

test('crontab --adopt --apply writes no adopted crontab over a link: refused before the backup, the target untouched', (t) => {
  const s = box(t);
  const dir = mkdtempSync(join(tmpdir(), 'hb-victim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = join(dir, 'crontab');
  const original = '0 3 * * * /usr/local/bin/backup.sh\n';
  writeFileSync(real, original);
  const link = join(s.root, 'mycron');
  symlinkSync(real, link);
  const shown = run(s, ['crontab', '--adopt', '--crontab', link]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /hb\.js wrap --job backup/, 'reading through the link is fine: it is the given path');
  refused(run(s, ['crontab', '--adopt', '--apply', '--crontab', link]), new RegExp(`--crontab ${link}: is a symbolic link to ${real}`));
  assert.ok(isLinkTo(link, real));
  assert.equal(readFileSync(real, 'utf8'), original);
  assert.equal(existsSync(join(s.state, 'crontab-backups')), false, 'no backup of a write that never happens');
});

test('check --textfile: a .prom link is refused (exit 2), its target untouched', (t) => {
  const s = box(t);
  const v = victim(t);
  const link = join(s.root, 'hb.prom');
  symlinkSync(v.path, link);
  refused(run(s, ['check', '--textfile', link]), new RegExp(`${link}: is a symbolic link to ${v.path}`));
  assert.ok(isLinkTo(link, v.path));
  assert.equal(readFileSync(v.path, 'utf8'), v.content);
});

test('systemd --output-dir: a unit name that is a link (a masked unit) or a directory is refused, and no unit is written', (t) => {
  const s = box(t);
  const config = join(s.root, 'hb.yaml');
  writeFileSync(config, 'jobs:\n  backup:\n    cron: "30 3 * * *"\n    tz: UTC\n    command: /bin/true\n');
  const out = join(s.root, 'units');
  mkdirSync(out);
  symlinkSync('/dev/null', join(out, 'hb-backup.service'));
  refused(run(s, ['systemd', '--config', config, '--output-dir', out]), /systemd: .*hb-backup\.service: is a symbolic link to \/dev\/null/);
  assert.deepEqual(readdirSync(out), ['hb-backup.service'], 'all or nothing: no other unit written');
  assert.ok(isLinkTo(join(out, 'hb-backup.service'), '/dev/null'), 'the mask stays');

  rmSync(join(out, 'hb-backup.service'));
  mkdirSync(join(out, 'hb-backup.timer'));
  refused(run(s, ['systemd', '--config', config, '--output-dir', out]), /hb-backup\.timer: is a directory, not a regular file/);
  assert.deepEqual(readdirSync(out), ['hb-backup.timer']);
});

// ---------------------------------------------------------------------------------------------
// Files hb reads.

test('doctor --crontab and crontab --adopt --crontab: /dev/zero, a FIFO, a 3 GiB file and a directory are refused by what they are', (t) => {
  const s = box(t);
  const pipe = fifo(join(s.root, 'cron.fifo'));
  const big = sparse(join(s.root, 'huge'));
  const dir = join(s.root, 'crontabs.d');
  mkdirSync(dir);
  for (const command of [['doctor'], ['crontab', '--adopt']]) {
    const given = (path: string) => run(s, [...command, '--crontab', path]);
    refused(
      given('/dev/zero'),
      /--crontab \/dev\/zero: is a character device, not a regular file; hb reads a crontab only from a regular file of at most 1 MiB/,
    );
    refused(given(pipe), /--crontab .*cron\.fifo: is a FIFO, not a regular file; hb reads a crontab only from a regular file of at most 1 MiB/);
    refused(given(big), /--crontab .*huge: is 3 GiB, more than 1 MiB, the most hb reads of a crontab/);
    refused(given(dir), /--crontab .*crontabs\.d: is a directory, not a regular file/);
  }
});

test('--config and $HB_CONFIG: a FIFO, /dev/zero and a 3 GiB file are refused by what they are, exit 2', (t) => {
  const s = box(t);
  const pipe = fifo(join(s.root, 'config.fifo'));
  const big = sparse(join(s.root, 'huge.yaml'));
  for (const [path, what] of [
    [pipe, 'is a FIFO, not a regular file; hb reads a config only from a regular file of at most 2 MiB'],
    ['/dev/zero', 'is a character device, not a regular file'],
    [big, 'is 3 GiB, more than 2 MiB, the most hb reads of a config'],
  ] as const) {
    const message = new RegExp(`${path}: cannot read config file \\(from (--config|\\$HB_CONFIG)\\): ${what.replace(/[()]/g, '\\$&')}`);
    refused(run(s, ['check', '--config', path]), message);
    refused(run(s, ['status'], { HB_CONFIG: path }), message);
  }
});

test('check reads the crontabs of $HB_CRONTAB_PATHS for a schedule, but never a FIFO, a device or a 3 GiB file', (t) => {
  const s = box(t);
  assert.equal(run(s, ['tick', 'nightly']).code, 0);
  const pipe = fifo(join(s.root, 'cron.fifo'));
  const big = sparse(join(s.root, 'huge'));
  const good = join(s.root, 'crontab');
  writeFileSync(good, `HB_STATE_DIR=${s.state}\n0 2 * * * root hb tick nightly\n`);
  chmodSync(good, 0o644);
  const r = run(s, ['check', '--json'], { HB_CRONTAB_PATHS: [pipe, '/dev/zero', big, good].join(':') });
  assert.equal(r.signal, null, 'no hang on the FIFO');
  assert.notEqual(r.code, 2, r.stderr);
  assert.equal(
    JSON.parse(r.stdout).jobs.find((j: { job: string }) => j.job === 'nightly').schedule_source,
    'crontab',
    'the good crontab still lends its schedule',
  );
});

test("a sink's token_file that is a FIFO, /dev/zero or a 3 GiB file is refused at delivery: no hang, no request, the reason said", (t) => {
  const s = box(t);
  const pipe = fifo(join(s.root, 'token.fifo'));
  const big = sparse(join(s.root, 'token.big'));
  const config = join(s.root, 'hb.yaml');
  // Port 9 (discard) is closed here: a request would fail with a different reason.
  for (const [token, what] of [
    [pipe, 'is a FIFO, not a regular file'],
    ['/dev/zero', 'is a character device, not a regular file'],
    [big, 'is 3 GiB, more than 64 KiB'],
  ] as const) {
    rmSync(s.state, { recursive: true, force: true });
    writeFileSync(config, `notify:\n  - telegram: {chat_id: "-100123", api_url: "http://127.0.0.1:9", token_file: ${token}}\njobs:\n  j:\n    every: 1h\n`);
    const env = { HB_CONFIG: config };
    assert.equal(run(s, ['wrap', '--job', 'j', '--', 'false'], env).code, 1);
    const r = run(s, ['check'], env);
    assert.equal(r.signal, null, `no hang on ${token}`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot read token_file ${token}: ${what}`));
  }
});

test("a user's crontab over 1 MiB, as crontab -l prints it, is refused with the cap (exit 2), never read further", (t) => {
  const user = throwAwayUser(t, 'hbsec-paths-tab');
  if (!user) return;
  const s = box(t);
  const file = join(s.root, 'big-crontab');
  writeFileSync(file, `# ${'x'.repeat(200)}\n`.repeat(6_000) + '0 3 * * * /usr/local/bin/backup.sh\n');
  const installed = spawnSync('crontab', ['-u', user, file], { encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  refused(run(s, ['crontab', '--adopt', '--user', user]), new RegExp(`crontab: crontab -u ${user} -l printed more than 1 MiB, the most hb reads of a crontab`));
});
