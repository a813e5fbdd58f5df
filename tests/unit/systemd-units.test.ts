import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonServiceFile, docsUrl, execArg, execStart, serviceFile, timerFile, type UnitPairSpec } from '../../lib/rules/systemd/units.ts';

const EXEC = { node: '/usr/bin/node', hb: '/usr/local/lib/node_modules/hb/dist/hb.js' };

test('ExecStart arguments: plain paths as they are, anything else quoted; % and $ doubled', () => {
  assert.equal(execArg('/usr/bin/node'), '/usr/bin/node');
  assert.equal(execArg('backup.daily_2'), 'backup.daily_2');
  assert.equal(execArg('/srv/my jobs/hb.yaml'), '"/srv/my jobs/hb.yaml"');
  assert.equal(execArg('/srv/100%/hb.yaml'), '/srv/100%%/hb.yaml');
  assert.equal(execArg('/srv/$HOME/x'), '"/srv/$$HOME/x"');
  assert.equal(execArg('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(execArg(''), '""');
  assert.equal(execArg(';'), '";"', 'a lone ; would separate commands');
  assert.equal(
    execStart({ ...EXEC, config: '/etc/hb/hb.yaml', stateDir: '/var/lib/hb' }, ['tick', 'backup']),
    '/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js tick backup --config /etc/hb/hb.yaml --state-dir /var/lib/hb',
  );
});

const PAIR: UnitPairSpec = {
  unit: 'hb-backup',
  args: ['tick', 'backup'],
  description: 'hb job backup',
  schedule: 'cron "0 0 1,15 * mon" in UTC',
  trigger: { kind: 'calendar', events: ['Mon *-*-* 00:00:00 UTC', '*-*-01,15 00:00:00 UTC'] },
};

test('the service: oneshot, absolute ExecStart, no User= unless asked', () => {
  const s = serviceFile(PAIR, { ...EXEC, config: '/etc/hb/hb.yaml' });
  assert.equal(s.name, 'hb-backup.service');
  const lines = s.text.split('\n');
  assert.ok(lines.includes('[Service]') && lines.includes('Type=oneshot') && lines.includes('Description=hb job backup'));
  assert.ok(lines.includes('ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js tick backup --config /etc/hb/hb.yaml'));
  assert.ok(!s.text.includes('User='));
  assert.ok(s.text.endsWith('\n') && !s.text.endsWith('\n\n'));
  assert.ok(
    serviceFile({ ...PAIR, user: 'backup' }, EXEC)
      .text.split('\n')
      .includes('User=backup'),
  );
});

test('the timer: one OnCalendar= per event, Persistent, to the second, pointing at its service', () => {
  const t = timerFile(PAIR);
  assert.equal(t.name, 'hb-backup.timer');
  const lines = t.text.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('OnCalendar=')),
    ['OnCalendar=Mon *-*-* 00:00:00 UTC', 'OnCalendar=*-*-01,15 00:00:00 UTC'],
  );
  for (const want of ['Persistent=true', 'AccuracySec=1s', 'Unit=hb-backup.service', '[Install]', 'WantedBy=timers.target']) {
    assert.ok(lines.includes(want), want);
  }
  assert.ok(lines.includes('Description=Schedule of hb job backup: cron "0 0 1,15 * mon" in UTC'));
  const every = timerFile({ ...PAIR, schedule: 'every 15m', trigger: { kind: 'monotonic', periodMs: 900_000 } }).text.split('\n');
  assert.ok(every.includes('OnActiveSec=15min') && every.includes('OnUnitActiveSec=15min'));
  assert.ok(!every.some((l) => l.startsWith('OnCalendar=') || l.startsWith('Persistent=')), 'Persistent= applies to calendar timers only');
});

test('the daemon unit links the docs shipped beside dist/ and starts after the network is up', () => {
  const unit = daemonServiceFile({ ...EXEC, config: '/etc/hb/hb.yaml' }, 60).text.split('\n');
  assert.ok(unit.includes('Documentation=file:///usr/local/lib/node_modules/hb/docs/daemon.md'), unit.join('\n'));
  assert.ok(unit.includes('After=network-online.target') && unit.includes('Wants=network-online.target'));
  assert.ok(unit.includes('ExecStart=/usr/bin/node /usr/local/lib/node_modules/hb/dist/hb.js daemon start --config /etc/hb/hb.yaml'));
  assert.ok(!unit.some((l) => l.startsWith('Environment=')), 'the config goes on the command line, nowhere else');
  assert.ok(unit.indexOf('Wants=network-online.target') < unit.indexOf('[Service]'), 'the dependencies are in [Unit]');
  assert.equal(
    docsUrl({ node: '/usr/bin/node', hb: '/opt/my hb/100%/dist/hb.js' }, 'daemon.md'),
    'file:///opt/my%%20hb/100%%25/docs/daemon.md',
    'a URL (spaces encoded) with % doubled for systemd',
  );
});
