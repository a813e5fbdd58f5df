// hb under the real Debian cron daemon: the block `hb crontab --file` writes and a line that
// `hb crontab --adopt --apply` rewrote run with cron's own bare environment; a wrapped run killed
// mid-way is reported crashed at once, and the next run cron starts notices the crash and heals.
// Real cron fires only on minute boundaries, so everything happens in two waits of about a minute.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, readEventsFile, readJson, requireTool, sandbox, waitFor, type Run, type Sandbox } from '../helpers.ts';
import { ensureCron, runningCron, type CronDaemon } from '../cron-daemon.ts';

const CRON_D = '/etc/cron.d';
// No dot: cron silently ignores /etc/cron.d files whose names hold one.
const BLOCK_FILE = join(CRON_D, `hb-systest-${process.pid}`);
const WRAP_FILE = join(CRON_D, `hb-systest-wrap-${process.pid}`);
// One cron wake-up is at most a minute away, plus the 1–2 s cron takes to start its jobs.
const CRON_WAKE_MS = 70_000;

// Cleanup runs whatever the assertions did: files first, so cron starts nothing new.
let box: Sandbox | null = null;
let cron: CronDaemon | null = null;
const killed: number[] = [];
after(async () => {
  rmSync(BLOCK_FILE, { force: true });
  rmSync(WRAP_FILE, { force: true });
  await cron?.stop();
  if (box) {
    killLeftovers(box.root);
    box.cleanup();
  }
});

const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The /proc/<pid>/stat state letter, or null when there is no such process. */
function procState(pid: number): string | null {
  const stat = read(`/proc/${pid}/stat`);
  return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null) : null;
}
const alive = (pid: number): boolean => {
  const s = procState(pid);
  return s !== null && s !== 'Z' && s !== 'X';
};
const cmdline = (pid: number): string[] => read(`/proc/${pid}/cmdline`).split('\0').filter(Boolean);

function kill(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills whatever still runs from the sandbox (a run cron started while the test ended), with its group. */
function killLeftovers(root: string): void {
  for (const target of killed) kill(-target);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || !cmdline(pid).some((a) => a.includes(root))) continue;
    kill(-pid); // a job hb wrap started leads its own process group
    kill(pid);
  }
}

/** One job's entry in `hb check --json`. */
interface CheckedJob {
  job: string;
  status: string;
  problem: boolean;
  reason: string;
}

function check(s: Sandbox, cfg: string): { run: Run; jobs: Map<string, CheckedJob> } {
  const run = hb(['check', '--json', '--config', cfg, '--state-dir', s.state], { env: s.env });
  let jobs = new Map<string, CheckedJob>();
  try {
    jobs = new Map((JSON.parse(run.stdout).jobs as CheckedJob[]).map((j) => [j.job, j]));
  } catch {
    assert.fail(`hb check --json printed no JSON\n${show(run)}`);
  }
  return { run, jobs };
}

