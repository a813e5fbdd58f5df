// The pure side of hb crontab's backups: the manifest a backup set holds (built and read back,
// every field checked) and the undo plan (restore, already as before, or each kind of conflict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupSetName, parseManifest, planBackupSet, type BackupEntry } from '../../lib/rules/crontab/backup-manifest.ts';
import { sha256 } from '../../lib/rules/sha256.ts';
import { conflictLine, planUndo, type UndoFact } from '../../lib/rules/crontab/undo-plan.ts';

const SET = '/var/lib/hb/crontab-backups/2026-01-02T03-04-05-678Z-42';
const BEFORE = '0 2 * * * /usr/local/bin/backup.sh\n';
const AFTER = "0 2 * * * /usr/bin/node /opt/hb/dist/hb.js wrap --job backup.sh --cron '0 2 * * *' -- /usr/local/bin/backup.sh\n";
const fileEntry = (extra: Partial<BackupEntry> = {}): BackupEntry => ({
  target: { kind: 'file', path: '/etc/cron.d/backup' },
  backup: '1.crontab',
  mode: 0o644,
  uid: 0,
  gid: 0,
  sha256Before: sha256(BEFORE),
  sha256After: sha256(AFTER),
  ...extra,
});
const userEntry: BackupEntry = {
  target: { kind: 'user-crontab', user: 'backup', label: "backup's crontab" },
  backup: '2.crontab',
  sha256Before: sha256(BEFORE),
  sha256After: sha256(AFTER),
};
const found = (current: string | null, original: string | null = BEFORE, refusal: string | null = null): UndoFact => ({ refusal, current, original });

test("a backup set: numbered originals, and a manifest with each file's owner and mode and the hashes before and after", () => {
  const plan = planBackupSet(
    [
      { target: { kind: 'file', path: '/etc/cron.d/backup' }, before: BEFORE, after: AFTER, ownership: { mode: 0o640, uid: 0, gid: 5 } },
      { target: { kind: 'user-crontab', user: undefined, label: "root's crontab" }, before: '', after: AFTER, ownership: null },
    ],
    Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  );
  assert.deepEqual(plan.originals, [
    { name: '1.crontab', text: BEFORE },
    { name: '2.crontab', text: '' },
  ]);
  assert.ok(plan.manifest.endsWith('}\n'));
  assert.deepEqual(JSON.parse(plan.manifest), {
    version: 1,
    created: '2026-01-02T03:04:05.678Z',
    files: [
      {
        target: { kind: 'file', path: '/etc/cron.d/backup' },
        backup: '1.crontab',
        mode: 0o640,
        uid: 0,
        gid: 5,
        sha256Before: sha256(BEFORE),
        sha256After: sha256(AFTER),
      },
      { target: { kind: 'user-crontab', label: "root's crontab" }, backup: '2.crontab', sha256Before: sha256(''), sha256After: sha256(AFTER) },
    ],
  });
  assert.deepEqual(parseManifest(plan.manifest), { entries: JSON.parse(plan.manifest).files }, 'what is written reads back');
  assert.equal(backupSetName(Date.UTC(2026, 0, 2, 3, 4, 5, 678), 42), '2026-01-02T03-04-05-678Z-42', 'sortable, no colons');
});

test('a manifest is read only when every field is what hb writes; the problem names the field, what was expected and what was found', () => {
  const good = (files: unknown[]) => JSON.stringify({ version: 1, created: 'x', files });
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"files": [', /JSON/],
    ['no files list', '{"version": 1}', /expected an object with a "files" list, found \{"version":1\}/],
    ['another version', JSON.stringify({ version: 2, files: [] }), /expected "version": 1, found 2/],
    ['an entry not an object', good([7]), /files\[0\]: expected an object, found 7/],
    ['no target', good([{ ...fileEntry(), target: undefined }]), /files\[0\]: "target": expected an object, found nothing/],
    [
      'a relative path',
      good([fileEntry({ target: { kind: 'file', path: 'etc/cron.d/x' } })]),
      /"target.path": expected an absolute path, found "etc\/cron.d\/x"/,
    ],
    ['an unknown kind', good([{ ...fileEntry(), target: { kind: 'spool' } }]), /"target.kind": expected "file" or "user-crontab", found "spool"/],
    ['a user crontab without its label', good([{ ...userEntry, target: { kind: 'user-crontab', user: 'x' } }]), /"target.label": expected a string/],
    [
      'a user that is no name',
      good([{ ...userEntry, target: { kind: 'user-crontab', user: 7, label: 'l' } }]),
      /"target.user": expected a login name, found 7/,
    ],
    [
      'a backup outside the set',
      good([fileEntry({ backup: '../../etc/shadow' })]),
      /files\[0\]: "backup": expected a name such as "1.crontab", found "..\/..\/etc\/shadow"/,
    ],
    ['a short hash', good([fileEntry({ sha256After: 'abc' })]), /"sha256After": expected 64 hex digits, found "abc"/],
    ['a negative mode', good([fileEntry({ mode: -1 })]), /"mode": expected a whole number, found -1/],
    ['the second entry bad', good([fileEntry(), fileEntry({ uid: 1.5 })]), /^files\[1\]: "uid"/],
  ];
  for (const [name, text, problem] of cases) {
    const r = parseManifest(text);
    assert.ok('problem' in r, name);
    assert.match(r.problem, problem, name);
  }
});

