// The path walk that decides whether root may use a state directory: made-up trees through an
// injected lstat, then the same rules on the real file system.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realPaths, untrustedPath, type EntryFacts, type PathEnd, type PathReader } from '../../lib/adapters/fs/path-trust.ts';
import { stateDirsToRead } from '../../lib/adapters/state/dir.ts';

type Node = EntryFacts & { to?: string };
const dir = (mode: number, uid = 0): Node => ({ kind: 'dir', mode: 0o40000 | mode, uid });
const link = (to: string, uid = 0): Node => ({ kind: 'link', mode: 0o120777, uid, to });
const file = (uid = 0, mode = 0o644): Node => ({ kind: 'file', mode: 0o100000 | mode, uid });
const device = (): Node => ({ kind: 'other', mode: 0o20666, uid: 0 });

/** A file system made of a table: path → entry; anything not listed is missing. */
function tree(entries: Record<string, Node>): PathReader & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    lstat(path) {
      seen.push(path);
      const e = entries[path];
      return e ? { kind: e.kind, mode: e.mode, uid: e.uid } : null;
    },
    readlink(path) {
      const e = entries[path];
      if (!e?.to) throw new Error(`${path} is not a link in this tree`);
      return e.to;
    },
  };
}

const base: Record<string, Node> = { '/': dir(0o755), '/var': dir(0o755), '/var/lib': dir(0o755), '/tmp': dir(0o1777), '/srv': dir(0o755) };

/** A made-up tree, the path judged in it, and the problem expected (null: trusted). */
type Row = [string, Record<string, Node>, string, null | { path: string; reason: RegExp; fix?: string }];

function judgeRows(rows: Row[], end: PathEnd): void {
  for (const [what, entries, target, expected] of rows) {
    const got = untrustedPath(target, tree({ ...base, ...entries }), end);
    if (expected === null) {
      assert.equal(got, null, `${what}: ${JSON.stringify(got)}`);
      continue;
    }
    assert.ok(got, `${what}: expected a problem`);
    assert.equal(got.path, expected.path, `${what}: ${JSON.stringify(got)}`);
    assert.match(got.reason, expected.reason, what);
    if (expected.fix) assert.equal(got.fix, expected.fix, what);
  }
}

