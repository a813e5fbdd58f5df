// `cron_daemon` evidence from a real Debian cron: a private one started in its own pid and mount
// namespaces (its own /proc and /run, empty crontabs, so it neither sees nor runs the shared
// daemon's jobs), with hb check run inside them while it runs, and again once it is killed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { HB, hb, requireTool, sandbox, type Sandbox } from '../helpers.ts';

let box: Sandbox | null = null;
after(() => box?.cleanup());

/**
 * Run in the namespaces: hide the host's crontabs and /run, start cron, wait for its pid file,
 * check, kill cron and reap it, check again. The checks' clock is 3h ahead: the job, due an hour
 * after its tick, is stale then, and cron has run since before it was due. Each check's output
 * goes to a file; a check exits 1 for the stale job.
 */
const SCRIPT = `
set -u
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /etc/cron.d
mount -t tmpfs -o mode=700 tmpfs /var/spool/cron/crontabs
mount --bind "$OUT/empty-crontab" /etc/crontab
cron -f -L 15 2>"$OUT/cron.err" &
CRON=$!
i=0
while [ ! -s /run/crond.pid ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
echo $CRON > "$OUT/cron.pid"
cat /run/crond.pid > "$OUT/pidfile-running"
faketime -f +3h "$NODE" "$HB" check --json nightly > "$OUT/running.json" 2>"$OUT/running.err"
kill $CRON
wait $CRON
faketime -f +3h "$NODE" "$HB" check --json nightly > "$OUT/stopped.json" 2>"$OUT/stopped.err"
faketime -f +3h "$NODE" "$HB" check nightly > "$OUT/stopped.txt" 2>&1
exit 0
`;

test('hb check in the namespace of a running cron rules cron out with its pid and start; once that cron is killed, no cron daemon is the cause, ranked first', async (t) => {
  if (!requireTool(t, 'cron') || !requireTool(t, 'unshare') || !requireTool(t, 'faketime')) return;
  if (process.getuid?.() !== 0) {
    if (process.env.HB_REQUIRE_SYSTEM) throw new Error('this system test makes namespaces and mounts: run it as root');
    return t.skip('needs root for namespaces');
  }
  const s = (box = sandbox());
  // A job that runs every hour, last now: due in an hour, stale in two.
  const tick = hb(['tick', 'nightly', '--every', '1h'], { env: s.env });
  assert.equal(tick.code, 0, tick.stderr);
  writeFileSync(join(s.root, 'empty-crontab'), '');
  const startedMs = Date.now();
  const env = {
    ...s.env,
    PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    OUT: s.root,
    NODE: process.execPath,
    HB,
  };
  const ns = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--mount', 'sh', '-c', SCRIPT], { env, encoding: 'utf8', timeout: 60_000 });
  const out = (name: string) => readFileSync(join(s.root, name), 'utf8');
  assert.equal(ns.status, 0, `namespace script: ${ns.stderr}${ns.error ?? ''}`);
  const cronPid = Number(out('cron.pid').trim());
  assert.equal(Number(out('pidfile-running').trim()), cronPid, `cron took its pid file in the private /run\n${out('cron.err')}`);

  const running = JSON.parse(out('running.json')).jobs[0];
  assert.equal(running.status, 'stale', out('running.err'));
  const clear = running.evidence.find((e: { kind: string }) => e.kind === 'cron_daemon');
  assert.ok(clear, `a cron_daemon item: ${JSON.stringify(running.evidence)}`);
  assert.equal(clear.weight, 'clear');
  assert.equal(clear.facts.running, true);
  assert.equal(clear.facts.pid, cronPid);
  assert.equal(clear.facts.pid_file, '/run/crond.pid');
  // /proc's start time (whole seconds of btime, clock ticks) of a cron started during this test.
  const since = Date.parse(clear.facts.started_at);
  assert.ok(
    since >= startedMs - 2_000 && since <= Date.now() + 2_000,
    `cron started ${clear.facts.started_at}, the test at ${new Date(startedMs).toISOString()}`,
  );
  assert.match(clear.text, new RegExp(`^cron \\(pid ${cronPid}\\) has run since \\d\\d:\\d\\d UTC \\(.+ ago\\), since before the run was due$`));

  const stopped = JSON.parse(out('stopped.json')).jobs[0];
  assert.equal(stopped.status, 'stale', out('stopped.err'));
  const [first] = stopped.evidence;
  assert.equal(first.kind, 'cron_daemon', JSON.stringify(stopped.evidence));
  assert.equal(first.weight, 'cause');
  assert.match(
    first.text,
    new RegExp(
      `^no cron daemon is running \\(the last one, pid ${cronPid}, started \\d\\d:\\d\\d UTC; since when is not known\\): nothing starts crontab lines`,
    ),
  );
  assert.deepEqual(first.facts, { runner: 'cron', running: false, pid: cronPid, started_at: first.facts.started_at, pid_file: '/run/crond.pid' });
  assert.ok(Math.abs(Date.parse(first.facts.started_at) - since) < 3_000, 'the pid file was written as that cron started');
  // The text output names it on the line under the reason.
  const lines = out('stopped.txt').split('\n');
  const reason = lines.findIndex((l) => /^nightly +STALE +/.test(l));
  assert.ok(reason >= 0, out('stopped.txt'));
  assert.match(lines[reason + 1]!, new RegExp(`^ +likely: no cron daemon is running \\(the last one, pid ${cronPid}, `), out('stopped.txt'));
});
