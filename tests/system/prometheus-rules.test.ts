// The fleet alerting rules (docs/prometheus/hb-rules.yml) against the real promtool: the rule
// file, its unit-test suite, negative controls proving that suite can fail, real `hb check`
// output fed through the rules, and the Prometheus-side recipes of docs/integrations.md.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { HB, hb, requireTool, sandbox, type Run } from '../helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = join(ROOT, 'docs', 'prometheus', 'hb-rules.yml');
const SUITE = join(ROOT, 'docs', 'prometheus', 'hb-rules.test.yml');
const DOC = join(ROOT, 'docs', 'integrations.md');

// The alerts the file must define, in file order: a dropped or renamed rule fails here first.
const ALERTS = [
  'HbJobStale',
  'HbJobFailed',
  'HbJobSuspicious',
  'HbJobSlow',
  'HbJobCrashed',
  'HbJobOverrunning',
  'HbJobNeverRan',
  'HbJobStateUnreliable',
  'HbJobProblem',
  'HbJobPausedLong',
  'HbCheckNotRunning',
  'HbCheckMetricsMissing',
  'HbCheckMetricsAbsent',
  'HbNotificationsFailed',
  'HbNotificationsPending',
  'HbStateDirUntrusted',
];

// How far back every rule reads a series: the last sample of this window bridges a failed scrape.
const WINDOW = '[2m30s]';

// How Prometheus labels what it scrapes from one node_exporter.
const INSTANCE = 'db1.example.net:9100';
const SCRAPE_JOB = 'node';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: ExpAlert[];
}
interface TestGroup {
  name?: string;
  interval?: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: AlertTest[];
}
interface Suite {
  rule_files: string[];
  evaluation_interval?: string;
  tests: TestGroup[];
}

const rules = (): Rule[] => (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const ruleNamed = (name: string): Rule => {
  const r = rules().find((x) => x.alert === name);
  assert.ok(r, `no rule ${name} in ${RULES}`);
  return r;
};

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hb-rules-'));
  tmpDirs.push(d);
  return d;
}

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

// A suite written elsewhere must name the rule file absolutely: promtool resolves it from the suite.
function runSuite(suite: Suite): { status: number | null; output: string } {
  const file = join(tmp(), 'suite.test.yml');
  writeFileSync(file, stringify({ ...suite, rule_files: [RULES] }));
  return promtool(['test', 'rules', file]);
}

const loadSuite = (): Suite => parse(readFileSync(SUITE, 'utf8')) as Suite;

/** The one alert test of the suite's group `group` for `alertname` at `evalTime`. */
function findTest(suite: Suite, group: string, alertname: string, evalTime: string): AlertTest {
  const g = suite.tests.find((x) => x.name === group);
  assert.ok(g, `no test group "${group}"`);
  const t = g.alert_rule_test?.find((x) => x.alertname === alertname && x.eval_time === evalTime);
  assert.ok(t, `no ${alertname} test at ${evalTime} in "${group}"`);
  return t;
}

// The annotations a job alert renders with `query` (the why of the alert), and what they read.
const WHY = ['exit_code', 'reason_class'] as const;
type Why = Record<(typeof WHY)[number], string>;

// Renders the annotation templates the rules use; anything else is a test to extend, not to guess.
function render(template: string, labels: Record<string, string>, value: string): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, expr: string) => {
    const e = expr.trim();
    if (e.startsWith('$labels.')) {
      const v = labels[e.slice('$labels.'.length)];
      assert.ok(v !== undefined, `template ${e}: no such label in ${JSON.stringify(labels)}`);
      return v;
    }
    if (e === '$value' || e === '$value | humanizeDuration') return value;
    throw new Error(`template expression this test cannot render: ${e}`);
  });
}

/**
 * The exp_alerts entry promtool must see for `name` with these labels (the rule's own added);
 * `why` gives what a job alert's query annotations must render.
 */
