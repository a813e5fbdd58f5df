// hb installed on a server as the README says: the tarball `npm pack` makes, installed with
// `npm install -g` into a fresh prefix, and run by the real cron daemon from a line in
// /etc/cron.d that names the installed node and script by absolute path, as `hb crontab` prints.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';
import { ensureCron, placeCronFile, type CronDaemon } from '../cron-daemon.ts';
import { installGlobal, packHb } from '../pack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// cron reads /etc/cron.d files whose names hold only letters, digits, `-` and `_`.
const CRON_FILE = `/etc/cron.d/hb-install-${randomBytes(6).toString('hex')}`;
// Up to two cron wake-ups: a file placed late in a minute may be read only at the next one.
const CRON_WAIT_MS = 150_000;

const boxes: Sandbox[] = [];
let cron: CronDaemon | null = null;
after(async () => {
  rmSync(CRON_FILE, { force: true });
  rmSync(`${CRON_FILE}.tmp`, { force: true });
  await cron?.stop();
  for (const b of boxes) b.cleanup();
});

function box(): Sandbox {
  const s = sandbox();
  boxes.push(s);
  chmodSync(s.root, 0o755);
  return s;
}

/** An npm command with npm's own warnings on stderr (tests/pack.ts keeps only errors). */
function npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: 120_000 });
}

test('the tarball ships dist/ (without the build metadata), docs/, README and crontab.example, and installs with no script, no dependency and no warning', () => {
  const s = box();
  const dry = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
  assert.equal(dry.status, 0, dry.stderr);
  const files = (JSON.parse(dry.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  const tops = [...new Set(files.map((f) => (f.includes('/') ? `${f.slice(0, f.indexOf('/'))}/` : f)))].sort();
  assert.deepEqual(tops, ['README.md', 'crontab.example', 'dist/', 'docs/', 'package.json']);
  assert.ok(files.includes('dist/hb.js') && files.includes('docs/daemon.md'), 'the entry script and the docs units link to');
  assert.ok(!files.includes('dist/meta.json'), 'the bundles map is for the tests only');

  const tarball = packHb(s.root);
  const prefix = join(s.root, 'prefix');
  const install = npm(['install', '-g', '--offline', '--prefix', prefix, tarball], tmpdir());
  assert.equal(install.status, 0, install.stderr);
  assert.equal(install.stderr, '', 'npm has nothing to warn about');
  assert.match(install.stdout, /^added 1 package\b/m, 'hb alone: every dependency is bundled in dist/');
  const pkg = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/hb/package.json'), 'utf8')) as { scripts?: Record<string, string>; dependencies?: object };
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts?.[hook], undefined, `no ${hook} script`);
  assert.equal(pkg.dependencies, undefined);
  const version = spawnSync(join(prefix, 'bin/hb'), ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('the real cron runs the installed hb from the line hb crontab writes, and the installed hb check sees the job ok', { timeout: 200_000 }, async (t) => {
  if (!requireTool(t, 'cron')) return;
  if (process.getuid?.() !== 0) {
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error('this system test writes /etc/cron.d: run it as root');
    t.skip('needs root to write /etc/cron.d');
    return;
  }
  const s = box();
  const prefix = join(s.root, 'prefix');
  installGlobal(packHb(s.root), prefix);
  const bin = join(prefix, 'bin/hb');
  const script = realpathSync(join(prefix, 'lib/node_modules/hb/dist/hb.js'));
  assert.equal(readlinkSync(bin), '../lib/node_modules/hb/dist/hb.js', 'PREFIX/bin/hb links to the package script');

  const config = join(s.root, 'hb.yaml');
  const state = join(s.root, 'state');
  spawnSync('sh', ['-c', `printf '%s\\n' 'jobs:' '  installed:' '    cron: "* * * * *"' '    command: echo ran from cron' > "$1"`, 'sh', config]);
  // The README's way: the installed hb prints its own lines, with absolute paths (cron's PATH is
  // /usr/bin:/bin, where PREFIX/bin is not); --file gives them the user field of /etc/cron.d.
  const staged = join(s.root, 'cron-d-file');
  const env = { ...s.env };
  delete env.HB_STATE_DIR;
  const written = spawnSync(bin, ['crontab', '--file', staged, '--config', config, '--state-dir', state], { env, encoding: 'utf8' });
  assert.equal(written.status, 0, written.stderr);
  const text = readFileSync(staged, 'utf8');
  const line = text.split('\n').find((l) => l.includes(' tick installed '));
  assert.equal(line, `* * * * *  root ${process.execPath} ${script} tick installed --config ${config} --state-dir ${state}`, text);

  await placeCronFile(CRON_FILE, text);
  cron = await ensureCron();
  const heartbeat = join(state, 'installed.last');
  await waitFor(() => existsSync(heartbeat), 'cron to run the installed hb (its heartbeat)', CRON_WAIT_MS).catch((e) =>
    assert.fail(`${e}\n${CRON_FILE}:\n${text}\ncron's log:\n${cron?.stderr() ?? ''}`),
  );
  rmSync(CRON_FILE, { force: true });

  const check = spawnSync(bin, ['check', '--json', '--config', config, '--state-dir', state], { env, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  const jobs = (JSON.parse(check.stdout) as { jobs: Array<{ job: string; status: string; last_exit_code?: number }> }).jobs;
  const job = jobs.find((j) => j.job === 'installed');
  assert.ok(job, check.stdout);
  assert.equal(job.status, 'ok', check.stdout);
  const record = JSON.parse(readFileSync(heartbeat, 'utf8')) as { exit_code: number; output_tail?: string };
  assert.equal(record.exit_code, 0, JSON.stringify(record));
});
