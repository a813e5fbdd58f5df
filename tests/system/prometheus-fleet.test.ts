// The fleet view against real servers: three node_exporters, each serving the textfile the built
// `hb check --textfile` wrote over its own state directory (A all ok, B a job that exited 3, C a
// job that missed its run), one Prometheus scraping them; `hb status --prometheus` and `hb report
// --prometheus` read every host and job back, blockers first. Then one exporter stops, and its
// host becomes a blocker whose jobs are unknown, rather than vanishing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hb, hbRun, requireTool, sandbox, type Run, type Sandbox } from '../helpers.ts';
import { query, startNodeExporter, startPrometheus, waitForSeries } from '../prom-stack.ts';

interface Host {
  name: string;
  box: Sandbox;
  textfiles: string;
}

const ok = (r: Run, what: string) => assert.ok(r.code === 0 || r.code === 1, `${what}: exit ${r.code}\n${r.stderr}`);

/** A host's state directory with `setup` run in it, and the textfile its hb check wrote. */
function host(t: { after(fn: () => void): void }, name: string, setup: (env: NodeJS.ProcessEnv) => void): Host {
  const box = sandbox();
  t.after(() => box.cleanup());
  const textfiles = join(box.root, 'textfile');
  mkdirSync(textfiles);
  setup(box.env);
  ok(hb(['check', '--textfile', join(textfiles, 'hb.prom')], { env: box.env }), `hb check on ${name}`);
  return { name, box, textfiles };
}

/** Rows in the view's order of hosts (by name; the ports are random), keeping their order within a host. */
const byHost = <T extends [string, ...unknown[]]>(rows: T[]): T[] => [...rows].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

