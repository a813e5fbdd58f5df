// `hb log` through the built CLI: the history oldest first across rotations, one line per event,
// JSON lines as stored, --since, and which job names are unknown (exit 2).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hb, sandbox } from '../helpers.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}\S+ +\S+ +.+$/;

test('the history of real runs: oldest first, one readable line per event, per job with JOB', () => {
  const s = sandbox();
  try {
    assert.equal(hb(['tick', 'ping', '--every', '1h'], { env: s.env }).code, 0);
    assert.equal(hb(['wrap', '--job', 'bad', '--every', '1h', '--', process.execPath, fixture('exit-with.js'), '3'], { env: s.env }).code, 3);
    const r = hb(['log'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    for (const l of lines) assert.match(l, LINE);
    assert.match(lines[0]!, / {2}ping {2}run_finished {2}ok ping \(cycle 1\)$/);
    assert.match(lines[1]!, / {2}bad {3}run_started {3}started \(cycle 1\), pid \d+$/);
    assert.match(lines[2]!, / {2}bad {3}run_finished {2}error exit 3 in \d+ms \(cycle 1\)$/);

    const bad = hb(['log', 'bad'], { env: s.env });
    assert.equal(bad.code, 0);
    assert.equal(bad.stdout.trimEnd().split('\n').length, 2);
    assert.doesNotMatch(bad.stdout, /ping/);
  } finally {
    s.cleanup();
  }
});

test('a run judged suspicious: hb log names the outcome and its reason, --json holds both fields', () => {
  const s = sandbox();
  try {
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  dump:\n    every: 1h\n    min_duration: 1h\n');
    const env = { ...s.env, HB_CONFIG: cfg };
    const run = hb(['wrap', '--job', 'dump', '--', process.execPath, fixture('exit-with.js'), '0'], { env });
    assert.equal(run.code, 0, run.stderr);
    const text = hb(['log', 'dump'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, / {2}dump {2}run_finished {2}ok exit 0 in \d+ms \(cycle 1\) — suspicious: .*min_duration 1h.*$/m);
    const finished = hb(['log', 'dump', '--json'], { env })
      .stdout.trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'run_finished');
    assert.equal(finished.length, 1);
    assert.equal(finished[0].outcome, 'suspicious');
    assert.match(finished[0].reason, /min_duration 1h/);
  } finally {
    s.cleanup();
  }
});

test('--json prints the events exactly as stored, one per line; --since keeps the recent ones', () => {
  const s = sandbox();
  try {
    mkdirSync(s.state, { recursive: true });
    const now = Date.now();
    const stored = [
      { ts: iso(now - 3 * HOUR), job: 'a', type: 'alert_opened', incident: 'i1', status: 'stale', reason: 'due 1h ago' },
      { ts: iso(now - 30 * 60_000), job: 'a', type: 'alert_resolved', incident: 'i1', status: 'ok', reason: 'ticked' },
      { ts: iso(now - 60_000), job: 'b', type: 'something_new', answer: 42 },
    ].map((e) => JSON.stringify(e));
    writeFileSync(join(s.state, 'events.jsonl'), stored.join('\n') + '\n');
    const all = hb(['log', '--json'], { env: s.env });
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, readFileSync(join(s.state, 'events.jsonl'), 'utf8'));
    const recent = hb(['log', '--json', '--since', '1h'], { env: s.env });
    assert.equal(recent.stdout, stored.slice(1).join('\n') + '\n');
    const text = hb(['log', '--since', '1h'], { env: s.env }).stdout.trimEnd().split('\n');
    assert.match(text[0]!, / {2}a {2}alert_resolved {2}alert resolved — ticked \[incident i1\]$/);
    assert.match(text[1]!, / {2}b {2}something_new {3}answer=42$/);
  } finally {
    s.cleanup();
  }
});

test('a line of a known type with a field of another JSON type and one hb does not write: --json prints it as stored, the summary leaves both out', () => {
  const s = sandbox();
  try {
    mkdirSync(s.state, { recursive: true });
    const stored = JSON.stringify({
      ts: iso(Date.now() - 60_000),
      job: 'c',
      type: 'run_finished',
      cycle: 'seven',
      status: 'ok',
      exit_code: 0,
      signal: null,
      duration_ms: 5,
      from: 'a newer hb',
    });
    writeFileSync(join(s.state, 'events.jsonl'), stored + '\n');
    assert.equal(hb(['log', '--json'], { env: s.env }).stdout, stored + '\n');
    assert.match(hb(['log'], { env: s.env }).stdout, / {2}c {2}run_finished {2}ok exit 0 in 5ms\n$/);
  } finally {
    s.cleanup();
  }
});

test('rotated files come first: events.jsonl.3 … .1, then the live log', () => {
  const s = sandbox();
  try {
    mkdirSync(s.state, { recursive: true });
    const now = Date.now();
    const line = (n: number) => JSON.stringify({ ts: iso(now - (10 - n) * HOUR), job: 'r', type: 'resumed', n }) + '\n';
    writeFileSync(join(s.state, 'events.jsonl.3'), line(1));
    writeFileSync(join(s.state, 'events.jsonl.2'), line(2));
    writeFileSync(join(s.state, 'events.jsonl.1'), line(3) + 'not json\n');
    writeFileSync(join(s.state, 'events.jsonl'), line(4));
    const r = hb(['log', '--json'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).n),
      [1, 2, 3, 4],
    );
  } finally {
    s.cleanup();
  }
});

test('a job name is unknown (exit 2) only with no event, no heartbeat and no config entry', () => {
  const s = sandbox();
  try {
    const unknown = hb(['log', 'nobody'], { env: s.env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^hb: no job named nobody: no events, no heartbeat in .+ and not in the config\n$/);

    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, 'jobs:\n  planned:\n    every: 1h\n');
    const planned = hb(['log', 'planned'], { env: { ...s.env, HB_CONFIG: config } });
    assert.equal(planned.code, 0, planned.stderr);
    assert.equal(planned.stdout, '', 'configured, nothing happened yet');

    mkdirSync(s.state, { recursive: true });
    writeFileSync(join(s.state, 'touched.last'), '');
    assert.equal(hb(['log', 'touched'], { env: s.env }).code, 0, 'a touched heartbeat file is a job');

    assert.equal(hb(['tick', 'gone', '--every', '1h'], { env: s.env }).code, 0);
    assert.equal(hb(['forget', 'gone'], { env: s.env }).code, 0);
    const gone = hb(['log', 'gone'], { env: s.env });
    assert.equal(gone.code, 0, 'a forgotten job keeps its history');
    assert.match(gone.stdout, /gone {2}forgotten {5}forgotten: removed 1 file/);
  } finally {
    s.cleanup();
  }
});

test('bad input exits 2 naming what is wrong; an empty history prints nothing', () => {
  const s = sandbox();
  try {
    const name = hb(['log', '../x'], { env: s.env });
    assert.equal(name.code, 2);
    assert.match(name.stderr, /invalid job name "\.\.\/x"/);
    const since = hb(['log', '--since', 'yesterday'], { env: s.env });
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since: "yesterday" is not a duration/);
    const empty = hb(['log'], { env: s.env });
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, '');
  } finally {
    s.cleanup();
  }
});
