// `hb tick` through the built CLI: records, atomic files, config commands, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hb, readJson, sandbox, unscheduledHint } from '../helpers.ts';

// The record's every field, its file time, the cycle and the events: tests/unit/run-job.test.ts.
test('a ping records what its flags say, in a complete v1 file with no temp file left', () => {
  const s = sandbox();
  try {
    const r = hb(['tick', 'backup', '--every', '1h', '--grace', '10m', '--action', 'nightly', '--message', 'all good'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const rec = readJson(join(s.state, 'backup.last'));
    assert.deepEqual(
      [rec.v, rec.job, rec.status, rec.schedule, rec.grace_s, rec.action, rec.message, rec.cycle],
      [1, 'backup', 'ok', { every: '1h' }, 600, 'nightly', 'all good', 1],
    );
    assert.deepEqual(
      readdirSync(s.state).filter((f) => f.endsWith('.tmp')),
      [],
    );
  } finally {
    s.cleanup();
  }
});

test('--status error records a failed ping that check reports', () => {
  const s = sandbox();
  try {
    assert.equal(hb(['tick', 'sync', '--every', '5m', '--status', 'error', '--message', 'upstream 503'], { env: s.env }).code, 0);
    const c = hb(['check'], { env: s.env });
    assert.equal(c.code, 1);
    assert.match(c.stdout, /sync\s+FAILED\s+.*upstream 503/);
  } finally {
    s.cleanup();
  }
});

// A string through sh, a list without a shell, the record and events: tests/unit/run-pipeline.test.ts.
test('tick runs the command of the config file it finds and passes on its output and exit code', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  shell:\n    every: 15m\n    command: "echo from-sh $HB_JOB cycle=$HB_CYCLE; exit 3"\n');
    const a = hb(['tick', 'shell'], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.deepEqual([a.code, a.stdout, a.stderr], [3, 'from-sh shell cycle=1\n', '']);
    assert.equal(readJson(join(s.state, 'shell.last')).exit_code, 3);
    assert.equal(existsSync(join(s.state, 'shell.run')), false, 'running marker removed after the run');
  } finally {
    s.cleanup();
  }
});

test('bad job names are refused with exit 2 and nothing is written anywhere', () => {
  for (const name of ['../x', 'a/b', '.x', '', '-x', 'x'.repeat(129), 'a b']) {
    const s = sandbox();
    try {
      const r = hb(['tick', '--every', '1m', '--', name], { env: s.env });
      assert.equal(r.code, 2, `"${name}": ${r.stderr}`);
      assert.match(r.stderr, /invalid job name/);
      assert.match(r.stderr, /\^\[A-Za-z0-9\]/);
      assert.equal(existsSync(s.state), false, `no state dir for "${name}"`);
      assert.deepEqual(readdirSync(s.root), [], `nothing written for "${name}"`);
    } finally {
      s.cleanup();
    }
  }
});

test('bad flags name the flag and exit 2 without a stack trace', () => {
  const s = sandbox();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['tick', 'j', '--every', 'soon'], /--every: "soon" is not a duration/],
      [['tick', 'j', '--grace', 'soon'], /--grace: "soon" is not a duration/],
      [['tick', 'j', '--cron', '61 * * * *'], /--cron: .*61/],
      [['tick', 'j', '--cron', '0 5-1 * * *'], /--cron: .*5-1/],
      [['tick', 'j', '--cron', '0 * * * *', '--tz', 'Mars/Base'], /--tz: .*Mars\/Base/],
      [['tick', 'j', '--every', '1m', '--cron', '* * * * *'], /--every.*--cron|--cron.*--every/],
      [['tick', 'j', '--status', 'maybe'], /--status/],
      [['tick'], /missing required argument/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const r = hb(args, { env: s.env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(existsSync(join(s.state, 'j.last')), false);
  } finally {
    s.cleanup();
  }
});

test('config errors give file:line:col, all at once, exit 2', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    const cases: Array<[string, RegExp[]]> = [
      ['jobs:\n  a:\n    every: [1\n', [/hb\.yaml:\d+:\d+: invalid YAML/]],
      [
        'jobs:\n  a:\n    every: soon\n    colour: red\n',
        [/hb\.yaml:3:12: jobs\.a\.every: "soon" is not a duration/, /hb\.yaml:4:5: jobs\.a\.colour: unknown key "colour"/],
      ],
      ['jobs:\n  b:\n    cron: "61 * * * *"\n', [/hb\.yaml:3:11: jobs\.b\.cron: .*61/]],
      ['jobs:\n  b:\n    cron: "0 5-1 * * *"\n', [/hb\.yaml:3:11: jobs\.b\.cron: .*5-1/]],
      ['jobs:\n  c:\n    cron: "0 * * * *"\n    tz: Mars/Base\n', [/hb\.yaml:4:9: jobs\.c\.tz: .*Mars\/Base/]],
      ['jobs:\n  ../x:\n    every: 1m\n', [/hb\.yaml:2:3: jobs\.\.\.\/x: invalid job name/]],
      ['notify:\n  - pager: x\n', [/hb\.yaml:2:5: notify\[0\]: expected a one-key map/]],
    ];
    for (const [text, res] of cases) {
      writeFileSync(cfg, text);
      for (const args of [['tick', 'a'], ['check']]) {
        const r = hb(['--config', cfg, ...args], { env: s.env });
        assert.equal(r.code, 2, `${text}: ${r.stderr}`);
        for (const re of res) assert.match(r.stderr, re, text);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    }
    const missing = hb(['--config', join(s.root, 'nope.yaml'), 'check'], { env: s.env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: cannot read config file .*no such file/);
  } finally {
    s.cleanup();
  }
});

test('an unwritable state dir falls back to the per-user dir with one warning, and check reads both', () => {
  const s = sandbox();
  try {
    mkdirSync(s.root, { recursive: true });
    writeFileSync(join(s.root, 'blocker'), 'a file where a directory should be');
    const bad = join(s.root, 'blocker', 'state');
    const env = { ...s.env, HB_STATE_DIR: bad };
    const r = hb(['tick', 'fell', '--every', '1h'], { env });
    assert.equal(r.code, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /not writable .*writing to .*xdg-state\/hb instead/);
    assert.ok(existsSync(join(s.root, 'xdg-state', 'hb', 'fell.last')));
    const c = hb(['check', '--verbose'], { env });
    assert.equal(c.code, 0, c.stdout + c.stderr);
    assert.match(c.stdout, /fell\s+OK/);
  } finally {
    s.cleanup();
  }
});

test('global options work before and after the command, as crontab lines write them', () => {
  const s = sandbox();
  try {
    const dir = join(s.root, 'elsewhere');
    assert.equal(hb(['tick', 'a', '--every', '1m', '--state-dir', dir], { env: s.env }).code, 0);
    assert.equal(hb(['--state-dir', dir, 'tick', 'b', '--every', '1m'], { env: s.env }).code, 0);
    assert.ok(existsSync(join(dir, 'a.last')) && existsSync(join(dir, 'b.last')));
    const r = hb(['check', '--verbose', '--state-dir', dir], { env: s.env });
    assert.match(r.stdout, /all 2 jobs healthy/);
    assert.equal(existsSync(s.state), false, 'the environment default was not used');
  } finally {
    s.cleanup();
  }
});

/** A FIFO with no writer: a tick that tried to read it as a crontab would hang until the test's timeout. */
function fifoIn(dir: string): string | null {
  const fifo = join(dir, 'crontab.fifo');
  return spawnSync('mkfifo', [fifo]).status === 0 ? fifo : null;
}

// When the hint is due (first run, a schedule lost, never for a scheduled job) is decided in
// lib/run/pipeline.ts and tested in tests/unit/run-pipeline.test.ts; here, what reaches stderr
// and that a later tick reads no crontab.
test('the first tick of a job without a schedule prints one hint; a later tick says nothing and reads no crontab', () => {
  const s = sandbox();
  try {
    const first = hb(['tick', 'nightly'], { env: s.env });
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, '', unscheduledHint('nightly')]);
    const fifo = fifoIn(s.root);
    const again = hb(['tick', 'nightly'], { env: fifo ? { ...s.env, HB_CRONTAB_PATHS: fifo } : s.env });
    assert.deepEqual([again.code, again.signal, again.stderr], [0, null, ''], 'said once; cron does not mail it every run');
    const scheduled = hb(['tick', 'flagged', '--every', '15m'], { env: fifo ? { ...s.env, HB_CRONTAB_PATHS: fifo } : s.env });
    assert.deepEqual([scheduled.code, scheduled.signal, scheduled.stderr], [0, null, ''], 'a scheduled first tick reads no crontab');
  } finally {
    s.cleanup();
  }
});

test('no hint when a crontab line that runs the job gives it a schedule; a line for another job is none', () => {
  const s = sandbox();
  try {
    const cronD = join(s.root, 'cron.d');
    mkdirSync(cronD);
    writeFileSync(join(cronD, 'hb'), `*/10 * * * * root /usr/bin/node /opt/hb/dist/hb.js tick tabbed --state-dir ${s.state}\n`);
    const tabbed = hb(['tick', 'tabbed'], { env: { ...s.env, HB_CRONTAB_PATHS: cronD } });
    assert.deepEqual([tabbed.code, tabbed.stderr], [0, ''], 'hb check takes the schedule from that line: nothing to say');
    const other = hb(['tick', 'elsewhere'], { env: { ...s.env, HB_CRONTAB_PATHS: cronD } });
    assert.equal(other.stderr, unscheduledHint('elsewhere'), 'a line for another job is no schedule for this one');
  } finally {
    s.cleanup();
  }
});
