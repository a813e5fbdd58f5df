import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyConfig, type HbConfig, type JobConfig } from '../../lib/rules/config/types.ts';
import { planSystemd, type SystemdRequest } from '../../lib/rules/systemd/plan.ts';

const EXEC = { node: '/usr/bin/node', hb: '/usr/local/lib/node_modules/hb/dist/hb.js' };

function config(jobs: Record<string, Omit<JobConfig, 'name'>>): HbConfig {
  const c = emptyConfig();
  c.file = '/etc/hb/hb.yaml';
  for (const [name, job] of Object.entries(jobs)) c.jobs.set(name, { name, ...job });
  return c;
}

const request = (cfg: HbConfig, jobs: string[] = [], over: Partial<SystemdRequest> = {}): SystemdRequest => ({
  config: cfg,
  jobs,
  exec: { ...EXEC, config: '/etc/hb/hb.yaml' },
  translate: { defaultTz: 'UTC', nowMs: Date.parse('2026-11-23T08:00:00Z'), zoneKnown: () => true },
  ...over,
});

test('plan: every scheduled job and the meta-heartbeat; unscheduled jobs skipped with a reason', () => {
  const cfg = config({
    backup: { schedule: { cron: '30 3 * * *', tz: 'Europe/Berlin' }, command: 'true' },
    sync: { schedule: { every: '15m' }, command: 'true' },
    adhoc: { command: 'true' },
  });
  const plan = planSystemd(request(cfg));
  assert.deepEqual(
    plan.files.map((f) => f.name),
    ['hb-backup.service', 'hb-backup.timer', 'hb-sync.service', 'hb-sync.timer', 'hb-check.service', 'hb-check.timer'],
  );
  assert.deepEqual(plan.timers, ['hb-backup.timer', 'hb-sync.timer', 'hb-check.timer']);
  assert.deepEqual(plan.problems, []);
  assert.equal(plan.skipped.length, 1);
  assert.match(plan.skipped[0]!.reason, /no schedule \(cron or every\) in \/etc\/hb\/hb.yaml/);
  const check = plan.files.find((f) => f.name === 'hb-check.service')!.text;
  assert.ok(check.includes('ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js check --config /etc/hb/hb.yaml'));
  assert.ok(plan.files.find((f) => f.name === 'hb-check.timer')!.text.includes('OnCalendar=*-*-* *:*:00 UTC'), 'every minute by default');
});

test('plan: jobs.hb-check gives the meta-heartbeat its schedule and is not ticked as a job', () => {
  const cfg = config({ 'hb-check': { schedule: { every: '5m' } } });
  const plan = planSystemd(request(cfg));
  assert.deepEqual(
    plan.files.map((f) => f.name),
    ['hb-check.service', 'hb-check.timer'],
  );
  assert.ok(plan.files[1]!.text.includes('OnUnitActiveSec=5min'));
});