describe('hb under the real cron daemon', () => {
  it(
    "runs the generated block and an adopted line with cron's environment; a killed wrapped run is crashed, then healed by the next one",
    { timeout: 180_000 },
    async (t) => {
      if (!requireTool(t, 'cron')) return;
      assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
      const s = (box = sandbox());
      const hbPath = realpathSync(HB);
      const cfg = join(s.root, 'hb.yaml');
      const envDump = join(s.root, 'tick-env.txt');
      writeFileSync(
        cfg,
        ['jobs:', '  beat:', '    every: 1m', '  envdump:', '    every: 1m', `    command: ${JSON.stringify(`env > ${envDump}`)}`, ''].join('\n'),
      );

      // An existing cron job: the first run records its pid and environment and hangs (to be
      // killed); later runs say what hb told them about the previous run and finish at once.
      const script = join(s.root, 'sync.sh');
      writeFileSync(
        script,
        [
          '#!/bin/sh',
          `cd ${s.root} || exit 1`,
          'n=$(cat count 2>/dev/null || echo 0)',
          'n=$((n + 1))',
          'echo "$n" > count',
          'echo "run $n prev=$HB_PREV_STATUS" >> runs',
          'if [ "$n" = 1 ]; then',
          '  env > job-env.txt',
          '  echo $$ > job.pid.tmp && mv job.pid.tmp job.pid',
          '  sleep 300',
          'fi',
          'exit 0',
          '',
        ].join('\n'),
      );
      chmodSync(script, 0o755);

      const cronAlready = runningCron();
      // A running cron reads /etc/cron.d at each wake-up: keep the unwrapped line out of its sight
      // by writing and adopting it well clear of a minute boundary.
      if (cronAlready && new Date().getSeconds() >= 55)
        await waitFor(() => new Date().getSeconds() >= 3 && new Date().getSeconds() < 50, 'the minute boundary to pass', 10_000);

      // The block, generated by the CLI.
      const gen = hb(['crontab', '--file', BLOCK_FILE, '--user', 'root', '--config', cfg, '--state-dir', s.state], { env: s.env });
      assert.equal(gen.code, 0, show(gen));
      const block = readFileSync(BLOCK_FILE, 'utf8');
      assert.equal(statSync(BLOCK_FILE).mode & 0o7777, 0o644, block);
      assert.ok(block.endsWith('\n'), 'cron ignores a file without a final newline');
      const tail = `--config ${cfg} --state-dir ${s.state}`;
      for (const cmd of ['tick beat', 'tick envdump', 'check']) {
        const line = block.split('\n').find((l) => l.includes(` ${hbPath} ${cmd} `));
        assert.ok(line, `no line running hb ${cmd} in\n${block}`);
        assert.ok(line.startsWith('* * * * * ') && line.includes(` root ${process.execPath} ${hbPath} ${cmd} ${tail}`), `unexpected line: ${line}`);
      }

      // The existing job, adopted by the CLI.
      writeFileSync(WRAP_FILE, `* * * * * root ${script}\n`, { mode: 0o644 });
      const adopt = hb(['crontab', '--adopt', '--apply', '--crontab', WRAP_FILE, '--system', '--config', cfg, '--state-dir', s.state], { env: s.env });
      assert.equal(adopt.code, 0, show(adopt));
      const adopted = readFileSync(WRAP_FILE, 'utf8');
      assert.equal(statSync(WRAP_FILE).mode & 0o7777, 0o644, adopted);
      assert.ok(adopted.endsWith('\n'), 'cron ignores a file without a final newline');
      const wrapped = /^\* \* \* \* \* root (\S+) (\S+) wrap --job (\S+) --cron '\* \* \* \* \*' (.*) -- (\S+)\n$/.exec(adopted);
      assert.ok(wrapped, `the adopted file does not run the job through hb wrap:\n${adopted}`);
      assert.deepEqual([wrapped[1], wrapped[2], wrapped[4], wrapped[5]], [process.execPath, hbPath, tail, script], adopted);
      const job = wrapped[3]!;

      cron = await ensureCron();
      t.diagnostic(`cron pid ${cron.pid} (${cron.ours ? 'started by this test' : 'already running'})`);

      // --- First wake-up: every line runs; the wrapped job hangs in its first run.
      const state = (name: string) => join(s.state, name);
      const runMarker = () => (existsSync(state(`${job}.run`)) ? readJson(state(`${job}.run`)) : null);
      const progress = () =>
        `after ${Math.round((Date.now() - t0) / 1000)} s: beat.last ${existsSync(state('beat.last'))}, hb-check.last ${existsSync(state('hb-check.last'))}, ` +
        `${envDump} ${existsSync(envDump)}, job.pid ${existsSync(join(s.root, 'job.pid'))}, ${job}.run ${JSON.stringify(runMarker())}, runs ${JSON.stringify(read(join(s.root, 'runs')))}`;
      const t0 = Date.now();
      await waitFor(
        () =>
          existsSync(state('beat.last')) &&
          existsSync(state('hb-check.last')) &&
          read(envDump).includes('\nHB_JOB=envdump\n') &&
          existsSync(join(s.root, 'job.pid')) &&
          typeof runMarker()?.child_pid === 'number',
        'cron to run the hb lines and the wrapped job',
        CRON_WAKE_MS,
      ).catch((e) => assert.fail(`${e}\n${progress()}\ncron.d files:\n${block}${adopted}cron's stderr:\n${cron?.stderr() ?? ''}`));
      t.diagnostic(`first cron run seen ${Math.round((Date.now() - t0) / 1000)} s after cron was ready`);
      t.diagnostic(`environment of hb tick under cron: ${read(envDump).trim().split('\n').sort().join(' ')}`);

      // cron's environment, as the configured job and the wrapped one saw it: absolute paths are
      // all that made hb start.
      for (const [what, text] of [
        ['hb tick envdump', read(envDump)],
        ['the wrapped job', read(join(s.root, 'job-env.txt'))],
      ] as const) {
        const vars = new Map(
          text
            .split('\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        assert.equal(vars.get('PATH'), '/usr/bin:/bin', `${what} ran with\n${text}`);
        assert.equal(vars.get('SHELL'), '/bin/sh', `${what} ran with\n${text}`);
        assert.equal(vars.get('LOGNAME'), 'root', `${what} ran with\n${text}`);
        assert.equal(vars.has('TZ'), false, `${what} ran with\n${text}`);
        assert.equal(vars.has('HB_CRONTAB_PATHS'), false, `${what} ran with the test's environment, not cron's:\n${text}`);
      }
      assert.match(read(join(s.root, 'job-env.txt')), new RegExp(`^HB_JOB=${job}$`, 'm'));
      assert.equal(read(join(s.root, 'runs')), 'run 1 prev=none\n');

      const beat = readJson(state('beat.last'));
      assert.equal(beat.job, 'beat');
      assert.equal(beat.status, 'ok');
      assert.deepEqual(beat.schedule, { every: '1m' });
      assert.equal(readJson(state('hb-check.last')).job, 'hb-check');

      // --- The crash: kill -9 the hb wrap process and the job's whole process group.
      const marker = runMarker();
      const wrapPid: number = marker.pid;
      const jobPid = Number(read(join(s.root, 'job.pid')).trim());
      assert.equal(marker.child_pid, jobPid, 'the run marker names the job process');
      const wrapArgv = cmdline(wrapPid);
      assert.deepEqual(
        wrapArgv.slice(1, 5),
        [hbPath, 'wrap', '--job', job],
        `pid ${wrapPid} of the run marker is not the hb wrap process: ${wrapArgv.join(' ')}`,
      );
      killed.push(jobPid); // its group, should the test stop before the kill below
      process.kill(wrapPid, 'SIGKILL');
      process.kill(-jobPid, 'SIGKILL'); // the job leads its own group (hb wrap's doing): sh and its sleep
      await waitFor(() => !alive(wrapPid) && !alive(jobPid), 'the killed processes to die', 5_000);
      killed.pop();

      const crashed = check(s, cfg);
      assert.equal(crashed.run.code, 1, show(crashed.run));
      assert.equal(crashed.jobs.get(job)?.status, 'crashed', show(crashed.run));
      assert.equal(crashed.jobs.get('beat')?.status, 'ok', show(crashed.run));
      assert.equal(crashed.jobs.get('envdump')?.status, 'ok', show(crashed.run));

      // --- Second wake-up: the next wrapped run notices the crash and succeeds.
      const t1 = Date.now();
      const finished = () => existsSync(state('events.jsonl')) && readEventsFile(s.state).some((e) => e.job === job && e.type === 'run_finished');
      await waitFor(() => finished() && !existsSync(state(`${job}.run`)), `cron to run ${job} again`, CRON_WAKE_MS).catch((e) =>
        assert.fail(
          `${e}\nruns: ${JSON.stringify(read(join(s.root, 'runs')))}\n${job}.run: ${JSON.stringify(runMarker())}\nevents:\n${read(state('events.jsonl'))}`,
        ),
      );
      t.diagnostic(`second wrapped run finished ${Math.round((Date.now() - t1) / 1000)} s after the kill`);
      assert.equal(read(join(s.root, 'runs')), 'run 1 prev=none\nrun 2 prev=crashed\n');

      const healed = readJson(state(`${job}.last`));
      assert.equal(healed.status, 'ok');
      assert.equal(healed.exit_code, 0);
      assert.equal(healed.schedule?.cron, '* * * * *');
      assert.equal(typeof healed.schedule?.tz, 'string', 'a cron schedule is stored with its zone');
      assert.deepEqual(healed.previous, { status: 'crashed', cycle: marker.cycle, started_at: marker.started_at, pid: wrapPid });
      assert.ok(healed.cycle > marker.cycle, `cycle ${healed.cycle} after the crashed ${marker.cycle}`);
      const events = readEventsFile(s.state).filter((e) => e.job === job);
      const detected = events.find((e) => e.type === 'crash_detected');
      assert.ok(detected, `no crash_detected event:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
      assert.equal(detected.pid, wrapPid);
      assert.equal(detected.cycle, marker.cycle);

      const ok = check(s, cfg);
      assert.equal(ok.jobs.get(job)?.status, 'ok', show(ok.run));
      assert.equal(ok.run.code, 0, show(ok.run));
    },
  );
});
