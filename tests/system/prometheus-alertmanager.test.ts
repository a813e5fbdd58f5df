// The shipped alert rules end to end with the real servers: the built `hb check --textfile`
// writes the file a real node_exporter serves, a real Prometheus scrapes it every second and
// evaluates a copy of docs/prometheus/hb-rules.yml, and a real Alertmanager routes the alerts to
// a webhook on 127.0.0.1 that this test runs. The copy differs from the shipped file in one
// text substitution only: every `for:` duration becomes FOR (`/^(\s+for: )\S+$/gm` → `$1${FOR}`),
// so an alert fires in seconds rather than minutes; the expressions, windows and annotations
// are the shipped ones.

import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HB, hb, requireTool, sandbox, type Run } from '../helpers.ts';
import { freePort } from '../helpers.ts';
import { query, startAlertmanager, startNodeExporter, startPrometheus } from '../prom-stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = join(ROOT, 'docs', 'prometheus', 'hb-rules.yml');
// Long enough for the failed scrape below to happen while the alert is pending, even on a
// loaded machine; short enough for the test to take well under a minute.
const FOR = '30s';
const FOR_MS = 30_000;

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state?: string;
  status?: string;
  activeAt?: string;
  startsAt?: string;
  endsAt?: string;
}

/** What the webhook received: Alertmanager's notifications, oldest first. */
interface Webhook {
  url: string;
  notifications: Array<{ status: string; alerts: Alert[] }>;
}

async function startWebhook(t: TestContext): Promise<Webhook> {
  const hook: Webhook = { url: '', notifications: [] };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      hook.notifications.push(JSON.parse(body) as Webhook['notifications'][number]);
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  hook.url = `http://127.0.0.1:${port}/hook`;
  return hook;
}

