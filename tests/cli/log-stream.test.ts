// `hb log` and `hb report` read the event log as a stream: `hb log -n`, every rotated file in
// order with the same output as a whole-log read, and a log far bigger than the heap allows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HB, hb, sandbox } from '../helpers.ts';
import { parseEvent, type HbEvent } from '../../lib/rules/events/parse.ts';
import { logLine, widthsOf } from '../../lib/rules/report/event-line.ts';
import { buildReport } from '../../lib/rules/report/build.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/** Event `n` of a small log: runs of three jobs, one a minute, the last one a minute ago. */
function event(n: number, count: number, now: number): HbEvent {
  const job = ['alpha', 'be', 'gamma-long-name'][n % 3]!;
  const ts = iso(now - (count - n) * MINUTE);
  if (n % 5 === 0) return { ts, job, type: 'run_started', cycle: n, pid: 1000 + n };
  return { ts, job, type: 'run_finished', cycle: n, status: n % 7 === 0 ? 'error' : 'ok', exit_code: n % 7 === 0 ? 1 : 0, signal: null, duration_ms: n * 10 };
}

/** Writes `count` events over events.jsonl.`rotated` … .1 and the live log; returns the lines, oldest first. */
function writeLog(state: string, count: number, rotated: number, now: number): string[] {
  mkdirSync(state, { recursive: true });
  const lines = Array.from({ length: count }, (_, n) => JSON.stringify(event(n, count, now)));
  const per = Math.ceil(count / (rotated + 1));
  for (let f = 0; f <= rotated; f++) {
    const name = f === rotated ? 'events.jsonl' : `events.jsonl.${rotated - f}`;
    writeFileSync(join(state, name), lines.slice(f * per, (f + 1) * per).join('\n') + '\n');
  }
  return lines;
}

