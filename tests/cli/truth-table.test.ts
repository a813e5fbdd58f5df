// The truth table of `hb check` (docs/cli.md, "The truth table"): every state it can report,
// built for real through the built CLI and files, checked in every output format. The rows below
// are the table: the test renders them as markdown and requires docs/cli.md to hold exactly those
// cells, so the doc and the behaviour cannot drift apart.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture, hbRun, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { ALL_STATUSES } from '../../lib/rules/format/prometheus.ts';

type Nagios = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
const NAGIOS_CODE: Record<Nagios, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

/** One row: how the state is made, and what every output says about it. */
interface Row {
  /** The first cell: the status (or the state directory's condition). */
  state: string;
  /** Words for the doc; `make` below does it. */
  how: string;
  /** The job's line in the default (non-verbose) text output; null: no output at all. */
  listed: boolean | null;
  /** The text summary, N standing for the job count; or what stderr says when stdout is empty. */
  summary: string;
  /** A line stderr must also hold (the text check's). */
  stderr?: string;
  /** Exit code of the text, JSON and Prometheus formats (always the same, or the row says so). */
  exit: number;
  nagios: Nagios;
  /** JSON and Prometheus status of job x; null: no job output. */
  status: string | null;
  problem: boolean | null;
  /** Whether a configured sink gets an alert for the job. */
  alert: boolean;
  /** The last run's outcome: Prometheus's `hb_last_run_outcome` sample that is 1 (not a doc cell). */
  outcome?: string;
  /** Set where the behaviour looks like an untruth: the table says what the code does. */
  flag?: string;
  /** The row is about root and a state directory root will not read: JSON and Prometheus name it too. */
  untrusted?: true;
}

const ROWS: Row[] = [
  {
    state: '`ok`',
    how: 'tick now, `every: 1h`',
    listed: false,
    summary: 'all N jobs healthy',
    exit: 0,
    nagios: 'OK',
    status: 'ok',
    problem: false,
    alert: false,
    outcome: 'ok',
  },
  {
    state: '`late`',
    how: 'tick 70m ago, `--every 1h --grace 30m`',
    listed: false,
    summary: 'all N jobs healthy',
    exit: 0,
    nagios: 'WARNING',
    status: 'late',
    problem: false,
    alert: false,
  },
  {
    state: '`stale`',
    how: 'tick 3h ago, `--every 1h`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'stale',
    problem: true,
    alert: true,
  },
  {
    state: '`failed`',
    how: 'tick now, `--status error`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'failed',
    problem: true,
    alert: true,
    outcome: 'failed',
  },
  {
    state: '`failed` (tolerated)',
    how: '`hb wrap` exiting 3, `tolerate: {failed_runs: 2}`',
    listed: false,
    summary: 'all N jobs healthy',
    exit: 0,
    nagios: 'WARNING',
    status: 'failed',
    problem: false,
    alert: false,
    outcome: 'failed',
  },
  {
    state: '`warning`',
    how: '`hb wrap` exiting 24, `warn_codes: [24]`',
    listed: false,
    summary: 'all N jobs healthy; 1 with a warning',
    exit: 0,
    nagios: 'WARNING',
    status: 'warning',
    problem: false,
    alert: false,
    outcome: 'warning',
  },
  {
    state: '`suspicious`',
    how: '`hb wrap` exiting 0 at once, `min_duration: 1h`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'suspicious',
    problem: true,
    alert: true,
    outcome: 'suspicious',
  },
  {
    state: '`slow`',
    how: '`hb wrap` of `true` 5 times, then of `sleep 2`, `baseline: {min_runs: 5}`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'slow',
    problem: true,
    alert: true,
    outcome: 'slow',
  },
  {
    state: '`crashed`',
    how: '`.run` naming a dead pid',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'crashed',
    problem: true,
    alert: true,
  },
  {
    state: '`running`',
    how: '`.run` naming a live pid',
    listed: false,
    summary: 'all N jobs healthy',
    exit: 0,
    nagios: 'OK',
    status: 'running',
    problem: false,
    alert: false,
  },
  {
    state: '`overrunning`',
    how: '`.run` with `timeout_ms` 1m, live pid, checked 10m later',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'overrunning',
    problem: true,
    alert: true,
  },
  {
    state: '`never`',
    how: 'configured, first seen 3h ago, no heartbeat',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'never',
    problem: true,
    alert: true,
  },
  {
    state: '`corrupt`',
    how: 'a truncated JSON `.last`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'corrupt',
    problem: true,
    alert: true,
  },
  {
    state: '`clock_skew`',
    how: 'tick 2h in the future',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'clock_skew',
    problem: true,
    alert: true,
  },
  {
    state: '`paused`',
    how: 'stale, then `hb pause`',
    listed: false,
    summary: 'all N jobs healthy',
    exit: 0,
    nagios: 'OK',
    status: 'paused',
    problem: false,
    alert: false,
  },
  {
    state: '`unscheduled` (default)',
    how: 'tick without a schedule',
    listed: true,
    summary: 'all N jobs healthy; 1 job has no schedule: hb cannot tell when it is late',
    exit: 0,
    nagios: 'WARNING',
    status: 'unscheduled',
    problem: false,
    alert: false,
  },
  {
    state: '`unscheduled` (`unscheduled: problem`)',
    how: 'the same, with the setting',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'unscheduled',
    problem: true,
    alert: true,
  },
  {
    state: '`recovery_failed`',
    how: '`recover:` health `false`, restart `true`, `settle: 0s`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'recovery_failed',
    problem: true,
    alert: true,
  },
  {
    state: '`recovery_exhausted`',
    how: 'the same, `max_restarts: 0/1h`',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'recovery_exhausted',
    problem: true,
    alert: true,
  },
  {
    state: '`recovery_refused`',
    how: 'a guarded file replaced by a directory, health failing',
    listed: true,
    summary: '1 of N jobs unhealthy',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'recovery_refused',
    problem: true,
    alert: true,
  },
  {
    state: 'unreadable state dir',
    how: "root's 0750 dir, checked as another user",
    listed: null,
    summary: 'stdout empty; stderr: cannot read the state directory',
    exit: 2,
    nagios: 'UNKNOWN',
    status: null,
    problem: null,
    alert: false,
  },
  {
    state: 'state dir others can write (root)',
    how: 'mode 0777; root ticks `ok` job x (into its fallback)',
    listed: false,
    summary: 'all N jobs healthy; 1 untrusted state directory not read',
    exit: 1,
    nagios: 'CRITICAL',
    status: 'ok',
    problem: false,
    alert: false,
    untrusted: true,
  },
];