/** Polls `probe` until it returns a value other than undefined, or fails naming `what`. */
async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Prometheus's active (pending or firing) alerts. */
async function activeAlerts(prometheus: string): Promise<Alert[]> {
  const body = (await (await fetch(`${prometheus}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
  return body.data.alerts;
}

/** When Prometheus last evaluated the rule group `name`, in ms since the epoch. */
async function lastEvaluation(prometheus: string, name: string): Promise<number> {
  const body = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; lastEvaluation: string }> } };
  const group = body.data.groups.find((g) => g.name === name);
  assert.ok(group, `Prometheus has a rule group ${name}`);
  return Date.parse(group.lastEvaluation);
}

const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('docs/prometheus/hb-rules.yml with real node_exporter, Prometheus and Alertmanager', () => {
  it('a failed run reaches the webhook with its status, exit code and reason class, a failed scrape while pending does not restart for:, and the recovery resolves', async (t) => {
    for (const tool of ['prometheus', 'prometheus-alertmanager', 'prometheus-node-exporter']) if (!requireTool(t, tool)) return;
    assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
    const s = sandbox();
    t.after(() => s.cleanup());
    const dir = mkdtempSync(join(tmpdir(), 'hb-alerting-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const textfile = join(dir, 'hb.prom');
    const check = (code: number): void => {
      const r = hb(['check', '--textfile', textfile, '--no-notify'], { env: s.env });
      assert.equal(r.code, code, show(r));
    };

    // The shipped rules, only their for: shortened.
    const shipped = readFileSync(RULES, 'utf8');
    const fors = shipped.match(/^\s+for: \S+$/gm) ?? [];
    assert.ok(fors.length >= 16, `every rule has a for: (${fors.length})`);
    const copy = join(dir, 'hb-rules.yml');
    writeFileSync(copy, shipped.replace(/^(\s+for: )\S+$/gm, `$1${FOR}`));
    // The control: the old, bare form of HbJobFailed's expression. It proves that the scrape
    // below really failed, i.e. that an expression reading the current sample saw nothing.
    const control = join(dir, 'control.yml');
    writeFileSync(
      control,
      [
        'groups:',
        '  - name: control',
        '    rules:',
        '      - alert: ControlBareSelector',
        '        expr: hb_job_status{status="failed"} == 1 and on(instance, job, hb_job) hb_problem == 1',
        '        for: 1h',
        '',
      ].join('\n'),
    );

    // A job whose real run exits 3.
    const failed = hb(['wrap', '--job', 'backup', '--every', '1h', '--', 'sh', '-c', 'exit 3'], { env: s.env });
    assert.equal(failed.code, 3, show(failed));
    check(1);
    assert.match(readFileSync(textfile, 'utf8'), /^hb_job_reason_info\{hb_job="backup",reason_class="exit_code"\} 1$/m);

    const hook = await startWebhook(t);
    const alertmanager = await startAlertmanager(t, { webhook: hook.url });
    let exporter = await startNodeExporter(t, dir);
    const prometheus = await startPrometheus(t, { targets: [exporter.target], ruleFiles: [copy, control], alertmanager: alertmanager.url });
    const logs = () => `--- prometheus\n${prometheus.log()}\n--- alertmanager\n${alertmanager.log()}`;
    const ours = (a: Alert) => a.labels.alertname === 'HbJobFailed' && a.labels.hb_job === 'backup';
    const theControl = (a: Alert) => a.labels.alertname === 'ControlBareSelector';

    const pending = await eventually(
      async () => (await activeAlerts(prometheus.url)).find((a) => ours(a) && a.state === 'pending'),
      `HbJobFailed pending\n${logs()}`,
    );
    const controlBefore = await eventually(async () => (await activeAlerts(prometheus.url)).find(theControl), 'the control alert pending');

    // A failed scrape: node_exporter is gone. Prometheus marks every series of the target stale,
    // and the control alert, reading the current sample, is dropped at its next evaluation.
    await exporter.stop();
    await eventually(
      async () => ((await query(prometheus.url, `up{instance="${exporter.target}"} == 0`)).length > 0 ? true : undefined),
      'a failed scrape (up == 0)',
    );
    await eventually(async () => ((await activeAlerts(prometheus.url)).some(theControl) ? undefined : true), `the control alert dropped\n${logs()}`);
    // HbJobFailed's group has been evaluated since then, with the target still down: the alert
    // is still pending, from the same moment.
    const dropped = Date.now();
    await eventually(
      async () => ((await lastEvaluation(prometheus.url, 'hb-jobs')) > dropped ? true : undefined),
      'an evaluation of hb-jobs after the failed scrape',
    );
    const during = (await activeAlerts(prometheus.url)).find(ours);
    assert.ok(during, 'HbJobFailed is still active during the failed scrape');
    assert.equal(during.state, 'pending', `HbJobFailed is still pending during the failed scrape (raise FOR if it fired already): ${JSON.stringify(during)}`);
    assert.equal(during.activeAt, pending.activeAt, 'the failed scrape did not restart for:');
    assert.equal((await query(prometheus.url, `up{instance="${exporter.target}"}`))[0]?.value[1], '0', 'the target was down all along');

    // The scrape works again, on the same target.
    exporter = await startNodeExporter(t, dir, exporter.port);
    await eventually(
      async () => ((await query(prometheus.url, `up{instance="${exporter.target}"} == 1`)).length > 0 ? true : undefined),
      'the target scraped again',
    );
    const controlAfter = await eventually(async () => (await activeAlerts(prometheus.url)).find(theControl), 'the control alert pending again');
    assert.ok(Date.parse(controlAfter.activeAt!) > Date.parse(controlBefore.activeAt!), 'the bare expression did start over');

    // The alert fires for: after it first went pending, and reaches the webhook saying why.
    const firing = await eventually(
      () => hook.notifications.flatMap((n) => n.alerts).find((a) => ours(a) && a.status === 'firing'),
      `the firing HbJobFailed at the webhook\n${logs()}`,
    );
    assert.deepEqual(
      { status: firing.annotations.status, exit_code: firing.annotations.exit_code, reason_class: firing.annotations.reason_class },
      { status: 'failed', exit_code: '3', reason_class: 'exit_code' },
    );
    assert.equal(firing.labels.severity, 'critical');
    assert.match(firing.annotations.summary!, /^Cron job backup on 127\.0\.0\.1:\d+ failed$/);
    const active = (await activeAlerts(prometheus.url)).find(ours);
    assert.ok(active, 'HbJobFailed is active');
    assert.equal(active.state, 'firing', JSON.stringify(active));
    assert.equal(active.activeAt, pending.activeAt, 'it fired on the timer that started before the failed scrape');
    // Prometheus stamps the firing with the evaluation that found for: elapsed since activeAt.
    const firedAfter = Date.parse(firing.startsAt!) - Date.parse(pending.activeAt!);
    assert.ok(firedAfter >= FOR_MS, `fired ${firedAfter} ms after going pending, for: is ${FOR}`);
    t.diagnostic(`HbJobFailed fired ${firedAfter} ms after it went pending (for: ${FOR})`);

    // The next run succeeds: the webhook hears the resolve.
    const ok = hb(['wrap', '--job', 'backup', '--every', '1h', '--', 'true'], { env: s.env });
    assert.equal(ok.code, 0, show(ok));
    check(0);
    const resolved = await eventually(
      () => hook.notifications.flatMap((n) => n.alerts).find((a) => ours(a) && a.status === 'resolved'),
      `the resolved HbJobFailed at the webhook\n${logs()}`,
    );
    assert.equal(resolved.labels.instance, firing.labels.instance);
    // Nothing else of the rule file fired on the way (the control is not routed anywhere else).
    const others = hook.notifications.flatMap((n) => n.alerts).filter((a) => !ours(a) && !theControl(a));
    assert.deepEqual(
      others.map((a) => a.labels.alertname),
      [],
    );
  });
});