test('hb log -n N prints the last N lines after JOB and --since, like tail; --json too', () => {
  const s = sandbox();
  try {
    const lines = writeLog(s.state, 60, 3, Date.now());
    const json = (args: string[]) => {
      const r = hb(['log', '--json', ...args], { env: s.env });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(json(['-n', '5']), lines.slice(-5).join('\n') + '\n');
    assert.equal(json(['-n', '1']), lines.at(-1) + '\n');
    assert.equal(json(['-n', '1000']), lines.join('\n') + '\n', 'more than there is: all of it');
    const alpha = lines.filter((l) => JSON.parse(l).job === 'alpha');
    assert.equal(json(['alpha', '-n', '4']), alpha.slice(-4).join('\n') + '\n');
    // The last 10 minutes hold 9 or 10 events; -n 3 keeps the last 3 of those.
    assert.equal(json(['--since', '10m', '-n', '3']), lines.slice(-3).join('\n') + '\n');
    assert.equal(
      json(['be', '--since', '4m', '-n', '50']),
      lines
        .slice(-4)
        .filter((l) => JSON.parse(l).job === 'be')
        .join('\n') + '\n',
    );

    const text = hb(['log', '-n', '2'], { env: s.env });
    assert.equal(text.code, 0, text.stderr);
    const last = lines.slice(-2).map((l) => parseEvent(JSON.parse(l)));
    assert.equal(text.stdout, last.map((e) => logLine(e, widthsOf(last))).join('\n') + '\n', 'columns fit the lines printed');
  } finally {
    s.cleanup();
  }
});

test('hb log -n takes a whole number from 1 to 100000: anything else exits 2 naming -n; --help shows an example', () => {
  const s = sandbox();
  try {
    writeLog(s.state, 3, 0, Date.now());
    for (const bad of ['0', '-3', 'abc', '1.5', '100001', '']) {
      const r = hb(['log', '-n', bad], { env: s.env });
      assert.equal(r.code, 2, `-n ${bad}`);
      assert.match(r.stderr, /-n: expected a whole number from 1 to 100000, found /, `-n ${bad}`);
      assert.equal(r.stdout, '');
    }
    const help = hb(['log', '--help'], { env: s.env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /-n <count> +only the last COUNT lines/);
    assert.match(help.stdout, /\n {2}hb log -n 50\n/);
  } finally {
    s.cleanup();
  }
});

test('report and log over twelve rotated files: the same output as reading the whole log at once', () => {
  const s = sandbox();
  try {
    const now = Date.now();
    const lines = writeLog(s.state, 600, 12, now);
    const events = lines.map((l) => JSON.parse(l) as HbEvent);

    const json = hb(['log', '--json'], { env: s.env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, lines.join('\n') + '\n');

    const text = hb(['log'], { env: s.env });
    const read = events.map(parseEvent);
    const widths = widthsOf(read);
    assert.equal(text.stdout, read.map((e) => logLine(e, widths)).join('\n') + '\n');

    const r = hb(['report', '--format', 'json', '--since', '1d'], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    const want = buildReport({ events, health: [], nowMs: now, windowMs: 24 * HOUR, host: got.host });
    assert.equal(got.totals.events, 600);
    assert.deepEqual(got.jobs, JSON.parse(JSON.stringify(want.jobs)));
    assert.deepEqual(got.totals, want.totals);
  } finally {
    s.cleanup();
  }
});

test('a log of 250,000 lines over four files is reported and tailed within a 32 MB heap, where holding it whole does not fit', () => {
  const s = sandbox();
  try {
    const now = Date.now();
    mkdirSync(s.state, { recursive: true });
    // Runs a second apart until three days ago, then the last 100 a minute apart: the report
    // itself stays small (100 runs in its 24 hours), the log it has to read through is what is big.
    const count = 250_000;
    const recent = count - 100;
    const per = count / 4;
    for (let f = 0; f < 4; f++) {
      const chunk: string[] = [];
      for (let n = f * per; n < (f + 1) * per; n++) {
        const ts = iso(n < recent ? now - 72 * HOUR - (recent - n) * 1000 : now - (count - n) * MINUTE);
        chunk.push(
          JSON.stringify({ ts, job: `job-${n % 40}`, type: 'run_finished', cycle: n, status: 'ok', exit_code: 0, signal: null, duration_ms: n % 5000 }),
        );
      }
      writeFileSync(join(s.state, f === 3 ? 'events.jsonl' : `events.jsonl.${3 - f}`), chunk.join('\n') + '\n');
    }
    const small = (args: string[]) =>
      spawnSync(process.execPath, ['--max-old-space-size=32', HB, ...args], { env: s.env, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });

    const report = small(['report', '--format', 'json']);
    assert.equal(report.status, 0, report.stderr.slice(0, 500));
    const totals = JSON.parse(report.stdout).totals;
    assert.equal(totals.runs, 100);
    assert.equal(totals.jobs, 40);

    const tail = small(['log', '--json', '-n', '2']);
    assert.equal(tail.status, 0, tail.stderr.slice(0, 500));
    const live = readFileSync(join(s.state, 'events.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(tail.stdout, live.slice(-2).join('\n') + '\n');
  } finally {
    s.cleanup();
  }
});

test('hb check removes the rotated event files older than events_keep (a week by default); a dry run removes nothing', () => {
  const s = sandbox();
  try {
    const now = Date.now();
    const ages = { 'events.jsonl.1': 1, 'events.jsonl.2': 3, 'events.jsonl.3': 10 };
    const lay = () => {
      writeLog(s.state, 40, 3, now);
      for (const [name, days] of Object.entries(ages)) {
        const at = (now - days * 24 * HOUR) / 1000;
        utimesSync(join(s.state, name), at, at);
      }
    };
    const logs = () =>
      readdirSync(s.state)
        .filter((f) => f.startsWith('events.jsonl'))
        .sort();
    lay();
    const config = join(s.root, 'hb.yaml');
    writeFileSync(config, 'events_keep: 2d\n');
    const withConfig = { ...s.env, HB_CONFIG: config };
    assert.notEqual(hb(['check', '--dry-run'], { env: withConfig }).code, 2);
    assert.deepEqual(logs(), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2', 'events.jsonl.3']);
    const r = hb(['check'], { env: withConfig });
    assert.doesNotMatch(r.stderr, /event log/);
    assert.deepEqual(logs(), ['events.jsonl', 'events.jsonl.1'], 'events_keep: 2d');

    lay();
    hb(['check'], { env: s.env });
    assert.deepEqual(logs(), ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2'], 'the default week');
  } finally {
    s.cleanup();
  }
});

test('a reader slower than hb (the pipe full, hb waiting on it) gets the whole output, the same bytes as a file gets', () => {
  const s = sandbox();
  try {
    writeLog(s.state, 20_000, 2, Date.now());
    const file = join(s.root, 'direct.json');
    const piped = join(s.root, 'piped.json');
    for (const args of [['report', '--format', 'json'], ['log', '--json'], ['log']]) {
      // The reader starts a second late: the pipe (64 KiB) fills at once, and hb must wait on it.
      const cmd = `"${process.execPath}" "${HB}" ${args.join(' ')}`;
      const direct = spawnSync('sh', ['-c', `${cmd} > "${file}"`], { env: s.env, encoding: 'utf8' });
      const slow = spawnSync('sh', ['-c', `${cmd} | (sleep 1; cat > "${piped}")`], { env: s.env, encoding: 'utf8' });
      assert.equal(direct.status, 0, direct.stderr);
      assert.equal(slow.status, 0, slow.stderr);
      assert.equal(slow.stderr, '');
      // The report's window ends when it runs: the two runs differ only there.
      const same = (path: string) => readFileSync(path, 'utf8').replace(/"(since|until|generated_at)": "[^"]+"/g, '');
      const want = same(file);
      assert.ok(want.length > 4 * 65_536, `${args.join(' ')}: more than a pipe holds (${want.length} bytes)`);
      assert.equal(same(piped), want, args.join(' '));
    }
  } finally {
    s.cleanup();
  }
});
