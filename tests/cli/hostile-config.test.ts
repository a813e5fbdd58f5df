// Hostile config files through the built CLI: alias bombs, deep nesting, huge files. Each is
// refused with exit 2 and a short message, quickly, within a small heap, and costs no heartbeat.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox, type Run, type Sandbox } from '../helpers.ts';

// A heap this small makes a run that expands its input fail (abort, exit 134) instead of pass.
const SMALL_HEAP = '--max-old-space-size=64';
// Over the time of the same command with a good config: the load on a shared test machine
// scales both, so the budget is the extra time a hostile file may cost.
const EXTRA_MS = 1500;

const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  '',
].join('\n');

interface Timed extends Run {
  ms: number;
}

function timed(args: string[], s: Sandbox, heap = true): Timed {
  const env = heap ? { ...s.env, NODE_OPTIONS: SMALL_HEAP } : s.env;
  const start = performance.now();
  const r = hb(args, { env });
  return { ...r, ms: Math.round(performance.now() - start) };
}

/** The same command's time with a small valid config: the baseline hostile files are held to. */
function baseline(s: Sandbox, command: string[]): number {
  const ok = join(s.root, 'ok.yaml');
  writeFileSync(ok, 'jobs:\n  backup:\n    every: 1h\n');
  const runs = [0, 1, 2].map(() => timed([...command, '--config', ok], s));
  for (const r of runs) assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return Math.min(...runs.map((r) => r.ms));
}

