// Whole-file verdicts under the real Debian cron daemon: one line cron refuses (a sixth time
// field, a user that does not exist) makes it ignore the whole file, so a good line beside it
// never runs, while a last comment without newline harms nothing; and what cron hands the shell
// and the stdin for a `\\%` line. hb doctor and hb crontab --adopt must agree with what cron did.
//
// The cron runs in a mount namespace of its own (unshare -m): its /etc/cron.d, /etc/crontab,
// spool and /run are directories of this test, so neither the host's cron nor its jobs are
// touched, and a busybox syslogd there records what cron logs. One cron wake-up runs it all.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab, type JobLine } from '../../lib/rules/crontab/parse.ts';
import { splitPercent } from '../../lib/rules/crontab/percent.ts';
import { HB, hb, requireTool, sandbox, waitFor, type Sandbox } from '../helpers.ts';

// One cron wake-up is at most a minute away, plus the 1–2 s cron takes to start its jobs.
const CRON_WAKE_MS = 70_000;

let box: Sandbox | null = null;
let cron: ChildProcess | null = null;
after(async () => {
  const pidFile = box && join(box.root, 'syslogd.pid');
  const syslogd = pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (syslogd > 0) {
    try {
      process.kill(syslogd, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  if (cron && cron.exitCode === null && cron.signalCode === null) {
    const gone = new Promise((resolve) => cron!.once('exit', resolve));
    cron.kill('SIGTERM');
    await gone;
  }
  box?.cleanup();
});

const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

// The namespace: the test's directories over cron's, a syslogd on a private /dev/log, then cron.
const NAMESPACE = `set -e
D="$1"
mount --bind "$D/cron.d" /etc/cron.d
mount --bind "$D/crontab" /etc/crontab
mount --bind "$D/spool" /var/spool/cron/crontabs
mount --bind "$D/run" /run
mount --bind /dev "$D/olddev"
mount -t tmpfs tmpfs /dev
touch /dev/null
mount --bind "$D/olddev/null" /dev/null
busybox syslogd -n -O "$D/syslog" &
echo $! > "$D/syslogd.pid"
n=0
while [ ! -S /dev/log ]; do n=$((n + 1)); [ $n -lt 200 ] || exit 9; sleep 0.05; done
exec cron -f -L 15
`;

describe('whole-file verdicts under the real cron daemon', () => {
  it(
    'ignores a file with one refused line (its good line never runs), reads one ending in a comment, and splits \\\\% as hb does; hb says the same',
    { timeout: 150_000 },
    async (t) => {
      if (!requireTool(t, 'cron') || !requireTool(t, 'unshare') || !requireTool(t, 'busybox')) return;
      if (process.getuid?.() !== 0) {
        if (process.env.HB_REQUIRE_SYSTEM) throw new Error('this system test mounts a namespace for cron: run it as root');
        t.skip('needs root');
        return;
      }
      assert.ok(existsSync(HB), `${HB} is missing: run \`npm run build\` first`);
      const s = (box = sandbox());
      for (const dir of ['cron.d', 'spool', 'run', 'olddev', 'marks']) mkdirSync(join(s.root, dir), { recursive: true });
      chmodSync(s.root, 0o755);
      chmodSync(join(s.root, 'spool'), 0o1730);

      // Each job records its arguments and its stdin under marks/NAME.
      const mark = join(s.root, 'mark.sh');
      writeFileSync(
        mark,
        [
          '#!/bin/sh',
          `out=${join(s.root, 'marks')}/$1; shift`,
          '{ for a in "$@"; do printf "[%s]" "$a"; done; echo; cat; } > "$out.tmp" && mv "$out.tmp" "$out"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const cronD = join(s.root, 'cron.d');
      const file = (name: string, text: string) => {
        writeFileSync(join(cronD, name), text, { mode: 0o644 });
        return join(cronD, name);
      };
      const percent = `${mark} percent a\\\\%line one%line \\\\%two`;
      const files = {
        // Good lines only: they run.
        control: file('control', `* * * * * root ${mark} control </dev/null\n`),
        percent: file('percent', `* * * * * root ${percent}\n`),
        comment: file('comment', `* * * * * root ${mark} comment </dev/null\n# the last line, with no newline`),
        // One refused line each: the good line above it never runs.
        six: file('six', `* * * * * root ${mark} six </dev/null\n*/6 * * * * * root echo hi\n`),
        user: file('user', `* * * * * root ${mark} user </dev/null\n*/30 * * * * curl -X POST http://127.0.0.1:9/ping\n`),
      };
      writeFileSync(
        join(s.root, 'crontab'),
        `# a good line, then a user that does not exist\n* * * * * root ${mark} etc-crontab </dev/null\n0 4 * * * nosuchuser-hb /usr/bin/true\n`,
        { mode: 0o644 },
      );
      writeFileSync(join(s.root, 'spool', 'root'), `* * * * * ${mark} spool </dev/null\n0 0 L * * /usr/bin/true\n`, { mode: 0o600 });

      cron = spawn('unshare', ['-m', 'sh', '-c', NAMESPACE, 'sh', s.root], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      cron.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const syslog = () => read(join(s.root, 'syslog'));
      await waitFor(() => syslog().includes('INFO (Running @reboot jobs)') || cron!.exitCode !== null, 'cron to load its crontabs', 15_000);
      assert.equal(cron.exitCode, null, `cron exited (${cron.exitCode}): ${stderr}\n${syslog()}`);

      // cron says at load time which files it ignores, and why.
      const log = syslog();
      for (const [where, why] of [
        ['/etc/cron.d/six', 'bad username'],
        ['/etc/cron.d/user', 'bad username'],
        ['/etc/crontab', 'bad username'],
        ['crontab for user root', 'bad day-of-month'],
      ]) {
        assert.match(log, new RegExp(`Error: ${why}; while reading ${where}`), log);
      }
      assert.equal(log.match(/Syntax error, this crontab file will be ignored/g)?.length, 4, log);

      // One wake-up: the good files run; once cron is idle again, nothing else has.
      const marks = join(s.root, 'marks');
      const cmds = () => syslog().match(/\) CMD \(/g)?.length ?? 0;
      const ends = () => syslog().match(/\) END \(/g)?.length ?? 0;
      await waitFor(
        () => ['control', 'comment', 'percent'].every((m) => existsSync(join(marks, m))) && ends() >= cmds(),
        'cron to run the good files',
        CRON_WAKE_MS,
      ).catch((e) => assert.fail(`${e}\n${stderr}\n${syslog()}`));
      for (const never of ['six', 'user', 'etc-crontab', 'spool']) {
        assert.equal(existsSync(join(marks, never)), false, `${never} ran although cron ignores its file:\n${syslog()}`);
      }
      assert.equal(cmds(), 3, syslog());

      // \\% in the command: the shell got "a\" (cron logs the command it starts); stdin as hb splits it.
      const split = splitPercent(percent);
      assert.match(syslog(), new RegExp(`CMD \\(\\[\\d+\\] ${split.command.replace(/[\\[\]().*+?^$|]/g, '\\$&')}\\)`));
      assert.equal(split.command, `${mark} percent a\\`);
      assert.equal(read(join(marks, 'percent')), `[a\\]\n${split.stdin}`);

      // hb doctor agrees, file by file, and names the good line cron ignores with the bad one.
      const doctor = (path: string) => hb(['doctor', '--crontab', path], { env: s.env });
      for (const name of ['control', 'comment'] as const) {
        const r = doctor(files[name]);
        assert.equal(r.code, 0, `${name}: ${r.stdout}`);
      }
      const six = doctor(files.six);
      assert.equal(six.code, 1);
      assert.match(
        six.stdout,
        /six:2: error: cron refuses this line and ignores the whole file .*bad username: "\*" after the 5 time fields.*line 1 \(.*mark\.sh six <\/dev\/null\) \[invalid-line\]/,
      );
      const user = doctor(files.user);
      assert.equal(user.code, 1);
      assert.match(
        user.stdout,
        /user:2: error: user "curl" does not exist: cron refuses the line \("bad username"\) and ignores the whole file .*line 1 \(.*mark\.sh user <\/dev\/null\) \[unknown-user\]/,
      );

      // Adopt leaves the files cron ignores as they are and adopts the ones it runs.
      const before = { six: read(files.six), user: read(files.user) };
      const adopt = hb(['crontab', '--adopt', '--apply', '--crontab', files.six, files.user, files.percent], { env: s.env });
      assert.equal(adopt.code, 0, adopt.stderr);
      assert.deepEqual({ six: read(files.six), user: read(files.user) }, before);
      assert.match(adopt.stderr, /six: left as it is: cron ignores this whole file: line 2: bad username/);
      assert.match(adopt.stderr, /user: left as it is: cron ignores this whole file: line 2: bad username/);
      const adopted = parseCrontab(read(files.percent), { kind: 'system', file: files.percent }).lines.find((l): l is JobLine => l.kind === 'job')!;
      assert.equal(adopted.hb[0]?.subcommand, 'wrap', read(files.percent));
      assert.equal(adopted.stdin, split.stdin, 'the adopted \\\\% line feeds the same stdin');
      assert.deepEqual(adopted.hb[0].wrapped, ['/bin/sh', '-c', split.command], 'and hands the shell the same command');
    },
  );
});
