// makeDirs: mkdir -p in a bounded number of system calls, where Node's recursive mkdir can spin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDirs } from '../../lib/adapters/fs/make-dirs.ts';

const code = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return 'none';
};

test('creates missing parents with the mode; an existing directory or a link to one is success', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hb-mkdirs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const deep = join(root, 'a', 'b', 'c');
  makeDirs(deep, 0o750);
  assert.ok(statSync(deep).isDirectory());
  makeDirs(deep, 0o750);
  makeDirs(join(root, 'a', '..', 'a', 'b'), 0o750);
  mkdirSync(join(root, 'real'));
  symlinkSync(join(root, 'real'), join(root, 'link'));
  makeDirs(join(root, 'link'), 0o750);
  makeDirs(join(root, 'link', 'inside'), 0o750);
  assert.ok(statSync(join(root, 'real', 'inside')).isDirectory());
  makeDirs('/', 0o750);
});

test('a file in the way is EEXIST or ENOTDIR, a dangling link EEXIST, as mkdir says', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hb-mkdirs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'file'), '');
  symlinkSync(join(root, 'gone'), join(root, 'dangling'));
  assert.equal(
    code(() => makeDirs(join(root, 'file'), 0o750)),
    'EEXIST',
  );
  assert.equal(
    code(() => makeDirs(join(root, 'file', 'x', 'y'), 0o750)),
    'ENOTDIR',
  );
  assert.equal(
    code(() => makeDirs(join(root, 'dangling'), 0o750)),
    'EEXIST',
  );
});

test('a name the kernel refuses under an existing parent (/proc) is ENOENT at once, not a loop', () => {
  assert.equal(
    code(() => makeDirs('/proc/hb-nope', 0o750)),
    'ENOENT',
  );
  assert.equal(
    code(() => makeDirs('/proc/hb-nope/deeper/still', 0o750)),
    'ENOENT',
  );
});

test("no code of hb calls Node's recursive mkdir, which can spin", () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const offenders: string[] = [];
  for (const top of ['lib', 'bin']) {
    for (const name of readdirSync(join(root, top), { recursive: true }) as string[]) {
      if (!name.endsWith('.ts')) continue;
      const text = readFileSync(join(root, top, name), 'utf8');
      if (/\bmkdir(?:Sync)?\([^;]*recursive\s*:\s*true/.test(text)) offenders.push(`${top}/${name}`);
    }
  }
  assert.deepEqual(offenders, [], 'use makeDirs (lib/adapters/fs/make-dirs.ts)');
});
