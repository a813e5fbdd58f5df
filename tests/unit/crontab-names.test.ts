// The default job name: what a command runs, the one rule hb wrap (for its argv) and
// hb crontab --adopt (for a crontab command) share, and the name an #Ansible: marker gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrappedArgv } from '../../lib/rules/crontab/adopt.ts';
import { jobNameForArgv, jobNameForCommand, slugJobName } from '../../lib/rules/crontab/job-names.ts';
import { validateJobName } from '../../lib/rules/job-name.ts';

// Commands in the shapes real crontabs have, and the job each one is.
const NAMES: Array<[string, string]> = [
  ['/usr/local/bin/backup.sh --full', 'backup.sh'],
  ['python3 /opt/app/report.py --daily', 'report.py'],
  ['cd / && run-parts --report /etc/cron.hourly', 'cron.hourly'],
  ['test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }', 'cron.daily'],
  ['nice -n 10 ionice -c3 /usr/bin/rsync -a /src /dst', 'rsync'],
  ['sleep 30; /usr/local/bin/sync-mirror', 'sync-mirror'],
  ['sleep $((RANDOM % 300)) && /usr/bin/certbot renew -q', 'certbot'],
  ['cd /srv/app && ./bin/cleanup', 'cleanup'],
  ['cd /var/www/app && php artisan schedule:run >> /dev/null 2>&1', 'artisan'],
  ['mysqldump --all-databases | gzip > /srv/db.sql.gz', 'mysqldump'],
  ['echo hi', 'echo'],
  ['$HOME/bin/run', 'run'],
  ['${APP_DIR}/scripts/rotate-logs.sh', 'rotate-logs.sh'],
  ['~/bin/fetch-mail', 'fetch-mail'],
  ['$CMD --now', 'job'],
  ['"/opt/My Tools/nightly job.sh"', 'nightly_job.sh'],
  ['sudo -u www-data /usr/bin/php /var/www/nextcloud/cron.php', 'cron.php'],
  ['sudo /usr/local/sbin/renew-certs', 'renew-certs'],
  ['sudo -E -H -u deploy -- /srv/deploy/bin/sync', 'sync'],
  ['su - postgres -c "pg_dumpall > /var/backups/all.sql"', 'pg_dumpall'],
  ["su -s /bin/sh nobody -c '/usr/local/bin/fetch-feeds'", 'fetch-feeds'],
  ['runuser -u app -- /opt/app/bin/worker --once', 'worker'],
  ["bash -c 'cd /opt/app && ./export.sh'", 'export.sh'],
  ['/bin/bash -lc "source ~/.profile; /opt/jobs/report-daily"', 'report-daily'],
  ['sh /opt/scripts/prune.sh', 'prune.sh'],
  ['timeout 5m /opt/x/long-job', 'long-job'],
  ['timeout -k 10 300 /usr/local/bin/mirror', 'mirror'],
  ['timeout --signal=KILL 1h node /srv/bot/dist/poll.js', 'poll.js'],
  ['/usr/bin/flock -n /tmp/import.lock /opt/etl/import.py', 'import.py'],
  ["flock -w 10 /var/lock/sync.lock -c '/usr/local/bin/sync-data --all'", 'sync-data'],
  ['date >> /var/log/nightly.log; /opt/nightly.sh >> /var/log/nightly.log 2>&1', 'nightly.sh'],
  ['find /tmp -type f -mtime +7 -delete', 'find'],
  ['grep -q ERROR /var/log/app.log && /usr/local/bin/alert-ops', 'alert-ops'],
  ['[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi', 'sessionclean'],
  ['command -v debian-sa1 > /dev/null && debian-sa1 1 1', 'debian-sa1'],
  ['{ /opt/a/step1.sh; /opt/a/step2.sh; } >> /var/log/ab.log 2>&1', 'step1.sh'],
  ['(cd /srv/site && ./deploy.sh)', 'deploy.sh'],
  ['/usr/bin/env python3 /opt/tools/stats.py', 'stats.py'],
  ['python3 -m app.jobs.nightly', 'app.jobs.nightly'],
  ["perl -e 'sleep int(rand(3600))' && certbot -q renew", 'certbot'],
  ['nohup /opt/x/daemon.sh > /dev/null 2>&1 &', 'daemon.sh'],
  ['chronic /usr/local/bin/borgmatic --verbosity -1', 'borgmatic'],
  ['. /etc/profile; /usr/local/bin/rclone sync /data remote:data', 'rclone'],
  ['export PATH=/usr/local/bin:$PATH; backup-all', 'backup-all'],
  ['cd /var/www && /usr/bin/git pull -q', 'git'],
  ["sudo -u deploy -H bash -lc 'cd ~/app && bin/rake cron:hourly'", 'rake'],
  ['/usr/bin/time -o /tmp/t.txt /opt/bench/run.sh', 'run.sh'],
  ["ionice -c3 nice find /var/log/app -name '*.gz' -mtime +30 -delete", 'find'],
  ['curl -fsS -m 10 https://example.com/cron/run > /dev/null', 'curl'],
  ['true', 'true'],
  ['cd /srv', 'cd'],
  ['sudo -i', 'sudo'],
];