test('untrustedPath: a made-up tree per row, the component at fault and the fix', () => {
  const rows: Row[] = [
    ['root-only all the way', { '/var/lib/hb': dir(0o750) }, '/var/lib/hb', null],
    ['not there yet, under a root-only parent', {}, '/var/lib/hb', null],
    ['not there yet, under /tmp (sticky): root makes it, nobody can take the name', {}, '/tmp/hb', null],
    [
      'the directory itself 0777',
      { '/var/lib/hb': dir(0o777) },
      '/var/lib/hb',
      { path: '/var/lib/hb', reason: /^is writable by group and others \(mode 0777\)/, fix: 'chown root: /var/lib/hb && chmod 0755 /var/lib/hb' },
    ],
    [
      'the directory itself 1777: sticky does not help at the end',
      { '/var/lib/hb': dir(0o1777) },
      '/var/lib/hb',
      { path: '/var/lib/hb', reason: /writable by group and others \(mode 1777\)/ },
    ],
    ['the directory itself group-writable', { '/var/lib/hb': dir(0o770) }, '/var/lib/hb', { path: '/var/lib/hb', reason: /writable by group \(mode 0770\)/ }],
    ['the directory owned by another user', { '/var/lib/hb': dir(0o755, 1001) }, '/var/lib/hb', { path: '/var/lib/hb', reason: /owned by uid 1001, not root/ }],
    [
      'a parent others can write, not sticky',
      { '/srv/shared': dir(0o777), '/srv/shared/hb': dir(0o755) },
      '/srv/shared/hb',
      {
        path: '/srv/shared',
        reason: /writable by group and others \(mode 0777\): they could replace \/srv\/shared\/hb/,
        fix: 'chown root: /srv/shared && chmod 0755 /srv/shared',
      },
    ],
    [
      'a missing dir under a parent others can write: they could make it first',
      { '/srv/shared': dir(0o777) },
      '/srv/shared/hb',
      { path: '/srv/shared', reason: /could create \/srv\/shared\/hb before root/ },
    ],
    [
      'a grandparent others can write',
      { '/srv/a': dir(0o757), '/srv/a/b': dir(0o755), '/srv/a/b/hb': dir(0o755) },
      '/srv/a/b/hb',
      { path: '/srv/a', reason: /writable by others/ },
    ],
    ["a sticky parent with root's directory in it", { '/tmp/hb': dir(0o755) }, '/tmp/hb', null],
    [
      "a sticky parent with another user's directory in it",
      { '/tmp/hb': dir(0o755, 1001) },
      '/tmp/hb',
      { path: '/tmp/hb', reason: /owned by uid 1001, not root .*in \/tmp, which group and others can write/ },
    ],
    [
      'an ancestor owned by another user, even private',
      { '/home': dir(0o755), '/home/ann': dir(0o700, 1001), '/home/ann/hb': dir(0o755) },
      '/home/ann/hb',
      { path: '/home/ann', reason: /owned by uid 1001/ },
    ],
    ['/ itself owned by another user', { '/': dir(0o755, 5), '/var/lib/hb': dir(0o755) }, '/var/lib/hb', { path: '/', reason: /owned by uid 5/ }],
    [
      "a user's link in a sticky parent, to root's directory",
      { '/tmp/hb': link('/var/lib/hb', 1001), '/var/lib/hb': dir(0o750) },
      '/tmp/hb',
      {
        path: '/tmp/hb',
        reason: /symbolic link owned by uid 1001, not root, in \/tmp/,
        fix: 'give hb the directory it points to (/var/lib/hb), or replace the link with one root makes',
      },
    ],
    ["root's link in a sticky parent, to root's directory", { '/tmp/hb': link('/var/lib/hb'), '/var/lib/hb': dir(0o750) }, '/tmp/hb', null],
    [
      "root's link in a parent others can write",
      { '/srv/shared': dir(0o777), '/srv/shared/hb': link('/var/lib/hb'), '/var/lib/hb': dir(0o750) },
      '/srv/shared/hb',
      { path: '/srv/shared', reason: /writable by group and others/ },
    ],
    [
      "root's link to a directory others can write",
      { '/srv/hb': link('/srv/open'), '/srv/open': dir(0o777) },
      '/srv/hb',
      { path: '/srv/open', reason: /writable by group and others/ },
    ],
    ['a link in the middle, relative, to a root-only directory', { '/srv/data': link('../var/lib'), '/var/lib/hb': dir(0o750) }, '/srv/data/hb', null],
    [
      'a relative link into a directory others can write',
      { '/srv/data': link('../tmp/x'), '/tmp/x': dir(0o755, 1001) },
      '/srv/data/hb',
      { path: '/tmp/x', reason: /owned by uid 1001/ },
    ],
    ['.. after a link goes up from where the link led', { '/srv/l': link('/var/lib'), '/var/hb': dir(0o700) }, '/srv/l/../hb', null],
    ['a loop of links', { '/srv/a': link('/srv/b'), '/srv/b': link('/srv/a') }, '/srv/a/hb', { path: '/srv/a', reason: /more than 40 symbolic links/ }],
    ['a file on the way is left to whoever opens the path', { '/srv/f': file() }, '/srv/f/hb', null],
  ];
  judgeRows(rows, 'dir');
});

test('untrustedPath with end "file": a config root obeys is root\'s, private to writing, in root-only directories', () => {
  const rows: Row[] = [
    ["root's 0644 file in /etc/hb", { '/etc': dir(0o755), '/etc/hb': dir(0o755), '/etc/hb/hb.yaml': file() }, '/etc/hb/hb.yaml', null],
    ["root's 0600 file", { '/srv/hb.yaml': file(0, 0o600) }, '/srv/hb.yaml', null],
    [
      "another user's file",
      { '/srv/hb.yaml': file(1001) },
      '/srv/hb.yaml',
      {
        path: '/srv/hb.yaml',
        reason: /^is owned by uid 1001, not root \(mode 0644\): its owner decides what root runs/,
        fix: 'chown root: /srv/hb.yaml && chmod go-w /srv/hb.yaml',
      },
    ],
    [
      "root's file others can write",
      { '/srv/hb.yaml': file(0, 0o666) },
      '/srv/hb.yaml',
      { path: '/srv/hb.yaml', reason: /writable by group and others \(mode 0666\)/ },
    ],
    [
      "root's file the group can write",
      { '/srv/hb.yaml': file(0, 0o664) },
      '/srv/hb.yaml',
      { path: '/srv/hb.yaml', reason: /writable by group \(mode 0664\)/ },
    ],
    ["root's file in a sticky directory: nobody else can replace it", { '/tmp/hb.yaml': file() }, '/tmp/hb.yaml', null],
    ["another user's file in a sticky directory", { '/tmp/hb.yaml': file(1001) }, '/tmp/hb.yaml', { path: '/tmp/hb.yaml', reason: /owned by uid 1001/ }],
    [
      "root's file in another user's directory",
      { '/home': dir(0o755), '/home/ann': dir(0o755, 1001), '/home/ann/hb.yaml': file() },
      '/home/ann/hb.yaml',
      { path: '/home/ann', reason: /owned by uid 1001/ },
    ],
    ["root's link to root's file", { '/srv/hb.yaml': link('/var/lib/hb.yaml'), '/var/lib/hb.yaml': file() }, '/srv/hb.yaml', null],
    [
      "root's link to another user's file",
      { '/srv/hb.yaml': link('/var/lib/hb.yaml'), '/var/lib/hb.yaml': file(1001) },
      '/srv/hb.yaml',
      { path: '/var/lib/hb.yaml', reason: /owned by uid 1001/ },
    ],
    [
      "another user's link in a sticky directory",
      { '/tmp/hb.yaml': link('/var/lib/hb.yaml', 1001), '/var/lib/hb.yaml': file() },
      '/tmp/hb.yaml',
      { path: '/tmp/hb.yaml', reason: /symbolic link owned by uid 1001/ },
    ],
    ['missing: left to whoever opens it', {}, '/srv/hb.yaml', null],
    ['a device others can write: left to the reader, which refuses it by what it is', { '/srv/hb.yaml': device() }, '/srv/hb.yaml', null],
    ['a directory at the end: left to whoever opens it', { '/srv/conf': dir(0o777) }, '/srv/conf', null],
  ];
  judgeRows(rows, 'file');
});

