// cron_log evidence from a real cron daemon's log through a real syslog daemon: the shared Debian
// cron (cron -L 15) starts an /etc/cron.d line whose command names a job but fails before hb
// runs, busybox syslogd writes what cron logs to a file, and hb check, told that file is cron's
// log, says cron started the job and no heartbeat followed; for a job cron has no line for, it
// says the log has no run of it since it was due.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';
import { ensureCron, placeCronFile, type CronDaemon } from '../cron-daemon.ts';

const BROKEN = `evlog-broken-${process.pid}`;
const IDLE = `evlog-idle-${process.pid}`;
// No dot in the name: cron ignores /etc/cron.d files whose names hold one.
const CRON_FILE = `/etc/cron.d/hb-systest-evlog-${process.pid}`;
const DEV_LOG = '/dev/log';

let box: Sandbox | null = null;
let cron: CronDaemon | null = null;
let syslogd: ChildProcess | null = null;
// The inode of the /dev/log socket our syslogd made: only that one is removed.
let ourSocket: number | null = null;
after(async () => {
  rmSync(CRON_FILE, { force: true });
  if (syslogd && syslogd.exitCode === null && syslogd.signalCode === null) {
    const gone = new Promise((resolve) => syslogd!.once('exit', resolve));
    syslogd.kill('SIGTERM');
    await gone;
  }
  try {
    if (ourSocket !== null && statSync(DEV_LOG).ino === ourSocket) rmSync(DEV_LOG);
  } catch {
    // Already gone.
  }
  await cron?.stop();
  box?.cleanup();
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

test(
  'cron started a job whose command fails before hb: hb check reads it in cron’s log; a job cron has no line for has no run since it was due',
  { timeout: 330_000 },
  async (t) => {
    if (!requireTool(t, 'cron') || !requireTool(t, 'busybox')) return;
    if (process.getuid?.() !== 0) {
      if (process.env.HB_REQUIRE_SYSTEM) throw new Error('this system test places a file in /etc/cron.d and makes /dev/log: run it as root');
      t.skip('needs root');
      return;
    }
    const s = (box = sandbox());
    chmodSync(s.root, 0o755);
    const log = join(s.root, 'syslog');

    // Another test's syslogd may hold /dev/log for a while: wait for it to go, never take it over.
    await waitFor(() => !existsSync(DEV_LOG), `${DEV_LOG} to be free (another syslog daemon holds it)`, 150_000);
    let stderr = '';
    syslogd = spawn('busybox', ['syslogd', '-n', '-O', log], { stdio: ['ignore', 'ignore', 'pipe'] });
    syslogd.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await waitFor(
      () => syslogd!.exitCode !== null || (existsSync(DEV_LOG) && statSync(DEV_LOG).isSocket() && read(log).includes('syslogd started')),
      'busybox syslogd to listen on /dev/log',
      10_000,
    );
    assert.equal(syslogd.exitCode, null, `busybox syslogd exited: ${stderr}`);
    ourSocket = statSync(DEV_LOG).ino;
    cron = await ensureCron();

    // Both jobs beat once now, after the log began: each is due within the next minute.
    const env = s.env;
    assert.equal(hb(['tick', BROKEN, '--cron', '* * * * *', '--grace', '1s'], { env }).code, 0);
    assert.equal(hb(['tick', IDLE, '--every', '1m', '--grace', '1s'], { env }).code, 0);
    const idleDeadline = Date.now() + 61_000;
    await placeCronFile(CRON_FILE, `* * * * * root /nonexistent/hb wrap --job ${BROKEN} -- true\n`);

    // Two runs of the line: the second is after IDLE was due, so the log was written past that.
    const runs = () =>
      read(log)
        .split('\n')
        .filter((l) => l.includes(`CMD (`) && l.includes(`--job ${BROKEN} `)).length;
    await waitFor(() => runs() >= 2, `cron to start ${BROKEN} twice (log so far:\n${read(log).slice(-2000)})`, 200_000);
    await waitFor(() => Date.now() > idleDeadline + 1_000, `${IDLE}'s deadline to pass`, 10_000);

    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, `cron_log: ${log}\n`);
    const check = hb(['check', '--json', '--config', config, BROKEN, IDLE], { env });
    assert.equal(check.code, 1, check.stderr);
    const jobs = new Map(
      (
        JSON.parse(check.stdout) as {
          jobs: { job: string; status: string; evidence: { kind: string; weight: string; text: string; facts: Record<string, unknown> }[] }[];
        }
      ).jobs.map((j) => [j.job, j]),
    );
    const logged = (job: string) => jobs.get(job)!.evidence.filter((e) => e.kind === 'cron_log');

    assert.equal(jobs.get(BROKEN)?.status, 'stale');
    const [started] = logged(BROKEN);
    assert.equal(started?.weight, 'cause', JSON.stringify(jobs.get(BROKEN)!.evidence));
    assert.match(
      started.text,
      /^cron started it at \d\d:\d\d UTC \(pid \d+\)(, it exited 127)? but no heartbeat followed: the command failed before hb ran \(run it by hand as root\)$/,
    );
    assert.equal(started.facts.source, log);
    assert.equal(started.facts.user, 'root');

    assert.equal(jobs.get(IDLE)?.status, 'stale');
    const [none] = logged(IDLE);
    assert.ok(none, JSON.stringify(jobs.get(IDLE)!.evidence));
    assert.match(
      none.text,
      new RegExp(`^cron's log \\(${log.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) has no run of it since it was due at \\d\\d:\\d\\d UTC`),
    );
    assert.equal(none.facts.runs_seen, 0);
  },
);