test('names: what the command runs — the script, the program past wrappers, cd, sleep and shells', () => {
  for (const [command, name] of NAMES) {
    assert.equal(jobNameForCommand(command), name, command);
    assert.equal(validateJobName(name), null, name);
  }
});

test('names: hb wrap names a job as adopt names the same command, whether wrap runs it directly or through the shell', () => {
  assert.equal(jobNameForArgv(['/x/ok.sh']), 'ok.sh');
  assert.equal(jobNameForCommand('/x/ok.sh'), 'ok.sh');
  for (const [command, name] of NAMES) {
    for (const shell of ['/bin/sh', '/bin/bash']) {
      // The argv adopt writes after `hb wrap --job NAME --`: wrap without --job would pick the same NAME.
      assert.equal(jobNameForArgv(wrappedArgv(command, shell)), name, `${shell}: ${command}`);
    }
  }
  // Names wrap gave before and still gives: a program run directly keeps its base name.
  for (const [argv, name] of [
    [['/usr/local/bin/backup.sh'], 'backup.sh'],
    [['./.hidden'], 'hidden'],
    [['my script (v2)!.sh'], 'my_script_v2_.sh'],
    [['/opt/dir/'], 'dir'],
    [['$weird'], 'weird'],
  ] as const) {
    assert.equal(jobNameForArgv([...argv]), name, argv[0]);
  }
  assert.equal(jobNameForArgv(['sh', '-c', 'cd /srv && ./nightly.sh']), 'nightly.sh');
  assert.equal(jobNameForArgv(['nice', '-n', '5', 'python3', '/opt/a/etl.py']), 'etl.py');
});

test('names: a shell nested in a shell is looked into, a few levels deep at most', () => {
  assert.equal(jobNameForCommand(`sh -c "bash -c 'sudo -u x /opt/deep.sh'"`), 'deep.sh');
  let deep = '/opt/bottom.sh';
  for (let i = 0; i < 8; i++) deep = `sh -c ${JSON.stringify(deep)}`;
  assert.equal(validateJobName(jobNameForCommand(deep)), null);
});

test('names: the name of an #Ansible: entry, slugged to the name rule', () => {
  assert.equal(slugJobName('nightly db backup'), 'nightly-db-backup');
  assert.equal(slugJobName('Rotate /var/log/app (weekly)'), 'rotate-var-log-app-weekly');
  assert.equal(slugJobName('logrotate'), 'logrotate');
  assert.equal(slugJobName('..'), null, 'nothing left to name by');
  assert.equal(slugJobName('ünïcode ✓'), 'n-code');
  assert.equal(slugJobName('x'.repeat(300)), 'x'.repeat(128));
});
