// `<state>/history`: made owner-only, reused, and refused when it is a link, a file, or writable by others.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyDir, historyPath, openHistoryDir } from '../../lib/adapters/history/dir.ts';

function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-history-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('openHistoryDir makes <state>/history with mode 0700 and returns it again when it exists', (t) => {
  const state = stateDir(t);
  const dir = openHistoryDir(state);
  assert.equal(dir, join(state, 'history'));
  assert.equal(lstatSync(dir).mode & 0o777, 0o700);
  assert.equal(openHistoryDir(state), dir);
  assert.equal(historyPath(state, 'backup', 'runs'), join(state, 'history', 'backup.runs.jsonl'));
  assert.equal(historyPath(state, 'backup', 'failed'), join(state, 'history', 'backup.failed.jsonl'));
});

test('openHistoryDir refuses a symbolic link, a file, or a folder others can write, naming what it found', (t) => {
  const state = stateDir(t);
  const elsewhere = join(state, 'elsewhere');
  mkdirSync(elsewhere, { mode: 0o700 });
  symlinkSync(elsewhere, historyDir(state));
  assert.throws(
    () => openHistoryDir(state),
    (e: NodeJS.ErrnoException) => e.code === 'ELOOP' && /is a symbolic link/.test(e.message),
  );
  rmSync(historyDir(state));
  writeFileSync(historyDir(state), '');
  assert.throws(
    () => openHistoryDir(state),
    (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' && e.message === `${historyDir(state)} is a file, expected a folder`,
  );
  rmSync(historyDir(state));
  mkdirSync(historyDir(state));
  chmodSync(historyDir(state), 0o777);
  assert.throws(
    () => openHistoryDir(state),
    (e: NodeJS.ErrnoException) => e.code === 'EPERM' && /mode 777\); expected 700/.test(e.message),
  );
});
