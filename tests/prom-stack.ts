// Real Prometheus servers for system tests: node_exporters serving textfile directories, one
// Prometheus scraping them (short intervals, optional rule files and Alertmanager), Alertmanager
// routing to a webhook. Each listens on a free 127.0.0.1 port, keeps its data in the test's own
// directory, and is stopped when the test ends (`t.after`).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './helpers.ts';

interface TestContext {
  after(fn: () => void | Promise<void>): void;
}

/** A running server: where it answers, and its log so far (for failure messages). */
export interface Server {
  url: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Starts `bin`, stops it with the test, and waits (bounded) until `probe` answers 200.
async function startServer(t: TestContext, bin: string, args: string[], port: number, probe: string): Promise<Server> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  };
  t.after(stop);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(url + probe)).ok) return { url, port, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`${bin} did not answer on ${url}${probe}; its log:\n${log}`);
}

/**
 * node_exporter with only the textfile collector, serving `dir`. Its scrape target is `host:port`.
 * `port` starts it again where a stopped one listened (a scrape that fails, then works again).
 */
export async function startNodeExporter(t: TestContext, dir: string, port?: number): Promise<Server & { target: string }> {
  port ??= await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`];
  const server = await startServer(t, 'prometheus-node-exporter', args, port, '/metrics');
  return { ...server, target: `127.0.0.1:${port}` };
}

/** What Prometheus scrapes and evaluates. */
export interface PrometheusOptions {
  /** `host:port` targets, scraped as one job (`job="node"`). */
  targets: string[];
  /** Scrape and rule evaluation interval; default 1s. */
  interval?: string;
  /** Rule files to load (absolute paths), e.g. a copy of docs/prometheus/hb-rules.yml. */
  ruleFiles?: string[];
  /** Alertmanager base URL (`http://127.0.0.1:PORT`) to send alerts to. */
  alertmanager?: string;
}

/** A real Prometheus with its TSDB in a temporary directory. */
export async function startPrometheus(t: TestContext, opts: PrometheusOptions): Promise<Server> {
  const dir = tempDir(t, 'hb-prometheus-');
  const interval = opts.interval ?? '1s';
  const yaml = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    `rule_files: ${JSON.stringify(opts.ruleFiles ?? [])}`,
    ...(opts.alertmanager ? ['alerting:', '  alertmanagers:', `    - static_configs: [{targets: [${JSON.stringify(new URL(opts.alertmanager).host)}]}]`] : []),
    'scrape_configs:',
    '  - job_name: node',
    `    static_configs: [{targets: ${JSON.stringify(opts.targets)}}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), yaml);
  const port = await freePort();
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  return startServer(t, 'prometheus', args, port, '/-/ready');
}

/** Alertmanager timings; short by default so an alert and its resolve arrive within seconds. */
export interface AlertmanagerOptions {
  /** Where notifications are POSTed (a webhook receiver). */
  webhook: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** How long after Prometheus stops sending an alert Alertmanager resolves it on its own. */
  resolveTimeout?: string;
}

/** A real Alertmanager routing every alert to one webhook, with its data in a temporary directory. */
export async function startAlertmanager(t: TestContext, opts: AlertmanagerOptions): Promise<Server> {
  const dir = tempDir(t, 'hb-alertmanager-');
  const yaml = [
    'global:',
    `  resolve_timeout: ${opts.resolveTimeout ?? '5m'}`,
    'route:',
    '  receiver: hook',
    '  group_by: [alertname, instance, hb_job]',
    `  group_wait: ${opts.groupWait ?? '1s'}`,
    `  group_interval: ${opts.groupInterval ?? '2s'}`,
    `  repeat_interval: ${opts.repeatInterval ?? '1h'}`,
    'receivers:',
    '  - name: hook',
    `    webhook_configs: [{url: ${JSON.stringify(opts.webhook)}, send_resolved: true}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'alertmanager.yml'), yaml);
  const port = await freePort();
  const args = [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // No gossip with other Alertmanagers: a single instance, no port of its own to find.
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
  return startServer(t, 'prometheus-alertmanager', args, port, '/-/ready');
}

/** The `data.result` of an instant query, or an error naming the query and the answer. */
export async function query(prometheus: string, promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Waits (bounded) until `promql` returns at least `count` series. */
export async function waitForSeries(prometheus: string, promql: string, count: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < end) {
    last = (await query(prometheus, promql)).length;
    if (last >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} series of ${promql} (last saw ${last})`);
}
