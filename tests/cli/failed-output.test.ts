// The output of failed runs through the built CLI: `hb status JOB` shows why the last run failed
// and what it printed; `hb log JOB --output` shows the last ten failed runs' output; a job's
// terminal escapes are shown inert, never obeyed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox } from '../helpers.ts';

const ESC = '\u001b';

test('hb status JOB: a job that prints ERROR: db unreachable and exits 3 comes with its reason and that line', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const run = hb(['wrap', '--job', 'db', '--every', '1h', '--', 'sh', '-c', 'echo connecting; echo "ERROR: db unreachable" >&2; exit 3'], { env: s.env });
  assert.equal(run.code, 3, run.stderr);
  const r = hb(['status', 'db'], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const detail = r.stdout.slice(r.stdout.indexOf('\n\ndb: '));
  assert.match(detail, /^\n\ndb: failed: last run failed with exit 3, /);
  assert.match(detail, /\n {2}last run: \S+Z {2}cycle 1 {2}exit 3 {2}failed\n {2}output:\n {4}connecting\n {4}ERROR: db unreachable\n$/);
  const all = hb(['status'], { env: s.env });
  assert.doesNotMatch(all.stdout, /ERROR: db unreachable/, 'without job names the panel stays as it is');
  const json = JSON.parse(hb(['status', 'db', '--json'], { env: s.env }).stdout);
  assert.equal(json.jobs[0].last.output_tail, 'connecting\nERROR: db unreachable\n', '--json carries the tail in the record, as before');
});

test('hb status JOB shows only the last 20 lines of a long tail, and escapes from the job inert', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const script = `for i in $(seq 1 30); do echo "line $i"; done; printf '${'\\033'}]52;c;cm0gLXJmIC8=${'\\007'}${'\\033'}[2Jgone\\n'; exit 1`;
  assert.equal(hb(['wrap', '--job', 'long', '--every', '1h', '--', 'sh', '-c', script], { env: s.env }).code, 1);
  const r = hb(['status', 'long'], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(ESC), 'no raw escape reaches the terminal');
  assert.match(r.stdout, /\n {2}output \(last 20 of 31 lines kept\):\n {4}line 12\n/);
  assert.match(r.stdout, /\n {4}\\u001b\]52;c;cm0gLXJmIC8=\\u0007\\u001b\[2Jgone\n$/);
  assert.doesNotMatch(r.stdout, / {4}line 11\n/);
});

