// The state directory: precedence (SPEC §2), per-user fallback with a note, and which dirs check reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseStateDir, openStateDir, readableStateDirs, type StateDirInputs } from '../../lib/adapters/state/dir.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-core-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const base: StateDirInputs = { env: {}, isRoot: false, home: '/home/ann', cwd: '/srv/app' };

test('chooseStateDir: flag > $HB_STATE_DIR > config > root default > $XDG_STATE_HOME/hb > ~/.local/state/hb', () => {
  const all: StateDirInputs = { ...base, flag: '/f', env: { HB_STATE_DIR: '/e', XDG_STATE_HOME: '/x' }, configDir: '/c', isRoot: true };
  const rows: Array<[string, StateDirInputs, string, string]> = [
    ['flag beats everything', all, '/f', '--state-dir'],
    ['env beats config and root', { ...all, flag: undefined }, '/e', '$HB_STATE_DIR'],
    ['config beats root', { ...all, flag: undefined, env: { XDG_STATE_HOME: '/x' } }, '/c', 'state_dir in config'],
    ['root default beats XDG', { ...all, flag: undefined, env: { XDG_STATE_HOME: '/x' }, configDir: undefined }, '/var/lib/hb', 'default for root'],
    ['XDG for a user', { ...base, env: { XDG_STATE_HOME: '/x' } }, '/x/hb', 'default'],
    ['~/.local/state/hb without XDG', base, '/home/ann/.local/state/hb', 'default'],
    [
      'empty values count as unset',
      { ...base, flag: '', env: { HB_STATE_DIR: '', XDG_STATE_HOME: '' }, configDir: '' },
      '/home/ann/.local/state/hb',
      'default',
    ],
    ['a relative flag is resolved against cwd', { ...base, flag: 'st' }, '/srv/app/st', '--state-dir'],
    ['a relative env value too', { ...base, env: { HB_STATE_DIR: '../s' } }, '/srv/s', '$HB_STATE_DIR'],
    ['a relative config value too', { ...base, configDir: './state/' }, '/srv/app/state', 'state_dir in config'],
    ['a relative XDG_STATE_HOME against the given cwd, not the process cwd', { ...base, env: { XDG_STATE_HOME: 'xdg' } }, '/srv/app/xdg/hb', 'default'],
  ];
  for (const [what, inputs, dir, source] of rows) {
    const choice = chooseStateDir(inputs);
    assert.deepEqual([choice.dir, choice.source], [dir, source], what);
  }
  // The per-user fallback is the same whatever was chosen, and never /var/lib/hb.
  assert.equal(chooseStateDir(all).userDir, '/x/hb');
  assert.equal(chooseStateDir({ ...base, flag: '/f' }).userDir, '/home/ann/.local/state/hb');
});

test('openStateDir: creates the chosen directory and uses it when writable', (t) => {
  const root = tempDir(t);
  const choice = { dir: join(root, 'a', 'b', 'state'), userDir: join(root, 'user'), source: '--state-dir' };
  assert.deepEqual(openStateDir(choice), { dir: choice.dir });
  assert.ok(statSync(choice.dir).isDirectory());
  assert.equal(existsSync(choice.userDir), false, 'no fallback made when not needed');
  assert.deepEqual(readableStateDirs(choice), [choice.dir]);
});

test('openStateDir: falls back to the user dir with a warning and a note that check reads', (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'file'), 'a regular file');
  const blocked = join(root, 'file', 'state');
  const userDir = join(root, 'user', 'hb');
  const choice = { dir: blocked, userDir, source: '$HB_STATE_DIR' };
  assert.deepEqual(readableStateDirs(choice), [blocked], 'before any fallback only the chosen dir');

  const opened = openStateDir(choice);
  assert.equal(opened.dir, userDir);
  assert.equal(opened.fallbackFrom, blocked);
  assert.equal(opened.warning, `hb: state directory ${blocked} is not writable (ENOTDIR); writing to ${userDir} instead`);
  const note = join(userDir, 'fallback.json');
  assert.deepEqual(JSON.parse(readFileSync(note, 'utf8')), { from: [blocked] });
  assert.deepEqual(readableStateDirs(choice), [blocked, userDir]);

  // Falling back again does not repeat the entry; another blocked dir is added.
  openStateDir(choice);
  const other = join(root, 'file', 'other');
  openStateDir({ ...choice, dir: other });
  assert.deepEqual(JSON.parse(readFileSync(note, 'utf8')), { from: [blocked, other] });
  // A chosen dir the note does not name is read alone.
  const unrelated = join(root, 'elsewhere');
  assert.deepEqual(readableStateDirs({ ...choice, dir: unrelated }), [unrelated]);
  // When the chosen dir is the user dir there is nothing else to read.
  assert.deepEqual(readableStateDirs({ ...choice, dir: userDir }), [userDir]);
});

test('readableStateDirs ignores an unreadable note', (t) => {
  const root = tempDir(t);
  const choice = { dir: join(root, 'chosen'), userDir: root, source: 'default' };
  for (const text of ['garbage', '{"from":"not a list"}', 'null']) {
    writeFileSync(join(root, 'fallback.json'), text);
    assert.deepEqual(readableStateDirs(choice), [choice.dir], text);
  }
});

test('openStateDir throws when neither the chosen nor the user dir is writable', (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'file'), '');
  const blocked = join(root, 'file', 'state');
  assert.throws(
    () => openStateDir({ dir: blocked, userDir: join(root, 'file', 'user'), source: '--state-dir' }),
    (e: Error & { code?: string }) => {
      assert.equal(e.message, `state directory ${blocked} is not writable (ENOTDIR), and no fallback is`);
      assert.equal(e.code, 'ENOTDIR');
      return true;
    },
  );
  assert.throws(() => openStateDir({ dir: blocked, userDir: blocked, source: 'default' }), /not writable \(ENOTDIR\), and no fallback is/);
});