function expected(name: string, labels: Record<string, string>, value = '', why?: Why): ExpAlert {
  const rule = ruleNamed(name);
  const all = { ...labels, ...(rule.labels ?? {}) };
  const annotations = Object.fromEntries(
    Object.entries(rule.annotations ?? {}).map(([k, v]) => {
      if (!(WHY as readonly string[]).includes(k)) return [k, render(v, all, value)];
      assert.ok(why, `${name} has the query annotation ${k}: say what it renders`);
      return [k, why[k as keyof Why]];
    }),
  );
  return { exp_labels: all, exp_annotations: annotations };
}

interface Sample {
  name: string;
  labels: string;
  value: number;
}

// The text exposition format as hb writes it: HELP/TYPE comments, then `name{labels} value`.
function parseExposition(text: string): { samples: Sample[]; families: Set<string> } {
  const samples: Sample[] = [];
  const families = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) \S+$/.exec(line);
    if (type) families.add(type[1]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return { samples, families };
}

const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The fenced block of docs/integrations.md whose first line is `firstLine`. */
function docBlock(firstLine: string): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.split('\n')[0] === firstLine);
  assert.equal(found.length, 1, `exactly one block starting with "${firstLine}" in ${DOC}`);
  return found[0]!;
}

describe('docs/prometheus/hb-rules.yml with promtool', () => {
  it('passes promtool check rules, with every alert counted', (t) => {
    if (!requireTool(t, 'promtool')) return;
    assert.deepEqual(
      rules().map((r) => r.alert),
      ALERTS,
    );
    const r = promtool(['check', 'rules', RULES]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${ALERTS.length} rules found`), r.output);
  });

  it('every alert has severity, a for: duration and annotations naming the job and instance', () => {
    for (const r of rules()) {
      assert.match(r.labels?.severity ?? '', /^(critical|warning|info)$/, r.alert);
      assert.match(r.for ?? '', /^\d+[mh]$/, `${r.alert} has a for: duration`);
      assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert} has summary and description`);
      // `job` is the scrape job once Prometheus has the series: the cron job is `hb_job`. (The
      // query annotations pass it on as a matcher, which is where it belongs.)
      assert.doesNotMatch(
        `${r.annotations.summary} ${r.annotations.description}`,
        /\$labels\.job\b/,
        `${r.alert} must not present the scrape job as the cron job`,
      );
      if (r.alert.startsWith('HbJob')) {
        assert.match(r.annotations.summary, /\{\{ \$labels\.hb_job \}\}.*\{\{ \$labels\.instance \}\}/, r.alert);
      }
    }
  });

  it('every job alert renders its status, last exit code and reason class, from one set of templates', () => {
    const job = rules().filter((r) => r.alert.startsWith('HbJob'));
    assert.equal(job.length, ALERTS.filter((a) => a.startsWith('HbJob')).length);
    const first = job[0]!;
    assert.match(
      first.annotations?.exit_code ?? '',
      /"hb_last_exit_code%\[1\]s or .*\| query \}\}\{\{ \. \| first \| value \}\}\{\{ else \}\}unknown\{\{ end \}\}$/,
    );
    assert.match(
      first.annotations?.reason_class ?? '',
      /"hb_job_reason_info%\[1\]s or .*\| first \| label "reason_class" \}\}\{\{ else \}\}unknown\{\{ end \}\}$/,
    );
    for (const r of job) {
      assert.equal(r.annotations?.status, '{{ $labels.status }}', r.alert);
      for (const k of WHY) {
        assert.equal(r.annotations?.[k], first.annotations?.[k], `${r.alert}'s ${k} is the template ${first.alert} has`);
        assert.ok(r.annotations?.[k]?.includes(WINDOW), `${r.alert}'s ${k} falls back over ${WINDOW}`);
      }
    }
  });

  it('every expression reads each hb series over the scrape-gap window, never as a bare selector', () => {
    for (const r of rules()) {
      const metrics = [...r.expr.matchAll(/\bhb_[a-z_]+\b/g)].filter((m) => m[0] !== 'hb_job');
      assert.ok(metrics.length > 0, r.alert);
      for (const m of metrics) {
        // A bare selector finds nothing after a failed scrape (stale markers) and restarts `for:`.
        assert.match(r.expr.slice(0, m.index), /_over_time\($/, `${r.alert}: ${m[0]} is read through an *_over_time function`);
        const window = /^\{[^}]*\}(\[[^\]]+\])|^(\[[^\]]+\])/.exec(r.expr.slice(m.index + m[0].length));
        const w = window?.[1] ?? window?.[2];
        // present_over_time(…[1d]) is HbCheckMetricsMissing's memory of a host, not a gap bridge.
        assert.ok(w === WINDOW || (r.alert === 'HbCheckMetricsMissing' && w === '[1d]'), `${r.alert}: ${m[0]} over ${w}, not ${WINDOW}`);
      }
    }
  });

  it('passes its promtool test rules suite, which checks every alert firing and not firing', (t) => {
    if (!requireTool(t, 'promtool')) return;
    const suite = loadSuite();
    const tests = suite.tests.flatMap((g) => g.alert_rule_test ?? []);
    for (const name of ALERTS) {
      assert.ok(
        tests.some((x) => x.alertname === name && (x.exp_alerts?.length ?? 0) > 0),
        `the suite sees ${name} fire`,
      );
      assert.ok(
        tests.some((x) => x.alertname === name && (x.exp_alerts?.length ?? 0) === 0),
        `the suite sees ${name} stay silent`,
      );
    }
    const r = promtool(['test', 'rules', SUITE]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it('fails when an expected alert is removed, or expected one evaluation early (negative controls)', (t) => {
    if (!requireTool(t, 'promtool')) return;
    // The copy itself must pass, or a failure below would prove nothing about the expectations.
    const same = runSuite(loadSuite());
    assert.equal(same.status, 0, `the unchanged copy passes:\n${same.output}`);

    const removed = loadSuite();
    const firing = findTest(removed, 'job statuses', 'HbJobStale', '15m');
    assert.equal(firing.exp_alerts?.length, 1);
    firing.exp_alerts = [];
    const r1 = runSuite(removed);
    assert.equal(r1.status, 1, r1.output);
    assert.match(r1.output, /FAILED/);
    assert.match(r1.output, /alertname: HbJobStale, time: 15m/);
    assert.match(r1.output, /hb_job="nightly"/, 'promtool names the alert the suite no longer expects');

    const early = loadSuite();
    findTest(early, 'job statuses', 'HbJobStale', '14m').exp_alerts = findTest(early, 'job statuses', 'HbJobStale', '15m').exp_alerts;
    const r2 = runSuite(early);
    assert.equal(r2.status, 1, r2.output);
    assert.match(r2.output, /alertname: HbJobStale, time: 14m/);
  });
});

describe('the rules on real hb check output', () => {
  it('fire HbJobFailed for the failed job only, and HbCheckNotRunning once the file is left unchanged', (t) => {
    if (!requireTool(t, 'promtool')) return;
    assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
    const s = sandbox();
    try {
      for (const args of [
        ['tick', 'backup', '--every', '1h'],
        ['tick', 'sync', '--every', '1m', '--status', 'error'],
      ]) {
        const r = hb(args, { env: s.env });
        assert.equal(r.code, 0, show(r));
      }
      const check = hb(['check', '--format', 'prometheus'], { env: s.env });
      assert.equal(check.code, 1, show(check));
      assert.doesNotMatch(check.stdout, /[{,]job="/, 'hb never writes the label Prometheus reserves');
      const { samples, families } = parseExposition(check.stdout);

      // Every metric the rules use is one hb writes (the label hb_job aside).
      const used = new Set(rules().flatMap((r) => r.expr.match(/\bhb_[a-z_]+\b/g) ?? []));
      used.delete('hb_job');
      assert.ok(used.size >= 5, [...used].join(' '));
      for (const name of used) assert.ok(families.has(name), `the rules use ${name}, which hb check does not write`);

      // The scrape adds instance and job. Timestamps move onto promtool's clock, which starts at
      // 0: the check ran at 60 s, and every other time keeps its distance from the check.
      const check_ts = samples.find((x) => x.name === 'hb_check_timestamp_seconds')?.value;
      assert.ok(check_ts !== undefined && check_ts > 1e9, 'hb_check_timestamp_seconds is an epoch time');
      const input_series = samples.map((x) => {
        const value = x.name.endsWith('_timestamp_seconds') ? x.value - check_ts + 60 : x.value;
        const labels = [x.labels, `instance="${INSTANCE}"`, `job="${SCRAPE_JOB}"`].filter(Boolean).join(',');
        // The same sample at every scrape: the file is never rewritten (hb check has stopped).
        return { series: `${x.name}{${labels}}`, values: `${value}+0x30` };
      });
      assert.ok(input_series.some((x) => x.series.startsWith('hb_job_status{hb_job="sync",status="failed",')));

      const host = { instance: INSTANCE, job: SCRAPE_JOB };
      const failed = { hb_job: 'sync', status: 'failed', ...host };
      // From the same output: `--status error` is exit 1, classed exit_code.
      const syncWhy = { exit_code: '1', reason_class: 'exit_code' };
      assert.match(check.stdout, /^hb_job_reason_info\{hb_job="sync",reason_class="exit_code"\} 1$/m);
      const alert_rule_test: AlertTest[] = [
        { eval_time: '1m', alertname: 'HbJobFailed', exp_alerts: [] },
        { eval_time: '2m', alertname: 'HbJobFailed', exp_alerts: [expected('HbJobFailed', failed, '', syncWhy)] },
        // Nothing else: backup is ok, hb-check unscheduled, the outbox empty, the check fresh.
        ...ALERTS.filter((a) => a !== 'HbJobFailed').map((alertname) => ({ eval_time: '2m', alertname, exp_alerts: [] })),
        // Checked at 60 s: older than 600 s from 720 s on, for 5m → fires at 17m, 960 s old.
        { eval_time: '16m', alertname: 'HbCheckNotRunning', exp_alerts: [] },
        { eval_time: '17m', alertname: 'HbCheckNotRunning', exp_alerts: [expected('HbCheckNotRunning', host, '16m 0s')] },
        { eval_time: '17m', alertname: 'HbJobFailed', exp_alerts: [expected('HbJobFailed', failed, '', syncWhy)] },
        { eval_time: '17m', alertname: 'HbJobStale', exp_alerts: [] },
      ];
      const r = runSuite({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series, alert_rule_test }] });
      assert.equal(r.status, 0, `${r.output}\n--- hb check output\n${check.stdout}`);
      assert.match(r.output, /SUCCESS/);
    } finally {
      s.cleanup();
    }
  });
});

describe('the rules on real run outcomes', () => {
  it('fire HbJobSuspicious for a run under its min_duration, and nothing for a warning or a failure within tolerance', (t) => {
    if (!requireTool(t, 'promtool')) return;
    assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
    const s = sandbox();
    try {
      const config = join(s.root, 'hb.yaml');
      writeFileSync(
        config,
        'jobs:\n  dump:\n    every: 1h\n    min_duration: 1h\n  mirror:\n    every: 1h\n    warn_codes: [24]\n  nightly:\n    every: 1h\n    tolerate: {failed_runs: 2}\n',
      );
      const env = { ...s.env, HB_CONFIG: config };
      for (const [job, code] of [
        ['dump', 0],
        ['mirror', 24],
        ['nightly', 3],
      ] as const) {
        const r = hb(['wrap', '--job', job, '--', 'sh', '-c', `exit ${code}`], { env });
        assert.equal(r.code, code, show(r));
      }
      const check = hb(['check', '--format', 'prometheus', '--no-notify'], { env });
      assert.equal(check.code, 1, show(check));
      const { samples } = parseExposition(check.stdout);
      const input_series = samples
        .filter((x) => !x.name.endsWith('_timestamp_seconds'))
        .map((x) => ({
          series: `${x.name}{${[x.labels, `instance="${INSTANCE}"`, `job="${SCRAPE_JOB}"`].filter(Boolean).join(',')}}`,
          values: `${x.value}+0x10`,
        }));
      const host = { instance: INSTANCE, job: SCRAPE_JOB };
      const alert_rule_test: AlertTest[] = [
        { eval_time: '1m', alertname: 'HbJobSuspicious', exp_alerts: [] },
        {
          eval_time: '2m',
          alertname: 'HbJobSuspicious',
          exp_alerts: [expected('HbJobSuspicious', { hb_job: 'dump', status: 'suspicious', ...host }, '', { exit_code: '0', reason_class: 'too_fast' })],
        },
        // The tolerated failure is status failed with hb_problem 0; the warning is no problem at all.
        ...['HbJobFailed', 'HbJobSlow', 'HbJobProblem', 'HbJobStale'].map((alertname) => ({ eval_time: '5m', alertname, exp_alerts: [] })),
      ];
      const r = runSuite({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series, alert_rule_test }] });
      assert.equal(r.status, 0, `${r.output}\n--- hb check output\n${check.stdout}`);
      assert.match(r.output, /SUCCESS/);
      assert.match(check.stdout, /^hb_job_status\{hb_job="nightly",status="failed"\} 1$/m, 'the tolerated failure is in the input');
      assert.match(check.stdout, /^hb_last_run_outcome\{hb_job="mirror",outcome="warning"\} 1$/m, 'the warning is in the input');
    } finally {
      s.cleanup();
    }
  });
});