test("a manifest from an older hb, without a file's owner and mode, is read, and its restore keeps the file's own owner and mode", () => {
  const older = { target: { kind: 'file', path: '/etc/cron.d/backup' }, backup: '1.crontab', sha256Before: sha256(BEFORE), sha256After: sha256(AFTER) };
  const r = parseManifest(JSON.stringify({ version: 1, created: '2026-01-01T00:00:00.000Z', files: [older] }));
  assert.ok('entries' in r);
  const plan = planUndo(SET, r.entries, [found(AFTER)]);
  assert.deepEqual(plan.restore, [{ target: older.target, label: '/etc/cron.d/backup', text: BEFORE, ownership: null }]);
});

test('undo plan: each crontab restored, already as before, or left alone for the reason found', () => {
  const refusal =
    'is a symbolic link to /tmp/x; hb writes only a new file or over a regular one, never a link (name the file it points to, if that is the one)';
  const cases: Array<{ name: string; entry: BackupEntry; fact: UndoFact; want: Partial<ReturnType<typeof planUndo>>; line?: string }> = [
    {
      name: 'as adopt left it: the original back, with the owner and mode recorded',
      entry: fileEntry({ mode: 0o600, uid: 1000, gid: 1000 }),
      fact: found(AFTER),
      want: {
        restore: [
          { target: { kind: 'file', path: '/etc/cron.d/backup' }, label: '/etc/cron.d/backup', text: BEFORE, ownership: { mode: 0o600, uid: 1000, gid: 1000 } },
        ],
      },
    },
    {
      name: 'a user crontab as adopt left it: back through crontab(1), no owner or mode',
      entry: userEntry,
      fact: found(AFTER),
      want: { restore: [{ target: userEntry.target, label: "backup's crontab", text: BEFORE, ownership: null }] },
    },
    { name: 'already as before adopt: nothing to do', entry: fileEntry(), fact: found(BEFORE), want: { unchanged: ['/etc/cron.d/backup'] } },
    { name: 'already as before, even with its original gone', entry: fileEntry(), fact: found(BEFORE, null), want: { unchanged: ['/etc/cron.d/backup'] } },
    {
      name: 'edited since adopt',
      entry: fileEntry(),
      fact: found(`${AFTER}* * * * * date\n`),
      want: { conflicts: [{ kind: 'changed', label: '/etc/cron.d/backup', original: `${SET}/1.crontab` }] },
      line: `/etc/cron.d/backup changed since it was adopted; left as it is (the original is ${SET}/1.crontab)`,
    },
    {
      name: 'removed since adopt (read as empty)',
      entry: fileEntry(),
      fact: found(''),
      want: { conflicts: [{ kind: 'changed', label: '/etc/cron.d/backup', original: `${SET}/1.crontab` }] },
    },
    {
      name: 'replaced by a link or anything hb may not write',
      entry: fileEntry(),
      fact: found(null, BEFORE, refusal),
      want: { conflicts: [{ kind: 'refused', label: '/etc/cron.d/backup', original: `${SET}/1.crontab`, reason: refusal }] },
      line: `/etc/cron.d/backup ${refusal}; left as it is (the original is ${SET}/1.crontab)`,
    },
    {
      name: 'its original missing from the set',
      entry: userEntry,
      fact: found(AFTER, null),
      want: { conflicts: [{ kind: 'backup-missing', label: "backup's crontab", original: `${SET}/2.crontab` }] },
      line: `backup's crontab: its original is missing from the backup, expected at ${SET}/2.crontab; left as it is`,
    },
  ];
  for (const c of cases) {
    const plan = planUndo(SET, [c.entry], [c.fact]);
    assert.deepEqual(plan, { restore: [], unchanged: [], conflicts: [], ...c.want }, c.name);
    if (c.line) assert.equal(conflictLine(plan.conflicts[0]!), c.line, c.name);
  }
});

test('undo plan over a whole set: every entry decided on its own, in manifest order', () => {
  const entries = [fileEntry(), userEntry, fileEntry({ target: { kind: 'file', path: '/etc/crontab' }, backup: '3.crontab' })];
  const plan = planUndo(SET, entries, [found(AFTER), found('edited\n'), found(BEFORE)]);
  assert.deepEqual(
    plan.restore.map((s) => s.label),
    ['/etc/cron.d/backup'],
  );
  assert.deepEqual(
    plan.conflicts.map((c) => c.label),
    ["backup's crontab"],
  );
  assert.deepEqual(plan.unchanged, ['/etc/crontab']);
  assert.throws(() => planUndo(SET, entries, [found(AFTER)]), /expected one fact per manifest entry \(3\), found 1/);
});
