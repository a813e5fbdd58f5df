// Jobs split over jobs.d/*.yaml beside the config file: each file's jobs join the config, each
// file's problems are located in it, and an edit or a new file there is seen by the next run
// even when the config is compiled (runs moved a minute ahead with faketime: hb compiles no
// file changed in the last 3 s).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, type Run } from '../helpers.ts';

const ahead = ['faketime', '-f', '+60s'];
const must = (r: Run, what: string, code = 0) => assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);

function setup(t: { after(fn: () => void): void }) {
  const s = sandbox();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, 'defaults:\n  grace: 5m\njobs:\n  main:\n    every: 1h\n');
  const dir = join(s.root, 'jobs.d');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), 'jobs:\n  a1:\n    every: 1h\n    command: echo A1\n');
  writeFileSync(join(dir, 'b.yaml'), 'jobs:\n  b1:\n    every: 2h\n');
  // Neither is a jobs file: hidden, or not *.yaml.
  writeFileSync(join(dir, '.draft.yaml'), 'jobs:\n  hidden:\n    every: 1h\n');
  writeFileSync(join(dir, 'notes.txt'), 'not yaml: [\n');
  const run = (args: string[], prefix?: string[]) => hb([...args, '--config', cfg], { env: s.env, ...(prefix ? { prefix } : {}) });
  return { s, cfg, dir, run };
}

const jobsListed = (r: Run) =>
  r.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0])
    .filter((w) => w && !w.startsWith('all') && w !== 'hb-check');

test('the jobs of every *.yaml in jobs.d beside the config join it: check lists them, tick runs their commands', (t) => {
  const { run } = setup(t);
  const tick = run(['tick', 'a1']);
  must(tick, 'tick of a job in jobs.d/a.yaml');
  assert.equal(tick.stdout, 'A1\n');
  const check = run(['check', '--verbose']);
  must(check, 'check');
  assert.deepEqual(jobsListed(check).sort(), ['a1', 'b1', 'main']);
});

test('a problem in a jobs.d file is reported at that file:line:col; a job in two files, or another key there, is refused', (t) => {
  const { dir, run } = setup(t);
  const b = join(dir, 'b.yaml');
  writeFileSync(b, 'jobs:\n  b1:\n    every: 2x\n');
  let r = run(['check']);
  must(r, 'check with a bad duration in b.yaml', 2);
  assert.match(r.stderr, new RegExp(`^hb: ${b}:3:12: jobs\\.b1\\.every: "2x" is not a duration`, 'm'));

  writeFileSync(b, 'jobs:\n  b1: {every: 2h}\n  a1: {every: 3h}\n  main: {}\n');
  r = run(['tick', 'b1']);
  must(r, 'tick with jobs named twice', 2);
  assert.match(r.stderr, new RegExp(`^hb: ${b}:3:3: jobs\\.a1: job a1 is already configured in ${join(dir, 'a.yaml')}$`, 'm'));
  assert.match(r.stderr, new RegExp(`^hb: ${b}:4:3: jobs\\.main: job main is already configured in .*hb\\.yaml$`, 'm'));

  writeFileSync(b, 'jobs:\n  b1: {every: 2h}\nnotify: []\n');
  r = run(['check']);
  must(r, 'check with notify in b.yaml', 2);
  assert.match(r.stderr, new RegExp(`^hb: ${b}:3:1: notify: unknown key "notify" \\(expected one of jobs\\)$`, 'm'));
});

test('with the config compiled, an edit of a jobs.d file and a new file there are seen by the next run', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const { s, dir, run } = setup(t);
  must(run(['check'], ahead), 'first check (compiles)');
  assert.equal(readdirSync(join(s.state, 'meta', 'config')).filter((f) => f.endsWith('.hbc')).length, 1, 'the config was compiled');
  let r = run(['tick', 'a1'], ahead);
  assert.equal(r.stdout, 'A1\n');
  writeFileSync(join(dir, 'a.yaml'), 'jobs:\n  a1:\n    every: 1h\n    command: echo A2\n');
  r = run(['tick', 'a1'], ahead);
  must(r, 'tick after the edit');
  assert.equal(r.stdout, 'A2\n');
  writeFileSync(join(dir, 'c.yaml'), 'jobs:\n  c1:\n    every: 1h\n    command: echo C1\n');
  r = run(['tick', 'c1'], ahead);
  must(r, 'tick of a job in a new file');
  assert.equal(r.stdout, 'C1\n');
  r = run(['check', '--verbose'], ahead);
  assert.deepEqual(jobsListed(r).sort(), ['a1', 'b1', 'c1', 'main']);
});

test("root does not use a config whose jobs.d holds another user's file", (t) => {
  if (process.getuid?.() !== 0) return t.skip('runs as root');
  const { s, dir, run } = setup(t);
  chmodSync(s.root, 0o755);
  must(run(['tick', 'a1']), "root's tick before");
  const b = join(dir, 'b.yaml');
  chownSync(b, 65534, 65534);
  const r = run(['tick', 'a1']);
  must(r, "root's tick with b.yaml owned by another user", 2);
  assert.equal(r.stdout, '', 'the job did not run');
  assert.ok(r.stderr.includes(`not used by root (config from jobs.d beside ${join(s.root, 'hb.yaml')}): ${b} is owned by uid 65534`), r.stderr);
});