const yes = (b: boolean) => (b ? 'yes' : 'no');
const code = (s: string) => `\`${s}\``;

/** The markdown cells of a row, as docs/cli.md must hold them. */
function cells(r: Row): string[] {
  const job = r.status !== null;
  return [
    r.flag ? `${r.state} ⚠` : r.state,
    r.how,
    r.listed === null ? '—' : yes(r.listed),
    job ? `${code(r.summary)}${r.stderr ? `; stderr: ${code(r.stderr)}` : ''}` : r.summary.replace(/stderr: (.*)$/, (_, s) => `stderr: ${code(s)}`),
    `${r.exit} / ${r.exit} / ${r.exit}`,
    `${r.nagios}, ${NAGIOS_CODE[r.nagios]}`,
    (job ? `${code(r.status!)} / ${code(String(r.problem))}` : 'nothing') + (r.untrusted ? `; ${code('untrusted_state_dirs')} names the dir` : ''),
    (job ? `${code(`hb_job_status{status="${r.status}"} 1`)}, ${code(`hb_problem ${r.problem ? 1 : 0}`)}` : 'nothing') +
      (r.untrusted ? `, ${code('hb_state_dir_untrusted{dir="…"} 1')}` : ''),
    job ? 'the same job samples' : 'not written',
    yes(r.alert),
  ];
}

const DOC = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));

/** The rows of the markdown table under "### The truth table" in docs/cli.md. */
function docRows(): string[][] {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('\n### The truth table\n');
  assert.ok(start >= 0, 'docs/cli.md has a "### The truth table" section');
  const section = text.slice(start + 1).split(/\n#{2,3} /)[0]!;
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim()),
  );
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
const at = (ms: number) => ['faketime', '-f', `@${iso(ms).replace('T', ' ').replace('Z', '')}`];
const MIN = 60_000;
const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** A sandbox for one row: job `x`, a config with a command sink appending to `notes`. */
interface Case {
  s: Sandbox;
  cfg: string;
  notes: string;
  /** Prefix for every check of the row (faketime, another user). */
  prefix?: string[];
  run(args: string[], prefix?: string[]): Promise<Run>;
}