test('untrustedPath looks at every component with lstat, from / down, and stops at the first missing one', () => {
  const fs = tree({ ...base, '/var/lib/hb': dir(0o750) });
  untrustedPath('/var/lib/hb/sub/deeper', fs);
  assert.deepEqual(fs.seen, ['/', '/var', '/var/lib', '/var/lib/hb', '/var/lib/hb/sub']);
});

test(
  "untrustedPath on the real file system: a symlink in a world-writable parent, another user's directory",
  { skip: process.getuid?.() !== 0 && 'needs root to own the directories' },
  (t) => {
    const top = mkdtempSync(join(tmpdir(), 'hb-path-trust-'));
    t.after(() => rmSync(top, { recursive: true, force: true }));
    const real = join(top, 'real');
    mkdirSync(real, { mode: 0o750 });
    assert.equal(untrustedPath(real, realPaths), null, 'a root-only directory in a private temp dir');
    assert.equal(untrustedPath(join(top, 'missing', 'hb'), realPaths), null, 'not there yet');

    const shared = join(top, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    symlinkSync(real, join(shared, 'root-link'));
    assert.equal(untrustedPath(join(shared, 'root-link'), realPaths), null, "root's own link in a sticky directory");
    symlinkSync(real, join(shared, 'their-link'));
    // lchown: the link itself becomes the other user's, not the directory it points to.
    lchownSync(join(shared, 'their-link'), 65534, 65534);
    const got = untrustedPath(join(shared, 'their-link'), realPaths);
    assert.equal(got?.path, join(shared, 'their-link'));
    assert.match(got?.reason ?? '', /symbolic link owned by uid 65534/);

    chmodSync(shared, 0o777);
    assert.equal(untrustedPath(join(shared, 'root-link'), realPaths)?.path, shared, 'not sticky: the parent is at fault');

    const theirs = join(top, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    assert.match(untrustedPath(join(theirs, 'hb'), realPaths)?.reason ?? '', /owned by uid 65534/);
  },
);

test('stateDirsToRead: as root, a chosen directory others can change is left out and named, and the fallback read', () => {
  const fs = tree({ ...base, '/srv/open': dir(0o777), '/hb-test-home': dir(0o700), '/hb-test-home/hb': dir(0o750) });
  // Made up, so that no real fallback note is found there.
  const userDir = '/hb-test-home/hb';
  assert.deepEqual(stateDirsToRead({ dir: '/var/lib/hb', userDir, source: 'default for root', isRoot: true }, fs), { dirs: ['/var/lib/hb'], untrusted: [] });
  const open = stateDirsToRead({ dir: '/srv/open', userDir, source: '--state-dir', isRoot: true }, fs);
  assert.deepEqual(open.dirs, [userDir]);
  assert.deepEqual(open.untrusted, [
    {
      dir: '/srv/open',
      why: 'it is writable by group and others (mode 0777): they could plant links in it',
      fix: 'chown root: /srv/open && chmod 0755 /srv/open',
    },
  ]);
  // A fallback others can change is left out too: nothing is left to read.
  const both = stateDirsToRead({ dir: '/srv/open', userDir: '/srv/open/hb', source: '--state-dir', isRoot: true }, fs);
  assert.deepEqual(both.dirs, []);
  assert.deepEqual(
    both.untrusted.map((u) => u.dir),
    ['/srv/open/hb', '/srv/open'],
  );
  // Not root: the same directory is read, as a user's own.
  assert.deepEqual(stateDirsToRead({ dir: '/srv/open', userDir: '/home/ann/.local/state/hb', source: '--state-dir' }, fs), {
    dirs: ['/srv/open'],
    untrusted: [],
  });
});
