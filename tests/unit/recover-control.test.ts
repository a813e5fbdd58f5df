// Who controls a guarded path (the parent-chain decision, then the walk that gathers it on real
// directories), and the mode recovery ever gives a file.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { controlOf, type ChainStep } from '../../lib/rules/recover/control.ts';
import { guardedAccess } from '../../lib/adapters/recover/guarded-path.ts';
import { gidInPasswd } from '../../lib/adapters/recover/primary-gid.ts';
import { manifestOf } from '../../lib/adapters/recover/snapshots.ts';
import { safeMode } from '../../lib/rules/recover/safe-mode.ts';

const AGENT = 1001;
const OTHER = 1002;
/** A chain for /a/b/c.conf: the owner and mode of `/`, `/a` and `/a/b`, and of each entry looked up. */
function chain(dirs: Array<[uid: number, mode: number]>, entries: Array<number | null>): ChainStep[] {
  const names = ['a', 'b', 'c.conf'];
  const paths = ['/', '/a', '/a/b'];
  return dirs.map(([uid, mode], i) => ({ dir: paths[i]!, uid, mode, name: names[i]!, entryUid: entries[i]! }));
}
const ROOT_DIR: [number, number] = [0, 0o755];

describe('controlOf', () => {
  const cases: Array<[string, ChainStep[], ReturnType<typeof controlOf> | RegExp]> = [
    ['root owns every directory: root acts', chain([ROOT_DIR, ROOT_DIR, ROOT_DIR], [0, 0, 0]), { as: 'root' }],
    [
      'a file the agent owns in root-only directories: root acts, the agent cannot replace it',
      chain([ROOT_DIR, ROOT_DIR, ROOT_DIR], [0, 0, AGENT]),
      { as: 'root' },
    ],
    ['a missing file in root-only directories: root acts', chain([ROOT_DIR, ROOT_DIR, ROOT_DIR], [0, 0, null]), { as: 'root' }],
    ["the file's directory is the agent's: act as the agent", chain([ROOT_DIR, ROOT_DIR, [AGENT, 0o700]], [0, AGENT, 0]), { as: 'user', uid: AGENT }],
    [
      'a root-owned file and directory under a directory the agent owns: the agent can rename them away',
      chain([ROOT_DIR, [AGENT, 0o755], ROOT_DIR], [AGENT, 0, 0]),
      { as: 'user', uid: AGENT },
    ],
    ['an ancestor owned by the agent, however high: act as the agent', chain([[AGENT, 0o755], ROOT_DIR, ROOT_DIR], [0, 0, 0]), { as: 'user', uid: AGENT }],
    [
      'a world-writable directory without the sticky bit: refused',
      chain([ROOT_DIR, [0, 0o777], ROOT_DIR], [0, 0, 0]),
      /^\/a is writable by every user \(mode 0777\) without the sticky bit: any of them could put another file at this path$/,
    ],
    [
      'a group-writable directory: refused',
      chain([ROOT_DIR, ROOT_DIR, [0, 0o775]], [0, 0, 0]),
      /^\/a\/b is writable by its group \(mode 0775\) without the sticky bit/,
    ],
    [
      'a sticky world-writable directory: the owner of the entry controls it',
      chain([ROOT_DIR, [0, 0o1777], ROOT_DIR], [0, AGENT, 0]),
      { as: 'user', uid: AGENT },
    ],
    ['a sticky world-writable directory, entry owned by root: root acts', chain([ROOT_DIR, [0, 0o1777], ROOT_DIR], [0, 0, 0]), { as: 'root' }],
    [
      'a sticky world-writable directory without the entry: anyone could create it',
      chain([ROOT_DIR, ROOT_DIR, [0, 0o1777]], [0, 0, null]),
      /^c\.conf does not exist in \/a\/b, which every user can write \(mode 1777\): anyone among them could create it first$/,
    ],
    [
      'two users on the way: refused',
      chain([ROOT_DIR, [OTHER, 0o755], [AGENT, 0o755]], [OTHER, AGENT, AGENT]),
      /^several users could replace it \(uids 1001, 1002\): hb acts for none of them$/,
    ],
    [
      "the entry in a sticky directory and the directory's owner differ: refused",
      chain([ROOT_DIR, ROOT_DIR, [OTHER, 0o1777]], [0, OTHER, AGENT]),
      /several users could replace it \(uids 1001, 1002\)/,
    ],
  ];
  for (const [name, steps, want] of cases) {
    test(name, () => {
      const got = controlOf(steps);
      if (want instanceof RegExp) {
        assert.ok('refused' in got, JSON.stringify(got));
        assert.match(got.refused, want);
      } else assert.deepEqual(got, want);
    });
  }
});