function newCase(jobsYaml: string): Case {
  const s = sandbox();
  mkdirSync(s.state, { recursive: true });
  const cfg = join(s.root, 'hb.yaml');
  const notes = join(s.root, 'notes');
  writeFileSync(cfg, `notify:\n  - command: "cat >> ${notes}"\n${jobsYaml}`);
  s.env.HB_CONFIG = cfg;
  return { s, cfg, notes, run: (args, prefix) => hbRun(args, { env: s.env, prefix }) };
}

const ok = async (c: Case, args: string[], prefix?: string[]) => {
  const r = await c.run(args, prefix);
  assert.ok(r.code === 0, `hb ${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
};

/** A run marker for job x. */
function marker(c: Case, pid: number, startedMs: number, timeoutMs?: number): void {
  const m = {
    job: 'x',
    pid,
    started_at: new Date(startedMs).toISOString(),
    host: hostname(),
    cycle: 2,
    boot_id: null,
    pid_started_ms: null,
    ...(timeoutMs ? { timeout_ms: timeoutMs } : {}),
  };
  writeFileSync(join(c.s.state, 'x.run'), JSON.stringify(m) + '\n');
}

const every1h = 'jobs:\n  x:\n    every: 1h\n';

/** `hb wrap` of job x running `argv`, which must succeed. */
const wrapCommand = async (c: Case, argv: string[]) => {
  const r = await c.run(['wrap', '--job', 'x', '--', ...argv]);
  assert.ok(r.code === 0, `hb wrap ${argv.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
};

/** `hb wrap` of job x exiting `code` (the exit-with fixture), which hb passes on. */
const wrapExit = async (c: Case, code: number) => {
  const r = await c.run(['wrap', '--job', 'x', '--', process.execPath, fixture('exit-with.js'), String(code)]);
  assert.ok(r.code === code, `hb wrap exiting ${code}: exit ${r.code}\n${r.stdout}${r.stderr}`);
};
const recovering = (extra: string) => `jobs:\n  x:\n    every: 1h\n    recover:\n      health: "false"\n      restart: "true"\n      settle: 0s\n${extra}`;

/** Builds each row's state for real; returns the case to check. */
const MAKE: Record<string, () => Promise<Case>> = {
  '`ok`': async () => {
    const c = newCase(every1h);
    await ok(c, ['tick', 'x']);
    return c;
  },
  '`late`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h', '--grace', '30m'], at(Date.now() - 70 * MIN));
    return c;
  },
  '`stale`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h'], at(Date.now() - 180 * MIN));
    return c;
  },
  '`failed`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h', '--status', 'error']);
    return c;
  },
  '`failed` (tolerated)': async () => {
    const c = newCase('jobs:\n  x:\n    every: 1h\n    tolerate: {failed_runs: 2}\n');
    await wrapExit(c, 3);
    return c;
  },
  '`warning`': async () => {
    const c = newCase('jobs:\n  x:\n    every: 1h\n    warn_codes: [24]\n');
    await wrapExit(c, 24);
    return c;
  },
  '`suspicious`': async () => {
    const c = newCase('jobs:\n  x:\n    every: 1h\n    min_duration: 1h\n');
    await wrapExit(c, 0);
    return c;
  },
  '`slow`': async () => {
    const c = newCase('jobs:\n  x:\n    every: 1h\n    baseline: {min_runs: 5}\n');
    // Five runs of a few milliseconds make the band; two seconds is far over its p95 × 3 + 500ms.
    for (let i = 0; i < 5; i++) await wrapCommand(c, ['true']);
    await wrapCommand(c, ['sleep', '2']);
    return c;
  },
  '`crashed`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h']);
    marker(c, spawnSync('true').pid, Date.now());
    return c;
  },
  '`running`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h']);
    marker(c, process.pid, Date.now());
    return c;
  },
  '`overrunning`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h']);
    const now = Date.now();
    marker(c, process.pid, now, MIN);
    c.prefix = at(now + 10 * MIN);
    return c;
  },
  '`never`': async () => {
    const c = newCase(every1h);
    await ok(c, ['check', '--no-notify'], at(Date.now() - 180 * MIN));
    return c;
  },
  '`corrupt`': async () => {
    const c = newCase('');
    writeFileSync(join(c.s.state, 'x.last'), '{"v":1,"job":"x",');
    return c;
  },
  '`clock_skew`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h'], at(Date.now() + 120 * MIN));
    return c;
  },
  '`paused`': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x', '--every', '1h'], at(Date.now() - 180 * MIN));
    await ok(c, ['pause', 'x']);
    return c;
  },
  '`unscheduled` (default)': async () => {
    const c = newCase('');
    await ok(c, ['tick', 'x']);
    return c;
  },
  '`unscheduled` (`unscheduled: problem`)': async () => {
    const c = newCase('unscheduled: problem\n');
    await ok(c, ['tick', 'x']);
    return c;
  },
  '`recovery_failed`': async () => {
    const c = newCase(recovering(''));
    await ok(c, ['tick', 'x']);
    return c;
  },
  '`recovery_exhausted`': async () => {
    const c = newCase(recovering('      max_restarts: 0/1h\n'));
    await ok(c, ['tick', 'x']);
    return c;
  },
  '`recovery_refused`': async () => {
    const s0 = newCase('');
    const guarded = join(s0.s.root, 'agent.json');
    const healthy = join(s0.s.root, 'healthy');
    writeFileSync(guarded, '{"good": true}\n');
    writeFileSync(healthy, '');
    writeFileSync(
      s0.cfg,
      `notify:\n  - command: "cat >> ${s0.notes}"\njobs:\n  x:\n    every: 1h\n    recover:\n      health: "test -e ${healthy}"\n      config: [${guarded}]\n      restart: "true"\n      settle: 0s\n`,
    );
    await ok(s0, ['tick', 'x']);
    await ok(s0, ['check']);
    rmSync(guarded);
    mkdirSync(guarded);
    rmSync(healthy);
    return s0;
  },
  'unreadable state dir': async () => {
    const c = newCase(every1h);
    await ok(c, ['tick', 'x']);
    chmodSync(c.s.root, 0o755);
    chmodSync(c.s.state, 0o750);
    chmodSync(c.cfg, 0o644);
    c.s.env.HOME = '/nonexistent';
    c.prefix = asNobody;
    return c;
  },
  'state dir others can write (root)': async () => {
    const c = newCase(every1h);
    chmodSync(c.s.state, 0o777);
    await ok(c, ['tick', 'x']);
    return c;
  },
};