test('plan: named jobs only (the meta-heartbeat when named); each problem once, all at once', () => {
  const run = { command: 'true' };
  const cfg = config({
    a: { schedule: { cron: '0 9 * * 1-5' }, ...run },
    b: { schedule: { cron: '0 * * * *' }, ...run },
    bare: {},
    check: { schedule: { every: '1h' }, ...run },
    late: { schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' }, ...run },
  });
  assert.deepEqual(planSystemd(request(cfg, ['a'])).timers, ['hb-a.timer']);
  assert.deepEqual(planSystemd(request(cfg, ['a', 'hb-check'])).timers, ['hb-a.timer', 'hb-check.timer']);
  const plan = planSystemd(request(cfg, ['nope', 'bare', 'check', 'late', 'a']));
  assert.deepEqual(
    plan.problems.map((p) => p.job),
    ['nope', 'bare', 'check', 'late'],
  );
  assert.match(plan.problems[0]!.reason, /no job named nope in \/etc\/hb\/hb.yaml/);
  assert.match(plan.problems[1]!.reason, /no schedule/);
  assert.match(plan.problems[2]!.reason, /would be named hb-check\.\*, the meta-heartbeat's/);
  assert.match(plan.problems[3]!.reason, /^cron "30 2 \* \* \*" in Europe\/Berlin: on 2027-03-28 Europe\/Berlin skips/);
  assert.deepEqual(
    planSystemd(request(cfg, [], { user: 'backup' })).problems.map((p) => p.job),
    ['check', 'late'],
    'all jobs: the same refusals',
  );
});

test('plan: --user reaches every service', () => {
  const plan = planSystemd(request(config({ a: { schedule: { every: '1h' }, command: 'true' } }), [], { user: 'backup' }));
  const services = plan.files.filter((f) => f.name.endsWith('.service'));
  assert.equal(services.length, 2);
  for (const s of services) assert.ok(s.text.split('\n').includes('User=backup'), s.name);
});

test('plan: a job with a schedule and no command would only ping: refused, named or not, with every other problem', () => {
  const cfg = config({
    run: { schedule: { every: '1h' }, command: 'true' },
    ping: { schedule: { every: '15m' } },
    odd: { schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' } },
  });
  const plan = planSystemd(request(cfg));
  assert.deepEqual(
    plan.problems.map((p) => [p.job, p.pingOnly ?? false]),
    [
      ['ping', true],
      ['odd', true],
      ['odd', false],
    ],
    'its DST problem too, so one run shows all',
  );
  assert.equal(
    plan.problems[0]!.reason,
    'it has a schedule but no command: its heartbeat is expected from elsewhere, and its timer would only run "hb tick ping", a ping on time whatever really happens; ' +
      'give it a command: in /etc/hb/hb.yaml, or let the job itself (or its cron line) run hb tick ping',
  );
  assert.ok(!plan.files.some((f) => f.name.startsWith('hb-ping.') || f.name.startsWith('hb-odd.')), 'no file planned for a refused job');
  assert.deepEqual(
    planSystemd(request(cfg, ['ping'])).problems.map((p) => p.job),
    ['ping'],
  );
  assert.deepEqual(planSystemd(request(cfg, ['run'])).problems, [], 'the others can be had by name');
  assert.deepEqual(planSystemd(request(cfg, ['run'])).warnings, []);
});

test('plan: allowPingOnly writes the ping-only timer, with a warning and a note in its service', () => {
  const cfg = config({ run: { schedule: { every: '1h' }, command: 'true' }, ping: { schedule: { every: '15m' } } });
  const plan = planSystemd(request(cfg, [], { allowPingOnly: true }));
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(plan.timers, ['hb-run.timer', 'hb-ping.timer', 'hb-check.timer']);
  assert.deepEqual(plan.warnings, [
    { job: 'ping', reason: 'its timer only pings (hb tick ping runs no command): hb check will see it on time whatever really happens' },
  ]);
  const service = (name: string) => plan.files.find((f) => f.name === name)!.text;
  assert.ok(service('hb-ping.service').includes('\n# hb tick ping runs no command: this timer only records a ping (written with --allow-ping-only)\n[Unit]\n'));
  assert.ok(!service('hb-run.service').includes('only records a ping'));
});

test('plan: a textfile path goes to the meta-heartbeat only, as hb check --textfile PATH', () => {
  const cfg = config({ backup: { schedule: { cron: '30 3 * * *' }, command: 'true' } });
  const plan = planSystemd(request(cfg, [], { textfile: '/var/lib/prometheus/node-exporter/hb.prom' }));
  const check = plan.files.find((f) => f.name === 'hb-check.service')!.text;
  assert.ok(
    check.includes(
      'ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js check --textfile /var/lib/prometheus/node-exporter/hb.prom --config /etc/hb/hb.yaml\n',
    ),
    check,
  );
  assert.ok(!plan.files.find((f) => f.name === 'hb-backup.service')!.text.includes('--textfile'));
});
