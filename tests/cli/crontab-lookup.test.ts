// hb check's schedule lookup through the built CLI: a crontab line lends its schedule only to
// its own user's jobs in its own state directory (SPEC §4), whichever way the line says where
// its hb writes. Tests run as root, so lines for root are the checking user's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, requireTool, sandbox, type Run } from '../helpers.ts';

const HBC = `${process.execPath} ${HB}`;
const at = (iso: string) => ['faketime', '-f', `@${iso.replace('T', ' ').replace('Z', '')}`];
interface Job {
  job: string;
  status: string;
  schedule: unknown;
  schedule_source: string | null;
}
const jobsOf = (r: Run): Record<string, Job> => Object.fromEntries((JSON.parse(r.stdout).jobs as Job[]).map((j) => [j.job, j]));

test('lines for another state directory or another user lend nothing; lines for this one do, however they name it', () => {
  const s = sandbox();
  try {
    const S = s.state;
    const other = join(s.root, 'other');
    const system = join(s.root, 'system');
    writeFileSync(
      system,
      [
        // The first line for `elsewhere` runs for another state directory: the second one's schedule applies.
        `* * * * * root ${HBC} wrap --job elsewhere --cron '* * * * *' --state-dir ${other} -- true`,
        `0 3 * * * root ${HBC} wrap --job elsewhere --state-dir ${S} -- true`,
        `* * * * * root ${HBC} tick eq-form --state-dir=${other}`,
        `* * * * * root HB_STATE_DIR=${other} ${HBC} tick prefixed`,
        `* * * * * www-data ${HBC} tick other-user --state-dir ${S}`,
        `* * * * * root cd ${s.root} && ${HBC} tick relative --state-dir other`,
        `*/7 * * * * root cd ${s.root} && ${HBC} tick relative-same --state-dir state`,
        `*/5 * * * * root ${HBC} tick written-differently --state-dir ${S}/../state//`,
        `HB_STATE_DIR=${other}`,
        `* * * * * root ${HBC} tick env-line`,
        `HB_STATE_DIR=${S}/`,
        `*/9 * * * * root ${HBC} tick env-line-same`,
        '',
      ].join('\n'),
    );
    // Another user's own crontab (a spool file is named after its owner).
    mkdirSync(join(s.root, 'crontabs'));
    writeFileSync(join(s.root, 'crontabs', 'alice'), `* * * * * ${HBC} tick alices --state-dir ${S}\n`);

    const lending = { elsewhere: '0 3 * * *', 'relative-same': '*/7 * * * *', 'written-differently': '*/5 * * * *', 'env-line-same': '*/9 * * * *' };
    const refused = ['eq-form', 'prefixed', 'other-user', 'relative', 'env-line', 'alices'];
    for (const job of [...Object.keys(lending), ...refused]) assert.equal(hb(['tick', job], { env: s.env }).code, 0);

    const r = hb(['check', '--json'], { env: { ...s.env, HB_CRONTAB_PATHS: `${join(s.root, 'crontabs', 'alice')}:${system}` } });
    assert.equal(r.stderr, '');
    const jobs = jobsOf(r);
    for (const [job, cron] of Object.entries(lending)) {
      assert.deepEqual([jobs[job]!.schedule, jobs[job]!.schedule_source], [{ cron }, 'crontab'], job);
    }
    for (const job of refused) assert.deepEqual([jobs[job]!.status, jobs[job]!.schedule], ['unscheduled', null], job);
  } finally {
    s.cleanup();
  }
});

test("an hb check line for another state directory does not make this one's meta-heartbeat late", (t) => {
  if (!requireTool(t, 'faketime')) return;
  const s = sandbox();
  try {
    const file = join(s.root, 'system');
    writeFileSync(
      file,
      [`* * * * * root ${HBC} check --state-dir ${join(s.root, 'other')}`, `*/10 * * * * root HB_STATE_DIR=${s.state} ${HBC} check`, ''].join('\n'),
    );
    const env = { ...s.env, HB_CRONTAB_PATHS: file };
    assert.equal(hb(['check'], { env, prefix: at('2026-11-20T09:00:05Z') }).code, 0);
    // Five minutes on: late by the every-minute line, on time by this directory's own.
    const r = hb(['check', '--json'], { env, prefix: at('2026-11-20T09:05:00Z') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const own = jobsOf(r)['hb-check']!;
    assert.deepEqual([own.status, own.schedule, own.schedule_source], ['ok', { cron: '*/10 * * * *' }, 'crontab']);

    // Only the other directory's line: the meta-heartbeat has no schedule here.
    writeFileSync(file, `* * * * * root ${HBC} check --state-dir ${join(s.root, 'other')}\n`);
    const alone = hb(['check', '--json'], { env, prefix: at('2026-11-20T09:10:00Z') });
    assert.equal(alone.code, 0, alone.stdout + alone.stderr);
    assert.deepEqual([jobsOf(alone)['hb-check']!.status, jobsOf(alone)['hb-check']!.schedule], ['unscheduled', null]);
  } finally {
    s.cleanup();
  }
});
