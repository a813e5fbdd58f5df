// A run whose config has not changed reads its compiled form (<state>/meta/config/*.hbc) instead
// of the YAML; an edit, however quick, is seen by the next run, and a compiled file that is not
// hb's own is ignored and rebuilt. hb keeps no compiled form of a file changed in the last 3 s,
// so these runs are moved a minute ahead with faketime (the kernel still stamps files now).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hb, requireTool, sandbox, type Run } from '../helpers.ts';

const ahead = ['faketime', '-f', '+60s'];
const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** A config whose job prints `word` when ticked (the words are all the same length). */
const configSaying = (word: string) => `defaults:\n  grace: 5m\njobs:\n  say:\n    every: 1h\n    command: echo ${word}\n  other:\n    every: 2h\n`;

const must = (r: Run, what: string, code = 0) => assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);

function setup(t: { after(fn: () => void): void }) {
  const s = sandbox();
  t.after(() => s.cleanup());
  const cfg = join(s.root, 'hb.yaml');
  writeFileSync(cfg, configSaying('AAA'));
  const compiledDir = join(s.state, 'meta', 'config');
  const compiled = () => (existsSync(compiledDir) ? readdirSync(compiledDir).filter((f) => f.endsWith('.hbc')) : []);
  const tick = (prefix = ahead) => hb(['tick', 'say', '--config', cfg], { env: s.env, prefix });
  return { s, cfg, compiledDir, compiled, tick };
}

/** Rewrites a word in the compiled file, keeping its length (and so every offset in it). */
function plant(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  writeFileSync(file, text.replace(from, to), { mode: 0o600 });
}

test('a run reads the compiled config once it is kept, and an edit of the same size within the same second is seen by the next run', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const { cfg, compiledDir, compiled, tick } = setup(t);
  // A whole second, so the edit below can put back exactly the same mtime.
  const second = Math.floor(Date.now() / 1000);
  utimesSync(cfg, second, second);
  let r = tick();
  must(r, 'first tick');
  assert.equal(r.stdout, 'AAA\n');
  assert.equal(compiled().length, 1, 'the first run kept the compiled form');
  const file = join(compiledDir, compiled()[0]!);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  // The compiled form is what the next run reads: a word planted in it (by its owner) is said.
  plant(file, 'AAA', 'CCC');
  r = tick();
  must(r, 'tick from the compiled form');
  assert.equal(r.stdout, 'CCC\n', 'the run read the compiled form, not the YAML');

  // Same size, the old mtime put back: only the change time and the content differ.
  const before = statSync(cfg, { bigint: true });
  writeFileSync(cfg, configSaying('BBB'));
  utimesSync(cfg, second, second);
  const after = statSync(cfg, { bigint: true });
  assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs], 'only the change time tells the edit');
  r = tick();
  must(r, 'tick after the edit');
  assert.equal(r.stdout, 'BBB\n', 'the edit was seen at once');
  r = tick();
  must(r, 'tick after that');
  assert.equal(r.stdout, 'BBB\n');
});

test('a broken edit is reported with file:line:col although a good compiled form exists', (t) => {
  if (!requireTool(t, 'faketime')) return;
  const { cfg, compiled, tick } = setup(t);
  must(tick(), 'first tick');
  assert.equal(compiled().length, 1);
  writeFileSync(cfg, configSaying('AAA').replace('every: 2h', 'every: 2x'));
  const r = tick();
  must(r, 'tick with the broken config', 2);
  assert.equal(r.stdout, '', 'the job did not run');
  assert.match(r.stderr, new RegExp(`${cfg.replace(/[.]/g, '\\.')}:8:12: jobs\\.other\\.every: `), r.stderr);
});

test("a compiled file that is not hb's own (another owner, a link, writable by others, garbage) is ignored and rebuilt", (t) => {
  if (!requireTool(t, 'faketime')) return;
  const { s, compiledDir, compiled, tick } = setup(t);
  must(tick(), 'first tick');
  const name = compiled()[0]!;
  const file = join(compiledDir, name);
  const good = readFileSync(file, 'utf8');
  const tampered = good.replace('AAA', 'CCC');

  const cases: Array<[string, () => void]> = [
    [
      'owned by another user',
      () => {
        writeFileSync(file, tampered, { mode: 0o600 });
        chownSync(file, 65534, 65534);
      },
    ],
    [
      'a symbolic link to a file of ours',
      () => {
        const elsewhere = join(s.root, 'elsewhere.hbc');
        writeFileSync(elsewhere, tampered, { mode: 0o600 });
        unlinkSync(file);
        symlinkSync(elsewhere, file);
      },
    ],
    [
      'writable by others',
      () => {
        writeFileSync(file, tampered);
        chmodSync(file, 0o666);
      },
    ],
    ['garbage', () => writeFileSync(file, '{"hbc":1,"key":\n', { mode: 0o600 })],
    ['cut short', () => writeFileSync(file, tampered.slice(0, -20), { mode: 0o600 })],
  ];
  for (const [what, tamper] of cases) {
    tamper();
    const r = tick();
    must(r, `tick with a compiled file ${what}`);
    assert.equal(r.stdout, 'AAA\n', `a compiled file ${what} was ignored`);
    const st = lstatSync(file);
    assert.ok(st.isFile(), `rebuilt as a regular file after: ${what}`);
    assert.equal(st.uid, process.getuid!(), `rebuilt as ours after: ${what}`);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), good, `rebuilt whole after: ${what}`);
  }
});

test('a state directory hb cannot write still runs every job, only uncached', (t) => {
  if (!requireTool(t, 'faketime') || !requireTool(t, 'setpriv')) return;
  const { s, cfg, compiledDir, tick } = setup(t);
  chmodSync(s.root, 0o755);
  chmodSync(cfg, 0o644);
  mkdirSync(s.state, { mode: 0o755 });
  for (let i = 0; i < 2; i++) {
    const r = tick([...asNobody, ...ahead]);
    must(r, `nobody's tick ${i + 1}`);
    assert.equal(r.stdout, 'AAA\n');
  }
  assert.equal(existsSync(compiledDir), false, 'nothing was kept');
});

test('root refuses a config others can change although its compiled form is there and matches', (t) => {
  if (!requireTool(t, 'faketime')) return;
  if (process.getuid?.() !== 0) return t.skip('runs as root');
  const { s, cfg, compiled, tick } = setup(t);
  chmodSync(s.root, 0o755);
  must(tick(), 'first tick');
  assert.equal(compiled().length, 1);
  // The directory above the config becomes writable by others; the file itself is untouched.
  chmodSync(s.root, 0o777);
  const r = tick();
  must(r, "root's tick with a config others can replace", 2);
  assert.equal(r.stdout, '', 'the job did not run');
  assert.ok(r.stderr.includes(`not used by root (config from --config): ${s.root} is writable by group and others`), r.stderr);
  assert.ok(existsSync(cfg));
});
