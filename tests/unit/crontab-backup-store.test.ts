// hb crontab's backup sets on disk, run in-process against a temporary directory: adopt writes
// only after the originals and the manifest are stored; undo restores what adopt left as it was,
// with its owner and mode, leaves the rest alone, and keeps the set until nothing conflicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAdoption, backupRoot, undoLatest, type UserCrontabs } from '../../lib/adapters/crontab/backup-store.ts';
import { conflictLine } from '../../lib/rules/crontab/undo-plan.ts';

const BEFORE = '0 2 * * * /usr/local/bin/backup.sh\n';
const AFTER = "0 2 * * * hb wrap --job backup.sh --cron '0 2 * * *' -- /usr/local/bin/backup.sh\n";
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function place(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'hb-backups-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = new Map<string, string>();
  const users: UserCrontabs = {
    read: async (user) => spool.get(user ?? 'me') ?? '',
    write: async (text, user) => void spool.set(user ?? 'me', text),
  };
  const root = backupRoot(join(dir, 'state'));
  return { dir, spool, users, root };
}

const isRoot = process.getuid?.() === 0;

test(
  'apply backs up the originals (0600 in a 0700 set) and the manifest, then writes; undo restores bytes, owner and mode, and removes the set',
  { skip: !isRoot && 'needs root to give the file another owner' },
  async (t) => {
    const { dir, spool, users, root } = place(t);
    const file = join(dir, 'cron.d-backup');
    writeFileSync(file, BEFORE);
    chmodSync(file, 0o640);
    chownSync(file, 4321, 4322);
    spool.set('me', '# mine\n');
    const r = await applyAdoption(
      () => root,
      [
        { target: { kind: 'file', path: file }, before: BEFORE, after: AFTER },
        { target: { kind: 'user-crontab', user: undefined, label: "me's crontab" }, before: '# mine\n', after: `# mine\n${AFTER}` },
      ],
      users,
      NOW,
      42,
    );
    assert.equal(r.set, join(root, '2026-01-02T03-04-05-678Z-42'));
    assert.deepEqual(r.written, [file, "me's crontab"]);
    assert.equal(statSync(r.set).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(r.set).sort(), ['1.crontab', '2.crontab', 'manifest.json']);
    for (const name of ['1.crontab', '2.crontab', 'manifest.json']) assert.equal(statSync(join(r.set, name)).mode & 0o777, 0o600, name);
    assert.equal(readFileSync(join(r.set, '1.crontab'), 'utf8'), BEFORE);
    const manifest = JSON.parse(readFileSync(join(r.set, 'manifest.json'), 'utf8'));
    assert.deepEqual({ mode: manifest.files[0].mode, uid: manifest.files[0].uid, gid: manifest.files[0].gid }, { mode: 0o640, uid: 4321, gid: 4322 });
    // Written with the file's own owner and mode.
    assert.equal(readFileSync(file, 'utf8'), AFTER);
    assert.deepEqual([statSync(file).mode & 0o7777, statSync(file).uid, statSync(file).gid], [0o640, 4321, 4322]);
    assert.equal(spool.get('me'), `# mine\n${AFTER}`);

    // Someone loosens the file after adopt: undo puts back what was recorded.
    chmodSync(file, 0o666);
    chownSync(file, 0, 0);
    const u = await undoLatest(root, users);
    assert.deepEqual(u.restored, [file, "me's crontab"]);
    assert.deepEqual(u.plan.conflicts, []);
    assert.equal(u.removed, true);
    assert.equal(readFileSync(file, 'utf8'), BEFORE);
    assert.deepEqual([statSync(file).mode & 0o7777, statSync(file).uid, statSync(file).gid], [0o640, 4321, 4322]);
    assert.equal(spool.get('me'), '# mine\n');
    assert.equal(existsSync(r.set), false);
    await assert.rejects(
      undoLatest(root, users),
      (e: Error & { exitCode?: number }) => e.exitCode === 1 && /nothing to undo: no backup in .*crontab-backups/.test(e.message),
    );
  },
);

