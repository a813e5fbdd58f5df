// Which configured jobs the daemon runs, and the systemd notify settings and job environment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HbConfig, JobConfig } from '../../lib/rules/config/types.ts';
import { DEFAULT_CHECK_SCHEDULE, sameSchedule, scheduleText, selectJobs } from '../../lib/rules/daemon/jobs.ts';
import { Notifier, jobEnv, notifySettings, systemdNotify, type NotifySend } from '../../lib/adapters/daemon/notify.ts';

const config = (...jobs: JobConfig[]): HbConfig => ({ file: '/etc/hb/hb.yaml', defaults: {}, notify: [], jobs: new Map(jobs.map((j) => [j.name, j])) });

test('runs jobs that have a schedule and a command, plus the meta-heartbeat every minute', () => {
  const sel = selectJobs(
    config(
      { name: 'zeta', schedule: { every: '15m' }, command: 'true' },
      { name: 'backup', schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' }, command: ['/usr/local/bin/backup.sh'], lock: true },
      { name: 'local', schedule: { cron: '0 * * * *' }, command: 'x' },
    ),
    'Asia/Tokyo',
  );
  assert.deepEqual(sel.jobs, [
    { name: 'backup', kind: 'tick', schedule: { cron: '30 2 * * *', tz: 'Europe/Berlin' }, lock: true },
    { name: 'local', kind: 'tick', schedule: { cron: '0 * * * *', tz: 'Asia/Tokyo' }, lock: false },
    { name: 'zeta', kind: 'tick', schedule: { every: '15m' }, lock: false },
    { name: 'hb-check', kind: 'check', schedule: DEFAULT_CHECK_SCHEDULE, lock: true },
  ]);
  assert.deepEqual(sel.ignored, []);
});

test('hb-check takes its schedule from jobs.hb-check and is never ticked as a job', () => {
  const sel = selectJobs(config({ name: 'hb-check', schedule: { cron: '*/5 * * * *' }, command: 'echo never' }), 'UTC');
  assert.deepEqual(sel.jobs, [{ name: 'hb-check', kind: 'check', schedule: { cron: '*/5 * * * *', tz: 'UTC' }, lock: true }]);
});

test('a schedule without a command (heartbeat from elsewhere) or a command without a schedule is not run, and says why', () => {
  const sel = selectJobs(config({ name: 'pinged', schedule: { every: '1h' } }, { name: 'manual', command: 'make report' }, { name: 'hb-report' }), 'UTC');
  assert.deepEqual(
    sel.jobs.map((j) => j.name),
    ['hb-check'],
  );
  assert.deepEqual(sel.ignored, [
    { name: 'manual', reason: 'it has a command but no schedule (every or cron)' },
    { name: 'pinged', reason: 'it has a schedule but no command: its heartbeat is expected from elsewhere' },
  ]);
});

test('no config at all still runs the meta-heartbeat', () => {
  assert.deepEqual(
    selectJobs({ file: null, defaults: {}, notify: [], jobs: new Map() }, 'UTC').jobs.map((j) => j.kind),
    ['check'],
  );
});

test('schedule text and sameness include the zone', () => {
  assert.equal(scheduleText({ every: '500ms' }), 'every 500ms');
  assert.equal(scheduleText({ cron: '30 2 * * *', tz: 'Europe/Berlin' }), 'cron 30 2 * * * (Europe/Berlin)');
  assert.equal(sameSchedule({ cron: '0 * * * *', tz: 'UTC' }, { cron: '0 * * * *', tz: 'Europe/Paris' }), false);
  assert.equal(sameSchedule({ every: '1m' }, { every: '1m' }), true);
});

test('notify settings: the socket, and the watchdog at half of WATCHDOG_USEC when it is meant for this pid', () => {
  const rows: Array<[NodeJS.ProcessEnv, { socket: string | null; watchdogMs: number | null }]> = [
    [{}, { socket: null, watchdogMs: null }],
    [{ WATCHDOG_USEC: '30000000' }, { socket: null, watchdogMs: null }],
    [{ NOTIFY_SOCKET: '/run/systemd/notify' }, { socket: '/run/systemd/notify', watchdogMs: null }],
    [
      { NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: '30000000' },
      { socket: '@abstract', watchdogMs: 15_000 },
    ],
    [
      { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' },
      { socket: '/s', watchdogMs: 15_000 },
    ],
    [
      { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '43' },
      { socket: '/s', watchdogMs: null },
    ],
    [
      { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: 'x' },
      { socket: '/s', watchdogMs: null },
    ],
    [
      { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '1000' },
      { socket: '/s', watchdogMs: 1 },
    ],
  ];
  for (const [env, want] of rows) assert.deepEqual(notifySettings(env, 42), want, JSON.stringify(env));
});

test('jobs never see the notify variables (a job is not the service)', () => {
  const env = jobEnv({ PATH: '/usr/bin', NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '1', WATCHDOG_PID: '2', HB_X: 'y' });
  assert.deepEqual(env, { PATH: '/usr/bin', HB_X: 'y' });
});

test('notifier: sends the protocol words; a missing systemd-notify is said once and then left alone', async () => {
  const sent: string[][] = [];
  const lines: string[] = [];
  let missing = false;
  const send: NotifySend = async (args) => {
    sent.push(args);
    return missing ? { missing: true, error: 'systemd-notify is not installed (not found on PATH)' } : null;
  };
  const n = new Notifier(send, (l) => lines.push(l));
  await n.ready('scheduling 3 jobs');
  await n.watchdog();
  await n.stopping();
  assert.deepEqual(sent, [['--ready', '--status=scheduling 3 jobs'], ['WATCHDOG=1'], ['STOPPING=1']]);
  missing = true;
  await n.watchdog();
  await n.watchdog();
  assert.equal(sent.length, 4, 'disabled after the tool was found missing');
  assert.deepEqual(lines, ['NOTIFY_SOCKET is set but systemd-notify is not installed (not found on PATH): no READY/WATCHDOG notifications will be sent']);
});

test('notifier: a failing send is logged once until one works again', async () => {
  const lines: string[] = [];
  const results = [{ missing: false, error: 'Connection refused' }, { missing: false, error: 'Connection refused' }, null, { missing: false, error: 'again' }];
  const n = new Notifier(
    async () => results.shift() ?? null,
    (l) => lines.push(l),
  );
  for (let i = 0; i < 4; i++) await n.watchdog();
  assert.deepEqual(lines, [
    'systemd-notify WATCHDOG=1 failed: Connection refused (said once until it works again)',
    'systemd-notify WATCHDOG=1 failed: again (said once until it works again)',
  ]);
});

test('the real sender with no systemd-notify on PATH: says it is missing and leaves no timer behind to hold a stopping daemon open', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const failure = await systemdNotify({ PATH: '/nonexistent' })(['STOPPING=1']);
  assert.deepEqual(failure, { missing: true, error: 'systemd-notify is not installed (not found on PATH)' });
  assert.equal(timers(), before);
});
