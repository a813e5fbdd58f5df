// Who controls a guarded path (the parent-chain decision), and the mode recovery ever gives a
// file: table tests on the pure functions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { controlOf, type ChainStep } from '../../lib/recover/control.ts';
import { manifestOf } from '../../lib/recover/snapshots.ts';
import { safeMode } from '../../lib/recover/safe-mode.ts';

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
    ['a file the agent owns in root-only directories: root acts, the agent cannot replace it', chain([ROOT_DIR, ROOT_DIR, ROOT_DIR], [0, 0, AGENT]), { as: 'root' }],
    ['a missing file in root-only directories: root acts', chain([ROOT_DIR, ROOT_DIR, ROOT_DIR], [0, 0, null]), { as: 'root' }],
    ['the file\'s directory is the agent\'s: act as the agent', chain([ROOT_DIR, ROOT_DIR, [AGENT, 0o700]], [0, AGENT, 0]), { as: 'user', uid: AGENT }],
    ['a root-owned file and directory under a directory the agent owns: the agent can rename them away', chain([ROOT_DIR, [AGENT, 0o755], ROOT_DIR], [AGENT, 0, 0]), { as: 'user', uid: AGENT }],
    ['an ancestor owned by the agent, however high: act as the agent', chain([[AGENT, 0o755], ROOT_DIR, ROOT_DIR], [0, 0, 0]), { as: 'user', uid: AGENT }],
    ['a world-writable directory without the sticky bit: refused', chain([ROOT_DIR, [0, 0o777], ROOT_DIR], [0, 0, 0]), /^\/a is writable by every user \(mode 0777\) without the sticky bit: any of them could put another file at this path$/],
    ['a group-writable directory: refused', chain([ROOT_DIR, ROOT_DIR, [0, 0o775]], [0, 0, 0]), /^\/a\/b is writable by its group \(mode 0775\) without the sticky bit/],
    ['a sticky world-writable directory: the owner of the entry controls it', chain([ROOT_DIR, [0, 0o1777], ROOT_DIR], [0, AGENT, 0]), { as: 'user', uid: AGENT }],
    ['a sticky world-writable directory, entry owned by root: root acts', chain([ROOT_DIR, [0, 0o1777], ROOT_DIR], [0, 0, 0]), { as: 'root' }],
    ['a sticky world-writable directory without the entry: anyone could create it', chain([ROOT_DIR, ROOT_DIR, [0, 0o1777]], [0, 0, null]), /^c\.conf does not exist in \/a\/b, which every user can write \(mode 1777\): anyone among them could create it first$/],
    ['two users on the way: refused', chain([ROOT_DIR, [OTHER, 0o755], [AGENT, 0o755]], [OTHER, AGENT, AGENT]), /^several users could replace it \(uids 1001, 1002\): hb acts for none of them$/],
    ['the entry in a sticky directory and the directory\'s owner differ: refused', chain([ROOT_DIR, ROOT_DIR, [OTHER, 0o1777]], [0, OTHER, AGENT]), /several users could replace it \(uids 1001, 1002\)/],
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
    const m = manifestOf('id', 'job', 0, [{ path: '/a', content: Buffer.from('x'), mode: 0o4755 }, { path: '/b', content: Buffer.from('y'), mode: 0o2640 }]);
    assert.deepEqual(m.files.map((f) => f.mode), [0o755, 0o640]);
  });
});
