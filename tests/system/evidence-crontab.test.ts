// Evidence of kind crontab_line from the host's real crontabs (no cron daemon needed): a
// throw-away user's crontab installed, commented out and emptied through crontab(1), and files
// in /etc/cron.d that cron ignores (a dot in the name, group-writable), removed after.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, throwAwayUser, type Sandbox } from '../helpers.ts';

interface Item {
  kind: string;
  weight: string;
  text: string;
  facts: Record<string, unknown>;
}

/** The check's crontab_line items for `job`, read from the real crontabs (no HB_CRONTAB_PATHS). */
function crontabItems(s: Sandbox, cfg: string, job: string): Item[] {
  const env = { ...s.env };
  delete env.HB_CRONTAB_PATHS;
  const r = hb(['check', '--config', cfg, '--json', job], { env });
  assert.equal(r.code, 1, r.stderr);
  const verdict = (JSON.parse(r.stdout) as { jobs: { job: string; status: string; evidence: Item[] }[] }).jobs.find((j) => j.job === job)!;
  assert.equal(verdict.status, 'stale', r.stdout);
  return verdict.evidence.filter((e) => e.kind === 'crontab_line');
}

/** A heartbeat of `job` `ago` back (faketime), as a run of `owner` would leave it. */
function lastRun(s: Sandbox, cfg: string, job: string, ago: string, owner?: string) {
  const r = hb(['tick', job, '--config', cfg], { env: s.env, prefix: ['faketime', '-f', `-${ago}`] });
  assert.equal(r.code, 0, r.stderr);
  if (owner) {
    const uid = Number(spawnSync('id', ['-u', owner], { encoding: 'utf8' }).stdout.trim());
    chownSync(join(s.state, `${job}.last`), uid, statSync(join(s.state, `${job}.last`)).gid);
  }
}

test('a real user crontab: the line present is ruled out; commented out, and removed with crontab(1) after the last run, it is the cause', (t) => {
  const user = `hbevl${process.pid}`;
  if (!requireTool(t, 'crontab') || !requireTool(t, 'faketime') || !throwAwayUser(t, user)) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const job = `evl-user-${process.pid}`;
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, `jobs:\n  ${job}:\n    every: 30m\n`);
  const install = (text: string) => assert.equal(spawnSync('crontab', ['-u', user, '-'], { input: text, encoding: 'utf8' }).status, 0);
  const spoolFile = `/var/spool/cron/crontabs/${user}`;
  // crontab(1) puts its own header in front: the job's line number is the file's.
  const lineOf = (text: string) => readFileSync(spoolFile, 'utf8').split('\n').indexOf(text) + 1;
  lastRun(s, cfg, job, '150m', user);

  // The user's lines write to the check's state directory (HB_STATE_DIR above them), as a job of this check does.
  const head = `MAILTO=""\nHB_STATE_DIR=${s.state}\n`;
  install(`${head}0 * * * * hb wrap --job ${job} -- /bin/true\n`);
  const present = crontabItems(s, cfg, job);
  assert.deepEqual(
    present.map((e) => [e.weight, e.text]),
    [['clear', `crontab line ${spoolFile}:${lineOf(`0 * * * * hb wrap --job ${job} -- /bin/true`)} runs it: 0 * * * *`]],
  );
  assert.deepEqual([present[0]!.facts.state, present[0]!.facts.file], ['runs', spoolFile]);

  install(`${head}# 0 * * * * hb wrap --job ${job} -- /bin/true\n`);
  assert.deepEqual(
    crontabItems(s, cfg, job).map((e) => [e.weight, e.text]),
    [['cause', `the line is commented out: ${spoolFile}:${lineOf(`# 0 * * * * hb wrap --job ${job} -- /bin/true`)} (0 * * * *)`]],
  );

  install(`${head}15 4 * * * /bin/true\n`);
  const removed = crontabItems(s, cfg, job);
  assert.equal(removed.length, 1);
  assert.equal(removed[0]!.weight, 'cause');
  assert.match(
    removed[0]!.text,
    new RegExp(`^no crontab line runs it: removed since the last run \\(${spoolFile} changed \\d+(ms|s) ago, after the last run\\)$`),
  );
  assert.deepEqual([removed[0]!.facts.state, removed[0]!.facts.changed], ['removed', spoolFile]);
});

test('a line in a file of /etc/cron.d that cron ignores is the cause, naming the rule: a dot in the name, a group-writable file', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  t.after(() => s.cleanup());
  const [dotted, loose] = [`evl-dot-${process.pid}`, `evl-mode-${process.pid}`];
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, `jobs:\n  ${dotted}:\n    every: 30m\n  ${loose}:\n    every: 30m\n`);
  lastRun(s, cfg, dotted, '150m');
  lastRun(s, cfg, loose, '150m');
  // Named uniquely, removed after; cron never runs either (that is the point).
  const dotFile = `/etc/cron.d/hbevl${process.pid}.job`;
  const modeFile = `/etc/cron.d/hbevl${process.pid}gw`;
  t.after(() => [dotFile, modeFile].forEach((f) => rmSync(f, { force: true })));
  writeFileSync(dotFile, `HB_STATE_DIR=${s.state}\n0 * * * * root hb tick ${dotted}\n`, { mode: 0o644 });
  writeFileSync(modeFile, `HB_STATE_DIR=${s.state}\n0 * * * * root hb tick ${loose}\n`);
  chmodSync(modeFile, 0o664);

  const byName = crontabItems(s, cfg, dotted);
  assert.deepEqual(
    byName.map((e) => [e.weight, e.text, e.facts.rule]),
    [['cause', `${dotFile} is ignored by cron: a name with "." (cron.d names take only letters, digits, _ and -) (line 2 runs it)`, 'crond-name']],
  );
  const byMode = crontabItems(s, cfg, loose);
  assert.deepEqual(
    byMode.map((e) => [e.weight, e.text, e.facts.rule]),
    [['cause', `${modeFile} is ignored by cron: mode 0664 is group- or other-writable (line 2 runs it)`, 'crond-mode']],
  );
});
