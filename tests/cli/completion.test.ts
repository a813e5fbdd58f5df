// `hb completion`: the scripts it prints, its usage errors, and the job names its scripts ask for
// (`--jobs`), which it reads from the state directory and the config without writing anything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hb, sandbox } from '../helpers.ts';

/** Every path under `root` with its size and mtime: what a command that writes nothing leaves as it was. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const s = statSync(path);
      out.push(`${path} ${s.size} ${s.mtimeMs} ${s.mode}`);
      if (s.isDirectory()) visit(path);
    }
  };
  visit(root);
  return out;
}

test('hb completion bash, zsh and fish print their scripts; an unknown or missing shell is a usage error naming the choices', () => {
  const s = sandbox();
  try {
    const heads: Record<string, string> = { bash: '# bash completion for hb', zsh: '#compdef hb\n', fish: '# fish completion for hb' };
    for (const [shell, head] of Object.entries(heads)) {
      const r = hb(['completion', shell], { env: s.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(head), `${shell}: ${r.stdout.slice(0, 80)}`);
    }
    const unknown = hb(['completion', 'tcsh'], { env: s.env });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /'tcsh' is invalid .*bash, zsh, fish/);
    const none = hb(['completion'], { env: s.env });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'hb: completion: a shell is needed: expected bash, zsh, fish\n');
    const both = hb(['completion', 'bash', '--jobs'], { env: s.env });
    assert.equal(both.code, 2);
    assert.equal(both.stderr, 'hb: completion: --jobs takes no shell, found "bash"\n');
  } finally {
    s.cleanup();
  }
});

test('hb completion --help shows how to load each script, and hides --jobs', () => {
  const r = hb(['completion', '--help']);
  assert.equal(r.code, 0);
  assert.ok(r.stdout.includes('source <(hb completion bash)'), r.stdout);
  assert.ok(r.stdout.includes('hb completion zsh > "${fpath[1]}/_hb"'), r.stdout);
  assert.ok(r.stdout.includes('hb completion fish > ~/.config/fish/completions/hb.fish'), r.stdout);
  assert.ok(!/^\s+--jobs/m.test(r.stdout), "the scripts' own option is not in --help");
});

test('hb completion --jobs lists the jobs of the state directory and the config, one a line, and writes nothing', () => {
  const s = sandbox();
  try {
    for (const job of ['backup', 'sync']) assert.equal(hb(['tick', job, '--every', '1h'], { env: s.env }).code, 0);
    writeFileSync(join(s.state, 'stray file.last'), '');
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs:\n  report-mail:\n    every: 1d\n  backup:\n    every: 1h\n');
    const before = snapshot(s.root);
    const r = hb(['completion', '--jobs'], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'backup\nreport-mail\nsync\n');
    assert.deepEqual(snapshot(s.root), before, 'nothing in the sandbox changed');

    // --state-dir as the scripts pass it on; a state directory that does not exist is not made.
    const other = join(s.root, 'other dir');
    mkdirSync(other);
    assert.equal(hb(['tick', 'elsewhere', '--state-dir', other], { env: s.env }).code, 0);
    assert.equal(hb(['completion', '--jobs', '--state-dir', other], { env: s.env }).stdout, 'elsewhere\n');
    const missing = join(s.root, 'missing');
    const none = hb(['completion', '--jobs', '--state-dir', missing], { env: s.env });
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.throws(() => statSync(missing), 'the state directory was not made');
  } finally {
    s.cleanup();
  }
});

test('hb completion --jobs with a config it cannot read still lists the state directory, silently', () => {
  const s = sandbox();
  try {
    assert.equal(hb(['tick', 'backup', '--every', '1h'], { env: s.env }).code, 0);
    const cfg = join(s.root, 'hb.yaml');
    writeFileSync(cfg, 'jobs: [not, a, map\n');
    const r = hb(['completion', '--jobs'], { env: { ...s.env, HB_CONFIG: cfg } });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'backup\n');
  } finally {
    s.cleanup();
  }
});