test('hb log JOB --output: 11 failures keep the last 10, oldest first, each headed; -n, --json, and the empty and unknown cases', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  for (let i = 1; i <= 11; i++) {
    const r = hb(['wrap', '--job', 'flaky', '--every', '1h', '--', 'sh', '-c', `echo "attempt ${i}: ${ESC}[31mERROR${ESC}[0m"; exit ${i % 2 === 0 ? 2 : 3}`], {
      env: s.env,
    });
    assert.equal(r.code, i % 2 === 0 ? 2 : 3, r.stderr);
  }
  assert.equal(hb(['wrap', '--job', 'flaky', '--every', '1h', '--', 'true'], { env: s.env }).code, 0, 'a success keeps nothing');
  const r = hb(['log', 'flaky', '--output'], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(ESC), 'escapes are written out');
  const blocks = r.stdout.trimEnd().split('\n\n');
  assert.equal(blocks.length, 10);
  blocks.forEach((block, k) => {
    const i = k + 2;
    assert.match(
      block,
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z {2}cycle ${i} {2}exit ${i % 2 === 0 ? 2 : 3} {2}failed\\n {4}attempt ${i}: \\\\u001b\\[31mERROR\\\\u001b\\[0m$`),
    );
  });
  assert.doesNotMatch(r.stdout, /attempt 1:/, 'the oldest is dropped');

  const last = hb(['log', 'flaky', '--output', '-n', '2', '--json'], { env: s.env });
  assert.equal(last.code, 0, last.stderr);
  const entries = last.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    entries.map((e) => [e.cycle, e.exit_code, e.output_tail]),
    [
      [10, 2, `attempt 10: ${ESC}[31mERROR${ESC}[0m\n`],
      [11, 3, `attempt 11: ${ESC}[31mERROR${ESC}[0m\n`],
    ],
  );
  const file = readFileSync(join(s.state, 'history', 'flaky.failed.jsonl'), 'utf8');
  assert.equal(file.trimEnd().split('\n').length, 10);

  assert.equal(hb(['tick', 'pinged', '--every', '1h'], { env: s.env }).code, 0);
  const none = hb(['log', 'pinged', '--output'], { env: s.env });
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, `no failed run of pinged has its output kept (hb keeps the last 10 in ${s.state}/history)\n`);
  const unknown = hb(['log', 'nope', '--output'], { env: s.env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no job named nope/);
  const bad = hb(['log', '../x', '--output'], { env: s.env });
  assert.equal(bad.code, 2);
  const nameless = hb(['log', '--output'], { env: s.env });
  assert.equal(nameless.code, 2);
  assert.equal(nameless.stderr, 'hb: --output: name the job whose failed runs to show (hb log JOB --output)\n');
});

test('hb report links a failed run to its output: HTML anchor, Markdown fence, JSON failed_outputs; only failing jobs are read', (t) => {
  const s = sandbox();
  t.after(s.cleanup);
  const out = 'ERROR: db unreachable <script>alert(1)</script>';
  assert.equal(hb(['wrap', '--job', 'db', '--every', '1h', '--', 'sh', '-c', `echo '${out}'; exit 3`], { env: s.env }).code, 3);
  assert.equal(hb(['wrap', '--job', 'fine', '--every', '1h', '--', 'true'], { env: s.env }).code, 0);
  // A link planted as the healthy job's file: never read, since it failed no run in the window.
  symlinkSync('/etc/passwd', join(s.state, 'history', 'fine.failed.jsonl'));

  const page = join(s.root, 'report.html');
  const r = hb(['report', '--format', 'html', '--output', page], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const html = readFileSync(page, 'utf8');
  assert.match(html, /<a href="#failed-output-db-1">output of the last failed run<\/a>/);
  assert.match(
    html,
    /<div class="fo" id="failed-output-db-1">[^]*?<pre class="out">ERROR: db unreachable &#60;script&#62;alert\(1\)&#60;\/script&#62;\n<\/pre>/,
  );
  assert.equal(html.includes('<script>'), false);

  const md = hb(['report'], { env: s.env });
  assert.match(
    md.stdout,
    /\n## Output of failed runs\n\n### db\n\n\S+Z {2}cycle 1 {2}exit 3 {2}failed\n\n```text\nERROR: db unreachable <script>alert\(1\)<\/script>\n```\n/,
  );

  const json = JSON.parse(hb(['report', '--json'], { env: s.env }).stdout);
  const db = json.jobs.find((j: { job: string }) => j.job === 'db');
  assert.deepEqual(
    db.failed_outputs.map((e: { cycle: number; exit_code: number; output_tail: string }) => [e.cycle, e.exit_code, e.output_tail]),
    [[1, 3, `${out}\n`]],
  );
  assert.deepEqual(json.jobs.find((j: { job: string }) => j.job === 'fine').failed_outputs, []);

  // The failing job's file made a link: the report goes on without it and says so once.
  rmSync(join(s.state, 'history', 'db.failed.jsonl'));
  symlinkSync('/etc/passwd', join(s.state, 'history', 'db.failed.jsonl'));
  const refused = hb(['report'], { env: s.env });
  assert.equal(refused.code, 0);
  assert.match(refused.stderr, /^hb: the output of db's failed runs in \S+ is not in the report: .*symbolic link.*\n$/);
  assert.doesNotMatch(refused.stdout, /root:/);
});