const json = (r: Run) => {
  assert.equal(r.code, 0, `exit 0 expected, found ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as {
    summary: Record<string, number>;
    hosts: Array<{ host: string; state: string; blocker: boolean; up: boolean | null; jobs: number }>;
    jobs: Array<{
      host: string;
      job: string;
      status: string;
      last_known_status: string | null;
      problem: boolean;
      blocker: boolean;
      reason_class: string | null;
      exit_code: number | null;
      unknown_since: string | null;
    }>;
  };
};

describe('hb status and hb report --prometheus over a real Prometheus and three node_exporters', () => {
  it('show every host and job with status, exit and reason class, blockers first; a stopped exporter makes its host a blocker', async (t) => {
    if (!requireTool(t, 'prometheus') || !requireTool(t, 'prometheus-node-exporter') || !requireTool(t, 'faketime')) return;
    const a = host(t, 'A', (env) => {
      ok(hb(['tick', 'backup', '--every', '1h'], { env }), 'tick');
      ok(hb(['wrap', '--job', 'sync', '--every', '15m', '--', 'true'], { env }), 'wrap');
    });
    const b = host(t, 'B', (env) => {
      assert.equal(hb(['wrap', '--job', 'backup', '--every', '1h', '--', 'sh', '-c', 'exit 3'], { env }).code, 3);
      ok(hb(['tick', 'logs', '--every', '1h'], { env }), 'tick');
    });
    const c = host(t, 'C', (env) => {
      // A heartbeat three hours old on an hourly job: stale.
      assert.equal(hb(['tick', 'report', '--every', '1h'], { env, prefix: ['faketime', '-f', '-3h'] }).code, 0);
      ok(hb(['tick', 'web', '--every', '1h'], { env }), 'tick');
    });
    const exporters = await Promise.all([a, b, c].map((h) => startNodeExporter(t, h.textfiles)));
    const [ta, tb, tc] = exporters.map((e) => e.target) as [string, string, string];
    const prom = await startPrometheus(t, { targets: [ta, tb, tc] });
    await waitForSeries(prom.url, 'hb_check_timestamp_seconds', 3);
    await waitForSeries(prom.url, 'hb_job_reason_info', 6);
    const scratch = mkdtempSync(join(tmpdir(), 'hb-fleet-'));
    t.after(() => rmSync(scratch, { recursive: true, force: true }));
    const env = { ...a.box.env, HB_STATE_DIR: join(scratch, 'viewer-state') };

    const view = json(await hbRun(['status', '--prometheus', prom.url, '--json'], { env }));
    assert.deepEqual(
      view.hosts.map((h) => [h.host, h.state, h.jobs]),
      byHost([
        [ta, 'ok', 2],
        [tb, 'ok', 2],
        [tc, 'ok', 2],
      ]),
    );
    const row = (hostName: string, job: string) => view.jobs.find((j) => j.host === hostName && j.job === job);
    assert.deepEqual(
      view.jobs.map((j) => [j.host, j.job, j.status, j.reason_class, j.exit_code, j.blocker]),
      [
        // Blockers first, worst first: a failed run before a missed one; then the rest by host.
        [tb, 'backup', 'failed', 'exit_code', 3, true],
        [tc, 'report', 'stale', 'missed', 0, true],
        ...byHost([
          [ta, 'backup', 'ok', 'none', 0, false],
          [ta, 'sync', 'ok', 'none', 0, false],
          [tb, 'logs', 'ok', 'none', 0, false],
          [tc, 'web', 'ok', 'none', 0, false],
        ]),
      ],
    );
    assert.equal(row(tb, 'backup')!.problem, true);
    assert.deepEqual([view.summary.hosts, view.summary.jobs, view.summary.problems, view.summary.blockers], [3, 6, 2, 2]);

    const text = await hbRun(['status', '--prometheus', prom.url], { env });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.split('\n');
    assert.equal(lines[0], '3 hosts, 6 jobs: 2 blockers');
    assert.match(lines[1]!, new RegExp(`^  ${tb} backup: failed \\(exit_code\\), exit 3, last run `));
    assert.match(lines[2]!, new RegExp(`^  ${tc} report: stale \\(missed\\), exit 0, last run 3h`));
    for (const target of [ta, tb, tc]) assert.ok(text.stdout.includes(`\n${target}  ok: checked `), `a section for ${target}:\n${text.stdout}`);

    const report = await hbRun(['report', '--prometheus', prom.url], { env });
    assert.equal(report.code, 0, report.stderr);
    const md = report.stdout;
    assert.ok(md.startsWith('# hb fleet report: 2 blockers, 3 hosts, 6 jobs, 2 with a problem\n'), md);
    const blockers = md.slice(md.indexOf('## Blockers'), md.indexOf('## Hosts'));
    assert.ok(blockers.indexOf(`**${tb} backup**: failed (exit\\_code), exit 3`) > 0, blockers);
    assert.ok(blockers.indexOf(`**${tb} backup**`) < blockers.indexOf(`**${tc} report**: stale (missed)`), blockers);
    for (const target of [ta, tb, tc]) assert.ok(md.includes(`| ${target} | ok |`), `host row of ${target}`);
    const reportJson = JSON.parse((await hbRun(['report', '--prometheus', prom.url, '--format', 'json'], { env })).stdout) as {
      blockers: Array<{ host: string; job: string | null }>;
      jobs: Array<{ host: string; job: string; status: string }>;
    };
    assert.deepEqual(
      reportJson.blockers.map((x) => [x.host, x.job]),
      [
        [tb, 'backup'],
        [tc, 'report'],
      ],
    );
    assert.equal(reportJson.jobs.length, 6);
    const page = join(scratch, 'fleet.html');
    const html = await hbRun(['report', '--prometheus', prom.url, '--format', 'html', '--output', page], { env });
    assert.deepEqual([html.code, html.stdout], [0, ''], html.stderr);
    const written = readFileSync(page, 'utf8');
    assert.ok(written.indexOf('<h2>Blockers</h2>') < written.indexOf(`<b>${tb} backup</b>`), 'the HTML report opens with the blockers');
    for (const target of [ta, tb, tc]) assert.ok(written.includes(`<td>${target}</td><td>ok</td>`), `host row of ${target} in the HTML report`);

    // A check that stopped writing while node_exporter serves its old file: every host's check is
    // older than a millisecond, so each is a blocker and none of its jobs reads as ok.
    const staleChecks = json(await hbRun(['status', '--prometheus', prom.url, '--json', '--stale-after', '1ms'], { env }));
    assert.deepEqual(
      staleChecks.hosts.map((h) => h.state),
      ['stale_check', 'stale_check', 'stale_check'],
    );
    assert.ok(
      staleChecks.jobs.every((j) => j.status === 'unknown' && j.blocker),
      JSON.stringify(staleChecks.jobs),
    );

    // Host C's exporter stops: the next scrape fails, and C becomes a blocker rather than vanishing.
    await exporters[2]!.stop();
    for (const end = Date.now() + 30_000; ;) {
      const up = await query(prom.url, `up{instance="${tc}"}`);
      if (up[0]?.value[1] === '0') break;
      assert.ok(Date.now() < end, `Prometheus did not see ${tc} down within 30 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const down = json(await hbRun(['status', '--prometheus', prom.url, '--json'], { env }));
    assert.deepEqual(
      down.hosts.map((h) => [h.host, h.state, h.blocker, h.up]),
      [
        [tc, 'down', true, false],
        ...byHost([
          [ta, 'ok', false, true],
          [tb, 'ok', false, true],
        ]),
      ],
    );
    assert.deepEqual(
      down.jobs.slice(0, 3).map((j) => [j.host, j.job, j.status, j.last_known_status, j.blocker, j.unknown_since !== null]),
      [
        [tc, 'report', 'unknown', 'stale', true, true],
        [tc, 'web', 'unknown', 'ok', true, true],
        [tb, 'backup', 'failed', 'failed', true, false],
      ],
    );
    assert.equal(down.jobs.length, 6);
    const downText = await hbRun(['status', '--prometheus', prom.url], { env });
    assert.match(downText.stdout.split('\n')[1]!, new RegExp(`^  ${tc}  DOWN: the scrape fails \\(up == 0\\); last check .*; 2 jobs`));
    assert.ok(downText.stdout.includes('unknown since '), downText.stdout);
  });
});