/** The job-labelled samples of x that do not depend on the instant of the check. */
const samplesOf = (prom: string) => prom.split('\n').filter((l) => l.includes('hb_job="x"') && !l.startsWith('hb_age_seconds'));

/** The row's summary as a pattern: N is any count, and "jobs" may be "job". */
const summaryPattern = (summary: string) =>
  new RegExp(
    `^${summary
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\bN jobs\b/g, '\\d+ jobs?')
      .replace(/\bN\b/g, '\\d+')}$`,
    'm',
  );

describe('the truth table of hb check', { concurrency: 3 }, () => {
  it('docs/cli.md holds exactly the rows this test checks', () => {
    const expected = ROWS.map(cells);
    const doc = docRows();
    assert.deepEqual(doc, expected, `docs/cli.md must read:\n${expected.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  });

  for (const row of ROWS) {
    it(row.state, async (t) => {
      if (!requireTool(t, 'faketime') || !requireTool(t, 'setpriv')) return;
      // The state directory rows are about root's directory, and another user reading it.
      if ((row.listed === null || row.untrusted) && process.getuid?.() !== 0) return t.skip('needs root');
      const c = await MAKE[row.state]!();
      t.after(() => c.s.cleanup());
      const p = c.prefix;
      const quiet = ['--no-notify', '--no-recover'];
      const textfile = join(c.s.root, 'hb.prom');

      // The acting check first: recovery runs and alerts go out here, once.
      const text = await c.run(['check'], p);
      const all = `${text.stdout}${text.stderr}`;
      assert.equal(text.code, row.exit, `text exit\n${all}`);
      if (row.listed === null) {
        assert.equal(text.stdout, '', 'nothing on stdout');
        assert.match(text.stderr, new RegExp(row.summary.replace(/^.*stderr: /, '')));
      } else {
        assert.equal(/^x\s/m.test(text.stdout), row.listed, `x listed without --verbose\n${all}`);
        assert.match(text.stdout, summaryPattern(row.summary), all);
        if (row.stderr) assert.ok(text.stderr.includes(row.stderr), text.stderr);
        if (row.untrusted)
          assert.match(text.stdout, new RegExp(`^${c.s.state}  UNTRUSTED  not read by root: it is writable by group and others \\(mode 0777\\)`, 'm'), all);
      }

      const json = await c.run(['check', '--json', ...quiet], p);
      let reason = '';
      assert.equal(json.code, row.exit, `json exit\n${json.stdout}${json.stderr}`);
      if (row.status === null) assert.equal(json.stdout, '');
      else {
        const x = JSON.parse(json.stdout).jobs.find((j: { job: string }) => j.job === 'x');
        assert.deepEqual([x.status, x.problem], [row.status, row.problem], json.stdout);
        reason = x.reason;
        if (row.untrusted)
          assert.deepEqual(
            JSON.parse(json.stdout).untrusted_state_dirs.map((u: { dir: string }) => u.dir),
            [c.s.state],
          );
      }

      const nagios = await c.run(['check', '--format', 'nagios', ...quiet], p);
      assert.equal(nagios.code, NAGIOS_CODE[row.nagios], nagios.stdout + nagios.stderr);
      assert.match(nagios.stdout, new RegExp(`^HB ${row.nagios} - ${row.status === null ? row.summary.replace(/^.*stderr: /, '') : ''}`));
      // A run's outcome reaches the plugin's long output with the verdict's reason, which quotes the run's.
      if (row.outcome && row.outcome !== 'ok') {
        // Checks a moment apart: "850ms ago" and "1s ago", "due in 1h" and "in 59m59s" are the same words.
        const words = reason
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\d[\d\\.]*(?:ms|[smhd])(?:\d[\d\\.]*(?:ms|[smh]))*/g, '[\\d.]+\\w+?(?:[\\d.]+\\w+?)*');
        assert.match(nagios.stdout, new RegExp(`\n${row.nagios} x ${row.status} - ${words}\n`), `${reason}\n${nagios.stdout}`);
      }

      const prom = await c.run(['check', '--format', 'prometheus', ...quiet], p);
      assert.equal(prom.code, row.exit, `prometheus exit\n${prom.stdout}${prom.stderr}`);
      const withFile = await c.run(['check', '--textfile', textfile, ...quiet], p);
      assert.equal(withFile.code, row.exit, `--textfile exit\n${withFile.stdout}${withFile.stderr}`);
      if (row.status === null) {
        assert.equal(prom.stdout, '');
        assert.equal(existsSync(textfile), false, 'no textfile');
      } else {
        const status = prom.stdout.split('\n').filter((l) => l.startsWith('hb_job_status{hb_job="x",'));
        assert.equal(status.length, ALL_STATUSES.length, 'one sample per status');
        assert.deepEqual(
          status.filter((l) => l.endsWith(' 1')),
          [`hb_job_status{hb_job="x",status="${row.status}"} 1`],
          'one-hot',
        );
        assert.ok(prom.stdout.includes(`\nhb_problem{hb_job="x"} ${row.problem ? 1 : 0}\n`), prom.stdout);
        if (row.untrusted) assert.ok(prom.stdout.includes(`\nhb_state_dir_untrusted{dir="${c.s.state}"} 1\n`), prom.stdout);
        if (row.outcome) {
          const outcome = prom.stdout.split('\n').filter((l) => l.startsWith('hb_last_run_outcome{hb_job="x",') && l.endsWith(' 1'));
          assert.deepEqual(outcome, [`hb_last_run_outcome{hb_job="x",outcome="${row.outcome}"} 1`], prom.stdout);
        }
        assert.deepEqual(samplesOf(readFileSync(textfile, 'utf8')), samplesOf(prom.stdout), 'the textfile holds the same job samples');
      }

      const alerts = existsSync(c.notes)
        ? readFileSync(c.notes, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .filter((n) => n.type === 'alert' && n.job === 'x')
        : [];
      assert.equal(alerts.length, row.alert ? 1 : 0, `alerts: ${JSON.stringify(alerts)}`);
      if (row.alert) assert.equal(alerts[0].status, row.status);
    });
  }
});