/** Exit 2, a few `hb: ` lines on stderr naming the file, no stack, nothing on stdout. */
function assertRefused(r: Run, file: string, message: RegExp, maxLines = 1): void {
  const context = `exit ${r.code} ${r.signal ?? ''}\nstderr: ${r.stderr.slice(0, 2000)}`;
  assert.equal(r.code, 2, context);
  assert.equal(r.stdout, '', context);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length >= 1 && lines.length <= maxLines, `at most ${maxLines} line(s): ${context}`);
  for (const line of lines) assert.ok(line.startsWith(`hb: ${file}`), `each line names the file: ${line}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal|FATAL|heap/, 'no stack trace or crash');
  assert.match(lines[0]!, message);
}

test('a billion-laughs alias bomb is refused by tick, wrap, check and status, fast and in a 64 MB heap', (t) => {
  const s = sandbox();
  try {
    const file = join(s.root, 'bomb.yaml');
    writeFileSync(file, BILLION_LAUGHS);
    const base = baseline(s, ['status']);
    const marker = join(s.root, 'ran');
    const commands: Array<[string, string[]]> = [
      ['tick', ['tick', 'backup', '--config', file]],
      ['wrap', ['wrap', '--job', 'backup', '--config', file, '--', 'touch', marker]],
      ['check', ['check', '--config', file]],
      ['status', ['status', '--config', file]],
    ];
    for (const [name, args] of commands) {
      const r = timed(args, s);
      assertRefused(r, file, /:\d+:\d+: invalid YAML: aliases repeat more than 10000 nodes \(an alias bomb\?\)$/);
      assert.ok(r.ms < base + EXTRA_MS, `${name} refused in ${r.ms} ms (a good config: ${base} ms)`);
      t.diagnostic(`${name}: ${r.ms} ms (good config ${base} ms)`);
    }
    assert.equal(existsSync(marker), false, 'wrap ran no command under a config it could not read');
  } finally {
    s.cleanup();
  }
});

test('a bomb config costs no existing heartbeat', () => {
  const s = sandbox();
  try {
    const file = join(s.root, 'hb.yaml');
    writeFileSync(file, 'jobs:\n  backup:\n    every: 1h\n');
    assert.equal(hb(['tick', 'backup', '--config', file], { env: s.env }).code, 0);
    const last = join(s.state, 'backup.last');
    const before = readFileSync(last, 'utf8');
    writeFileSync(file, BILLION_LAUGHS);
    assertRefused(hb(['tick', 'backup', '--config', file], { env: s.env }), file, /alias bomb/);
    assert.equal(readFileSync(last, 'utf8'), before);
  } finally {
    s.cleanup();
  }
});

test('under --format nagios a bomb config is UNKNOWN (exit 3) on stdout, one line', () => {
  const s = sandbox();
  try {
    const file = join(s.root, 'bomb.yaml');
    writeFileSync(file, BILLION_LAUGHS);
    const r = hb(['check', '--format', 'nagios', '--config', file], { env: s.env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^HB UNKNOWN - .*alias bomb.*\n$/);
  } finally {
    s.cleanup();
  }
});

test('100,000 levels of nesting ([, {a: and block -) stop at 64 levels with the position', (t) => {
  const s = sandbox();
  try {
    const base = baseline(s, ['check']);
    const cases: Array<[string, string, string]> = [
      ['flow sequences', '['.repeat(100_000), '1:66'],
      ['flow maps', `jobs: ${'{a: '.repeat(100_000)}`, '1:'],
      ['block sequences', `${'- '.repeat(100_000)}x\n`, '1:'],
    ];
    for (const [name, text, at] of cases) {
      const file = join(s.root, 'deep.yaml');
      writeFileSync(file, text);
      const r = timed(['check', '--config', file], s);
      assertRefused(r, file, new RegExp(`^hb: [^:]+:${at}\\d*:? invalid YAML: nested deeper than 64 levels`));
      assert.ok(r.ms < base + EXTRA_MS, `${name} refused in ${r.ms} ms (a good config: ${base} ms)`);
      t.diagnostic(`${name}: ${r.ms} ms (good config ${base} ms)`);
    }
  } finally {
    s.cleanup();
  }
});

test('a 50 MB config of 100,000 jobs, and /dev/zero, are refused by size before parsing', (t) => {
  const s = sandbox();
  try {
    const base = baseline(s, ['check']);
    const job = (i: number) =>
      `  job-${i}:\n    cron: "${i % 60} */2 * * *"\n    tz: Europe/Berlin\n    command: /usr/local/bin/backup.sh --target /srv/data/${i}\n    timeout: 2h\n`;
    const block = Array.from({ length: 100_000 }, (_, i) => job(i)).join('');
    const file = join(s.root, 'huge.yaml');
    writeFileSync(file, `jobs:\n${block}${'# padding to 50 MB\n'.repeat(Math.ceil((50 * 2 ** 20 - block.length) / 19))}`);
    const refusals = [
      ['50 MB file', file, /cannot read config file \(from --config\): is 50 MiB, more than 2 MiB, the most hb reads of a config$/],
      [
        '/dev/zero',
        '/dev/zero',
        /cannot read config file \(from --config\): is a character device, not a regular file; hb reads a config only from a regular file of at most 2 MiB$/,
      ],
    ] as const;
    for (const [name, path, message] of refusals) {
      const r = timed(['check', '--config', path], s);
      assertRefused(r, path, message);
      assert.ok(r.ms < base + EXTRA_MS, `${name} refused in ${r.ms} ms (a good config: ${base} ms)`);
      t.diagnostic(`${name}: ${r.ms} ms (good config ${base} ms)`);
    }
  } finally {
    s.cleanup();
  }
});

// Files just under the size cap are parsed in full: these bound what a hostile file can cost.
// What each costs is a diagnostic; a cost out of all bounds meets hb()'s deadline of 30 s a run.
test('under the size cap: 50,000 jobs, 800,000 YAML tokens, 30,000 duplicate keys or 40,000 YAML errors are refused in 20 lines', (t) => {
  const s = sandbox();
  try {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const cases: Array<[string, string, RegExp, number]> = [
      [
        '50,000 jobs',
        `jobs:\n${range(50_000)
          .map((i) => `  a${i}:\n`)
          .join('')}`,
        /:2:3: jobs: 50000 jobs, more than hb handles in one config \(at most 20000\)$/,
        1,
      ],
      [
        '30,000 duplicate keys',
        `jobs:\n${range(30_000)
          .map(() => '  a: {every: 1m}\n')
          .join('')}`,
        /:3:3: invalid YAML: Map keys must be unique: "a" appears twice \(first on line 2\)$/,
        21,
      ],
      [
        'a list of 400,000 one-letter items',
        `jobs:\n  a:\n    command: [${Array(400_000).fill('a').join(',')}]\n`,
        /:3:\d+: invalid YAML: more than 750000 YAML tokens \(some 30,000 jobs written out\); hb reads no config that large$/,
        1,
      ],
      [
        '40,000 tab indents',
        `jobs:\n${range(40_000)
          .map((i) => `\ta${i}: 1\n`)
          .join('')}`,
        /:2:1: invalid YAML: Tabs are not allowed as indentation$/,
        21,
      ],
    ];
    for (const [name, text, message, lines] of cases) {
      assert.ok(text.length < 2 * 1024 * 1024, `${name} fits under the cap (${text.length} bytes)`);
      const file = join(s.root, 'big.yaml');
      writeFileSync(file, text);
      // The heap is left at Node's default: yaml holds ~150 bytes per byte of such a file.
      const r = timed(['check', '--config', file], s, false);
      assertRefused(r, file, message, lines);
      if (lines > 1) assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /: … and \d+ more problems$/);
      t.diagnostic(`${name}: ${r.ms} ms`);
    }
  } finally {
    s.cleanup();
  }
});

test('100 aliases of a 40,000-key map are refused before validation would walk 4,000,000 keys', (t) => {
  const s = sandbox();
  try {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join(', ');
    const aliases = Array.from({ length: 99 }, (_, i) => `  j${i + 1}: *h\n`).join('');
    const file = join(s.root, 'wide.yaml');
    writeFileSync(file, `jobs:\n  j0: &h {${keys}}\n${aliases}`);
    const r = timed(['check', '--config', file], s, false);
    assertRefused(r, file, /:3:7: invalid YAML: aliases repeat more than 10000 nodes/);
    assert.ok(r.ms < 10_000, `refused in ${r.ms} ms`);
    t.diagnostic(`wide alias: ${r.ms} ms`);
  } finally {
    s.cleanup();
  }
});

test('aliases a real config uses still work: one notify list shared by 2,000 jobs', () => {
  const s = sandbox();
  try {
    const jobs = Array.from({ length: 2000 }, (_, i) => `  job-${i}:\n    every: 1h\n    notify: *ops\n`).join('');
    const file = join(s.root, 'hb.yaml');
    writeFileSync(file, `jobs:\n  first:\n    every: 1h\n    notify: &ops\n      - command: "logger hb"\n${jobs}`);
    const r = hb(['status', '--json', '--config', file], { env: s.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(JSON.parse(r.stdout).jobs.length, 2001);
  } finally {
    s.cleanup();
  }
});

test('an alias inside its own anchor, or without one, is a located config error', () => {
  const s = sandbox();
  try {
    const file = join(s.root, 'hb.yaml');
    const cases: Array<[string, RegExp]> = [
      ['jobs:\n  a: &x\n    notify: [*x]\n', /:3:14: invalid YAML: alias \*x refers to the node that contains it$/],
      ['jobs:\n  a: *nothing\n', /:2:6: invalid YAML: alias \*nothing has no anchor &nothing before it$/],
      ['jobs:\n  ? [a, b]\n  : {every: 1m}\n', /:2:5: invalid YAML: a map key must be plain text, found a list or map$/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      assertRefused(hb(['check', '--config', file], { env: s.env }), file, message);
    }
  } finally {
    s.cleanup();
  }
});
