// hb beside real Ansible: docs/examples/ansible-cron.yml, the playbook docs/ansible.md shows, run
// with ansible-playbook on this machine (-c local) into a file in /etc/cron.d and a throw-away
// user's crontab. hb doctor finds nothing wrong with what it wrote, hb check takes root's and the
// user's schedules from it, adopt leaves Ansible's lines to the playbook (its job: value, fed
// back through Ansible, is a line hb runs), and a second playbook run changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HB, hb, requireTool, sandbox, throwAwayUser, type Run } from '../helpers.ts';

const PLAYBOOK = fileURLToPath(new URL('../../docs/examples/ansible-cron.yml', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/ansible.md', import.meta.url));
const USER = `hbans${process.pid}`;
const HOME = `/home/${USER}`;
const CRON_FILE = `hbans${process.pid}`;
const CRON_PATH = `/etc/cron.d/${CRON_FILE}`;
const HB_LINE = `${process.execPath} ${HB}`;

interface Finding {
  code: string;
  file: string | null;
  message: string;
}

test('docs/ansible.md shows the playbook this test runs, as it stands', () => {
  const shown = /^## The playbook\n\n```yaml\n([\s\S]*?)^```$/m.exec(readFileSync(DOC, 'utf8'));
  assert.ok(shown, 'docs/ansible.md has the playbook in a yaml block under "## The playbook"');
  assert.equal(shown[1], readFileSync(PLAYBOOK, 'utf8'));
});

test('the documented playbook deploys jobs that hb doctor passes, hb check schedules for root and a user, and a second run leaves alone', (t) => {
  if (!requireTool(t, 'ansible-playbook') || !requireTool(t, 'crontab') || !requireTool(t, 'setpriv')) return;
  if (!throwAwayUser(t, USER, { home: true })) return;
  assert.equal(existsSync(CRON_PATH), false, `${CRON_PATH} is this test's own`);
  const s = sandbox();
  t.after(() => {
    rmSync(CRON_PATH, { force: true });
    s.cleanup();
  });

  // Ansible's own files stay in the sandbox; nothing is asked of the network.
  const ansibleEnv = {
    PATH: process.env.PATH,
    HOME: s.root,
    LANG: 'C.UTF-8',
    ANSIBLE_HOME: join(s.root, 'ansible'),
    ANSIBLE_LOCAL_TEMP: join(s.root, 'ansible', 'tmp'),
    ANSIBLE_REMOTE_TEMP: join(s.root, 'ansible', 'remote-tmp'),
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
  };
  const ansible = (program: string, args: string[]) => {
    const r = spawnSync(program, ['-c', 'local', '-i', 'localhost,', ...args], { env: ansibleEnv, cwd: s.root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${program} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const vars = { hb: HB_LINE, hb_state_dir: s.state, hb_cron_file: CRON_FILE, app_user: USER, backup_command: '/bin/true', report_command: '/bin/true' };
  const play = () => ansible('ansible-playbook', ['-e', JSON.stringify(vars), PLAYBOOK]);
  const changed = (out: string) => Number(/localhost\s*:.*\bchanged=(\d+)/.exec(out)?.[1]);

  assert.equal(changed(play()), 4, 'the first run writes four entries');
  const system = readFileSync(CRON_PATH, 'utf8');
  assert.match(system, /^#Ansible: backup\n30 2 \* \* \* root \/bin\/true && .* tick backup --state-dir /m);
  const userCrontab = () => spawnSync('crontab', ['-u', USER, '-l'], { encoding: 'utf8' }).stdout;
  assert.match(userCrontab(), /^#Ansible: report\n\*\/10 \* \* \* \* .* wrap --job report -- \/bin\/true$/m);

  // Root: cron's environment, this machine's real crontabs (no HB_CRONTAB_PATHS).
  const rootEnv = { HOME: '/root', LOGNAME: 'root', PATH: '/usr/bin:/bin', SHELL: '/bin/sh', TZ: 'UTC', LANG: 'C.UTF-8' };
  const asRoot = (args: string[]) => hb([...args, '--state-dir', s.state], { env: rootEnv });
  // The user: the same, as that user.
  const setpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).stdout.trim();
  const userEnv = { HOME, LOGNAME: USER, PATH: '/usr/bin:/bin', SHELL: '/bin/sh', TZ: 'UTC', LANG: 'C.UTF-8' };
  const asUser = (args: string[]): Run => hb(args, { env: userEnv, cwd: HOME, prefix: [setpriv, `--reuid=${USER}`, `--regid=${USER}`, '--init-groups'] });
  const readable = spawnSync(setpriv, [`--reuid=${USER}`, `--regid=${USER}`, '--init-groups', 'test', '-r', HB]);
  assert.equal(readable.status, 0, `${HB} must be readable by ${USER} (the user's cron lines run it)`);

  // hb doctor, as root (every crontab, the user's among them) and as the user (its own).
  const spool = `/var/spool/cron/crontabs/${USER}`;
  const doctor = (r: Run) => {
    assert.ok(r.stdout.startsWith('{'), `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as { findings: Finding[]; checked: { crontabs: string[] } };
    // What this machine has besides (no running cron, its own files) is not this test's.
    return {
      read: report.checked.crontabs,
      findings: report.findings.filter((f) => f.file === CRON_PATH || f.file === spool || ['duplicate-check', 'no-check', 'unknown-job'].includes(f.code)),
    };
  };
  const rootDoctor = doctor(asRoot(['doctor', '--json']));
  assert.ok(rootDoctor.read.includes(CRON_PATH) && rootDoctor.read.includes(spool), rootDoctor.read.join(' '));
  assert.deepEqual(rootDoctor.findings, [], "root's check and the user's check two state directories: not one check twice");
  const userDoctor = doctor(asUser(['doctor', '--json']));
  assert.ok(userDoctor.read.includes(spool), userDoctor.read.join(' '));
  assert.deepEqual(userDoctor.findings, []);

  // The jobs run as cron would run them; each check finds their schedules in the crontabs.
  assert.equal(asRoot(['tick', 'backup']).code, 0);
  const wrapped = asUser(['wrap', '--job', 'report', '--', '/bin/true']);
  assert.equal(wrapped.code, 0, wrapped.stderr);
  const job = (r: Run, name: string) => {
    assert.ok(r.stdout.startsWith('{'), `${r.stdout}\n${r.stderr}`);
    return (JSON.parse(r.stdout) as { jobs: Array<{ job: string; status: string; schedule: unknown; schedule_source: string }> }).jobs.find(
      (j) => j.job === name,
    );
  };
  const backup = job(asRoot(['check', '--json']), 'backup');
  assert.deepEqual([backup?.status, backup?.schedule, backup?.schedule_source], ['ok', { cron: '30 2 * * *' }, 'crontab']);
  const report = job(asUser(['check', '--json']), 'report');
  assert.deepEqual([report?.status, report?.schedule, report?.schedule_source], ['ok', { cron: '*/10 * * * *' }, 'crontab']);

  // A job Ansible deployed without hb: adopt leaves it to the playbook and says what to write there.
  const module = (args: object) => ansible('ansible', ['localhost', '-m', 'ansible.builtin.cron', '-a', JSON.stringify(args)]);
  const rotate = { name: 'rotate', user: USER, minute: '5', hour: '4', job: "/usr/bin/find /tmp -maxdepth 1 -name 'hb-rotate-*' -delete" };
  module(rotate);
  const adoptEnv = { ...rootEnv, HB_CRONTAB_PATHS: CRON_PATH };
  const adopt = hb(['crontab', '--adopt', '--apply', '--user', USER, '--state-dir', s.state], { env: adoptEnv });
  assert.equal(adopt.code, 0, adopt.stderr);
  const said =
    /line (\d+) left alone: owned by Ansible \(#Ansible: rotate\), which puts the line back at its next run: change it in the playbook, job: (".*")$/m.exec(
      adopt.stderr,
    );
  assert.ok(said, adopt.stderr);
  assert.match(adopt.stderr, /nothing to adopt/);
  assert.doesNotMatch(userCrontab(), /wrap --job rotate/, 'adopt wrote nothing Ansible would put back');

  // The job: value through Ansible is the line adopt would have written: hb runs it.
  module({ ...rotate, job: JSON.parse(said[2]!) as string });
  const line = userCrontab()
    .split('\n')
    .find((l) => l.startsWith('5 4 * * * '))!;
  assert.match(
    line,
    / wrap --job \S+ --cron '5 4 \* \* \*' --state-dir \S+ -- \/bin\/sh -c '\/usr\/bin\/find \/tmp -maxdepth 1 -name '\\''hb-rotate-\*'\\'' -delete'$/,
  );
  const again = hb(['crontab', '--adopt', '--user', USER, '--state-dir', s.state], { env: adoptEnv });
  assert.doesNotMatch(again.stderr, /owned by Ansible/, again.stderr);
  assert.match(again.stderr, /already run hb/);

  // Ansible finds every one of its entries as it left them.
  const second = play();
  assert.equal(changed(second), 0, second);
  assert.equal(readFileSync(CRON_PATH, 'utf8'), system);
});