test('apply refuses a target hb may not write before anything is backed up or written (exit 2)', async (t) => {
  const { dir, users, root } = place(t);
  const real = join(dir, 'real');
  writeFileSync(real, BEFORE);
  const link = join(dir, 'link');
  symlinkSync(real, link);
  let asked = false;
  await assert.rejects(
    applyAdoption(() => ((asked = true), root), [{ target: { kind: 'file', path: link }, before: BEFORE, after: AFTER }], users, NOW, 1),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && e.message.startsWith(`--crontab ${link}: is a symbolic link to ${real}`) && e.message.endsWith('; nothing written'),
  );
  assert.equal(asked, false, 'the backup root is not even looked for');
  assert.equal(existsSync(root), false);
  assert.equal(readFileSync(real, 'utf8'), BEFORE);
});

test('undo leaves a crontab edited since adopt and one turned into a link alone, restores the rest, and keeps the set', async (t) => {
  const { dir, users, root } = place(t);
  const [edited, linked, clean] = ['a', 'b', 'c'].map((n) => join(dir, n)) as [string, string, string];
  for (const f of [edited, linked, clean]) writeFileSync(f, BEFORE);
  const r = await applyAdoption(
    () => root,
    [edited, linked, clean].map((path) => ({ target: { kind: 'file' as const, path }, before: BEFORE, after: AFTER })),
    users,
    NOW,
    7,
  );
  writeFileSync(edited, `${AFTER}* * * * * date\n`);
  unlinkSync(linked);
  symlinkSync(clean, linked);
  const u = await undoLatest(root, users);
  assert.deepEqual(u.restored, [clean]);
  assert.equal(u.removed, false);
  assert.deepEqual(
    u.plan.conflicts.map((c) => [c.kind, c.label]),
    [
      ['changed', edited],
      ['refused', linked],
    ],
  );
  assert.equal(conflictLine(u.plan.conflicts[0]!), `${edited} changed since it was adopted; left as it is (the original is ${r.set}/1.crontab)`);
  assert.equal(readFileSync(edited, 'utf8'), `${AFTER}* * * * * date\n`);
  assert.equal(readFileSync(clean, 'utf8'), BEFORE);
  assert.ok(existsSync(join(r.set, 'manifest.json')), 'the set stays for the ones left alone');
  // Once the edit is taken back, the next undo finishes the set.
  writeFileSync(edited, AFTER);
  unlinkSync(linked);
  writeFileSync(linked, BEFORE);
  const again = await undoLatest(root, users);
  assert.deepEqual([again.restored, again.plan.unchanged, again.removed], [[edited], [linked, clean], true]);
});

test('undo takes the newest set, says when an original is missing, and names a manifest it cannot read', async (t) => {
  const { dir, users, root } = place(t);
  const file = join(dir, 'f');
  writeFileSync(file, BEFORE);
  await applyAdoption(() => root, [{ target: { kind: 'file', path: file }, before: BEFORE, after: AFTER }], users, NOW, 1);
  writeFileSync(file, BEFORE);
  const newer = await applyAdoption(() => root, [{ target: { kind: 'file', path: file }, before: BEFORE, after: AFTER }], users, NOW + 1000, 1);
  mkdirSync(join(root, '.hidden-newest'));
  unlinkSync(join(newer.set, '1.crontab'));
  const u = await undoLatest(root, users);
  assert.equal(u.set, newer.set);
  assert.deepEqual(
    u.plan.conflicts.map((c) => c.kind),
    ['backup-missing'],
  );
  assert.equal(readFileSync(file, 'utf8'), AFTER, 'nothing written without its original');

  writeFileSync(join(newer.set, 'manifest.json'), '{"version": 1, "files": [{"target": 1}]}\n');
  await assert.rejects(
    undoLatest(root, users),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && e.message === `crontab: cannot read the backup ${newer.set}/manifest.json: files[0]: "target": expected an object, found 1`,
  );
});