describe('no setuid, setgid or sticky bit survives', () => {
  test('safeMode keeps only read, write and execute', () => {
    assert.deepEqual([0o4755, 0o2755, 0o1777, 0o6711, 0o640, 0o7777].map(safeMode), [0o755, 0o755, 0o777, 0o711, 0o640, 0o777]);
  });

  test('a snapshot never records one', () => {
    const m = manifestOf('id', 'job', 0, [
      { path: '/a', content: Buffer.from('x'), mode: 0o4755 },
      { path: '/b', content: Buffer.from('y'), mode: 0o2640 },
    ]);
    assert.deepEqual(
      m.files.map((f) => f.mode),
      [0o755, 0o640],
    );
  });
});

describe('guardedAccess walks the real parent chain', { skip: process.getuid?.() === 0 ? false : 'needs root to chown' }, () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'hb-recover-control-')));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  // A made-up user: its directories are chowned to it, and this is its login group.
  const groupOf = (uid: number) => (uid === AGENT ? 3000 : null);
  let n = 0;
  const fresh = (): string => {
    const dir = join(tmp, `c${++n}`);
    mkdirSync(dir);
    return dir;
  };

  test('root-only directories: root acts on the physical path, a root link on the way is followed', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'real'));
    symlinkSync('real', join(dir, 'alias'));
    assert.deepEqual(guardedAccess(join(dir, 'alias', 'a.conf'), groupOf), { as: 'root', path: join(dir, 'real', 'a.conf') });
  });

  test('a directory the agent owns anywhere above: act as the agent, in its login group', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'agent', 'etc'), { recursive: true });
    chownSync(join(dir, 'agent'), AGENT, 5555);
    assert.deepEqual(guardedAccess(join(dir, 'agent', 'etc', 'a.conf'), groupOf), {
      as: 'user',
      uid: AGENT,
      gid: 3000,
      path: join(dir, 'agent', 'etc', 'a.conf'),
    });
  });

  test("a link the agent owns in a sticky directory leads into root's: the agent still controls the path", () => {
    const dir = fresh();
    mkdirSync(join(dir, 'shared'));
    chmodSync(join(dir, 'shared'), 0o1777);
    mkdirSync(join(dir, 'root-only'), { mode: 0o700 });
    symlinkSync('../root-only', join(dir, 'shared', 'via'));
    lchownSync(join(dir, 'shared', 'via'), AGENT, 3000);
    assert.deepEqual(guardedAccess(join(dir, 'shared', 'via', 'a.conf'), groupOf), {
      as: 'user',
      uid: AGENT,
      gid: 3000,
      path: join(dir, 'root-only', 'a.conf'),
    });
  });

  test('a missing file in a sticky directory anyone can write is refused', () => {
    const dir = fresh();
    chmodSync(dir, 0o1777);
    const got = guardedAccess(join(dir, 'a.conf'), groupOf);
    assert.ok(
      'refused' in got && /a\.conf does not exist in .*, which every user can write \(mode 1777\): anyone among them could create it first/.test(got.refused),
      JSON.stringify(got),
    );
    writeFileSync(join(dir, 'a.conf'), 'mine');
    chownSync(join(dir, 'a.conf'), AGENT, 3000);
    assert.deepEqual(guardedAccess(join(dir, 'a.conf'), groupOf), { as: 'user', uid: AGENT, gid: 3000, path: join(dir, 'a.conf') });
  });

  test('a link at the path, a file on the way, a loop and an unknown owner', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'f'), '');
    symlinkSync('f', join(dir, 'link'));
    symlinkSync('loop', join(dir, 'loop'));
    mkdirSync(join(dir, 'orphan'));
    chownSync(join(dir, 'orphan'), 4242, 4242);
    assert.deepEqual(guardedAccess(join(dir, 'link'), groupOf), { refused: 'is a symbolic link: hb never follows a link at a guarded path' });
    assert.deepEqual(guardedAccess(join(dir, 'f', 'below'), groupOf), { error: 'a parent of it is not a directory' });
    assert.deepEqual(guardedAccess(join(dir, 'loop', 'a.conf'), groupOf), { error: 'more than 40 symbolic links on its path (a loop?)' });
    assert.deepEqual(guardedAccess(join(dir, 'orphan', 'a.conf'), groupOf), {
      refused: 'controlled by uid 4242, which has no entry in the user database: hb acts only as a known user',
    });
  });
});

describe('gidInPasswd', () => {
  test('the login group of a uid, or null', () => {
    const text = 'root:x:0:0:root:/root:/bin/bash\nagent:x:1001:3000::/home/agent:/bin/sh\nbroken:x:1002\n';
    assert.deepEqual([gidInPasswd(text, 0), gidInPasswd(text, 1001), gidInPasswd(text, 1002), gidInPasswd(text, 7)], [0, 3000, null, null]);
  });
});