describe('docs/integrations.md: the Prometheus-side recipes', () => {
  it('prometheus.yml passes promtool check config and loads the rule file', (t) => {
    if (!requireTool(t, 'promtool')) return;
    const block = docBlock('# /etc/prometheus/prometheus.yml');
    assert.match(block, /\/etc\/prometheus\/rules\/hb-rules\.yml/);
    const file = join(tmp(), 'prometheus.yml');
    writeFileSync(file, block.replace('/etc/prometheus/rules/hb-rules.yml', RULES));
    const r = promtool(['check', 'config', file]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${ALERTS.length} rules found`), r.output);
  });

  it('the Alertmanager example routes on labels the rules set and names only their alerts', () => {
    const config = parse(docBlock('# /etc/prometheus/alertmanager.yml')) as Record<string, unknown>;
    const matchers = JSON.stringify(config).match(/(?:alertname|severity)=\\"[^\\]+\\"/g) ?? [];
    assert.ok(matchers.length >= 4, matchers.join(' '));
    const severities = new Set(rules().map((r) => r.labels?.severity));
    for (const m of matchers) {
      const [, key, value] = /^(\w+)=\\"(.*)\\"$/.exec(m)!;
      if (key === 'alertname') assert.ok(ALERTS.includes(value!), `${value} is an alert of the rule file`);
      else assert.ok(severities.has(value), `severity ${value} is used by a rule`);
    }
  });

  it('the Alertmanager example passes amtool check-config, and every receiver sends resolves', (t) => {
    if (!requireTool(t, 'amtool')) return;
    const block = docBlock('# /etc/prometheus/alertmanager.yml');
    const file = join(tmp(), 'alertmanager.yml');
    writeFileSync(file, block);
    const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /SUCCESS/);
    // The docs say to write send_resolved in every receiver: e-mail's default is false.
    const { receivers } = parse(block) as { receivers: Array<Record<string, unknown>> };
    const configs = receivers.flatMap((rc) =>
      Object.entries(rc)
        .filter(([k]) => k.endsWith('_configs'))
        .flatMap(([, v]) => v as Array<Record<string, unknown>>),
    );
    assert.ok(configs.length >= 2, JSON.stringify(receivers));
    for (const c of configs) assert.equal(c.send_resolved, true, JSON.stringify(c));
  });

  it('the hb-check systemd units pass systemd-analyze verify', (t) => {
    if (!requireTool(t, 'systemd-analyze')) return;
    const dir = tmp();
    for (const unit of ['hb-check.service', 'hb-check.timer']) {
      // verify insists that ExecStart's program exists: point it at this machine's node and hb.
      const text = docBlock(`# /etc/systemd/system/${unit}`)
        .replace('/usr/bin/node', process.execPath)
        .replace('/usr/local/lib/node_modules/hb/dist/hb.js', HB);
      writeFileSync(join(dir, unit), text);
    }
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'hb-check.service'), join(dir, 'hb-check.timer')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, '', 'no warnings either');
  });
});
