// `hb tick` through the built CLI: records, atomic files, config commands, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hb, readEventsFile, readJson, sandbox } from '../helpers.ts';

test('a pure ping writes a complete v1 record with mtime at the heartbeat time', () => {
  const s = sandbox();
  try {
    const r = hb(['tick', 'backup', '--every', '1h', '--grace', '10m', '--action', 'nightly', '--message', 'all good'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const rec = readJson(join(s.state, 'backup.last'));
    for (const key of ['v', 'job', 'host', 'status', 'exit_code', 'signal', 'started_at', 'finished_at', 'duration_ms', 'cycle', 'action', 'message', 'schedule', 'grace_s', 'output_tail', 'pid', 'hb_version']) {
      assert.ok(key in rec, `record has ${key}`);
    }
    assert.equal(rec.v, 1);
    assert.equal(rec.job, 'backup');
    assert.equal(rec.status, 'ok');
    assert.deepEqual(rec.schedule, { every: '1h' });
    assert.equal(rec.grace_s, 600);
    assert.equal(rec.action, 'nightly');
    assert.equal(rec.message, 'all good');
    assert.equal(rec.cycle, 1);
    assert.equal(Math.round(statSync(join(s.state, 'backup.last')).mtimeMs), Date.parse(rec.started_at));
    assert.equal(hb(['tick', 'backup'], { env: s.env }).code, 0);
    assert.equal(readJson(join(s.state, 'backup.last')).cycle, 2);
    const leftovers = readdirSync(s.state).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
    const events = readEventsFile(s.state);
    assert.deepEqual(events.map((e: { type: string }) => e.type), ['run_finished', 'run_finished']);
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

test('tick runs the configured command (string through sh, list without a shell) and passes its exit code', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, [
      'jobs:',
      '  shell:',
      '    every: 15m',
      '    command: "echo from-sh $HB_JOB cycle=$HB_CYCLE; exit 3"',
      '  argv:',
      '    every: 15m',
      '    command: ["/bin/echo", "$HB_JOB", "literal"]',
      '',
    ].join('\n'));
    const env = { ...s.env, HB_CONFIG: cfg };
    const a = hb(['tick', 'shell'], { env });
    assert.equal(a.code, 3);
    assert.equal(a.stdout, 'from-sh shell cycle=1\n');
    const rec = readJson(join(s.state, 'shell.last'));
    assert.equal(rec.status, 'error');
    assert.equal(rec.exit_code, 3);
    assert.equal(rec.output_tail, 'from-sh shell cycle=1\n');
    assert.deepEqual(rec.schedule, { every: '15m' });
    const b = hb(['tick', 'argv'], { env });
    assert.equal(b.code, 0);
    assert.equal(b.stdout, '$HB_JOB literal\n');
    assert.equal(existsSync(join(s.state, 'shell.run')), false, 'running marker removed after the run');
    const types = readEventsFile(s.state).map((e: { type: string }) => e.type);
    assert.deepEqual(types, ['run_started', 'run_finished', 'run_started', 'run_finished']);
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
      ['jobs:\n  a:\n    every: soon\n    colour: red\n', [/hb\.yaml:3:12: jobs\.a\.every: "soon" is not a duration/, /hb\.yaml:4:5: jobs\.a\.colour: unknown key "colour"/]],
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
