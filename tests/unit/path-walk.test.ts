// The one walk of a path from `/` down (lib/adapters/fs/path-walk.ts) on made-up trees: `.` and
// `..`, relative and absolute link targets, link loops, a missing name and a file in the middle;
// then, for random small trees (fixed seeds), the two deciders fed by it give the verdicts the
// two walks they replaced gave (kept below as the reference).

import assert from 'node:assert/strict';
import { dirname, isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { walkPath, type WalkReader } from '../../lib/adapters/fs/path-walk.ts';
import { untrustedPath, type PathEnd, type PathReader, type TrustProblem } from '../../lib/adapters/fs/path-trust.ts';
import type { EntryFacts } from '../../lib/rules/fs/walk.ts';
import { guardedChain } from '../../lib/rules/recover/guarded-chain.ts';
import { controlOf, type ChainStep } from '../../lib/rules/recover/control.ts';

type Node = EntryFacts & { to?: string; denied?: boolean };
const dir = (mode = 0o755, uid = 0): Node => ({ kind: 'dir', mode: 0o40000 | mode, uid });
const link = (to: string, uid = 0): Node => ({ kind: 'link', mode: 0o120777, uid, to });
const file = (uid = 0, mode = 0o644): Node => ({ kind: 'file', mode: 0o100000 | mode, uid });

/** A made-up file system: path → entry; anything not listed is missing; a `denied` entry cannot be looked at (EACCES). */
function tree(entries: Record<string, Node>): WalkReader & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    lstat(path) {
      seen.push(path);
      const e = entries[path];
      if (e?.denied) throw Object.assign(new Error(`EACCES: ${path}`), { code: 'EACCES' });
      return e ? { kind: e.kind, mode: e.mode, uid: e.uid } : null;
    },
    readlink(path) {
      const e = entries[path];
      if (e?.to === undefined) throw Object.assign(new Error(`EINVAL: ${path}`), { code: 'EINVAL' });
      return e.to;
    },
  };
}

/** The walk in short: each step as `dir:name=kind` (`-` for nothing), and the end. */
function outline(target: string, entries: Record<string, Node>): { steps: string[]; end: string } {
  const walk = walkPath(target, tree(entries));
  const steps = walk.steps.map((s) => `${s.dir}:${s.name}=${s.entry?.kind ?? '-'}`);
  const end = walk.end.end === 'done' ? `done ${walk.end.dir}` : walk.end.end === 'failed' ? `failed ${walk.end.at} ${walk.end.path}` : walk.end.end;
  return { steps, end };
}

const base: Record<string, Node> = { '/': dir(), '/a': dir(), '/a/b': dir(), '/c': dir() };

test('walkPath: every name looked up from /, `.` skipped, `..` back to the physical parent', () => {
  assert.deepEqual(outline('/a/./b/../b', base), { steps: ['/:a=dir', '/a:b=dir', '/a:b=dir'], end: 'done /a/b' });
  assert.deepEqual(outline('/', base), { steps: [], end: 'done /' });
  assert.deepEqual(outline('/..', base), { steps: [], end: 'done /' });
});

test('walkPath: a relative link goes on from its directory, an absolute one from /, `..` after a link is the parent of where it led', () => {
  const entries = { ...base, '/a/rel': link('b'), '/a/abs': link('/c'), '/c/up': link('../a/b'), '/a/b/f': file() };
  assert.deepEqual(outline('/a/rel/f', entries), { steps: ['/:a=dir', '/a:rel=link', '/a:b=dir', '/a/b:f=file'], end: 'not-dir' });
  assert.deepEqual(outline('/a/abs/up', entries), {
    steps: ['/:a=dir', '/a:abs=link', '/:c=dir', '/c:up=link', '/:a=dir', '/a:b=dir'],
    end: 'done /a/b',
  });
  // `..` after the link /a/abs: the parent of /c, where the link led, not of /a.
  assert.deepEqual(outline('/a/abs/..', entries), { steps: ['/:a=dir', '/a:abs=link', '/:c=dir'], end: 'done /' });
  const walk = walkPath('/a/rel/f', tree(entries));
  assert.deepEqual(walk.steps[1]?.link, { target: 'b' });
  assert.deepEqual(walk.steps[1]?.rest, ['f']);
});

test('walkPath: a link loop ends after 40 links, at the 41st', () => {
  const walk = walkPath('/a/loop/x', tree({ ...base, '/a/loop': link('loop') }));
  assert.equal(walk.end.end, 'loop');
  assert.equal(walk.steps.filter((s) => s.entry?.kind === 'link').length, 41);
  const pair = outline('/a/p', { ...base, '/a/p': link('/a/q'), '/a/q': link('p') });
  assert.equal(pair.end, 'loop');
  // /a, then p, q, p, … 41 links, and /a again before each q (the absolute hop to /a/q).
  assert.equal(pair.steps.length, 1 + 41 + 20);
});

test('walkPath: stops at the first missing name, and at a file in the middle', () => {
  const seen = tree(base);
  assert.deepEqual(outline('/a/missing/b/c', base), { steps: ['/:a=dir', '/a:missing=-'], end: 'missing' });
  walkPath('/a/missing/b/c', seen);
  assert.deepEqual(seen.seen, ['/', '/a', '/a/missing']);
  const withFile = { ...base, '/a/f': file() };
  assert.deepEqual(outline('/a/f/b', withFile), { steps: ['/:a=dir', '/a:f=file'], end: 'not-dir' });
  assert.deepEqual(walkPath('/a/f/b', tree(withFile)).steps[1]?.rest, ['b']);
});

test('walkPath: a name it cannot look at, a `..` to nothing, an unreadable link, no `/`', () => {
  assert.deepEqual(outline('/a/b/x', { ...base, '/a/b': { ...dir(), denied: true } }), { steps: ['/:a=dir'], end: 'failed entry /a/b' });
  // /a is there on the way down, gone when `..` leads back to it.
  const fading = tree(base);
  let looks = 0;
  const gone: WalkReader = { lstat: (p) => (p === '/a' && ++looks > 1 ? null : fading.lstat(p)), readlink: fading.readlink };
  const up = walkPath('/a/b/../c', gone);
  assert.deepEqual(up.end, { end: 'failed', at: 'parent', path: '/a', error: null });
  assert.deepEqual(outline('/a/b/..', { '/': dir(), '/a/b': dir(), '/a': dir() }).end, 'done /a');
  assert.deepEqual(outline('/a/b/..', { '/': dir(), '/a/b': dir(), '/a': { ...dir(), denied: true } }).end, 'failed entry /a');
  const broken = walkPath('/x/y', tree({ '/': dir(), '/x': { kind: 'link', mode: 0o120777, uid: 0 } }));
  assert.equal(broken.end.end === 'failed' && broken.end.at, 'link');
  assert.ok(broken.steps[0]?.link && 'unreadable' in broken.steps[0].link);
  assert.deepEqual(outline('/a', {}), { steps: [], end: 'failed root /' });
});

// ---- The reference: the two walks as they were before there was one walk, on injected readers. ----

const STICKY = 0o1000;
const octal = (mode: number) => `mode ${(mode & 0o7777).toString(8).padStart(4, '0')}`;
const writers = (mode: number) => [mode & 0o020 ? 'group' : '', mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
const fixDir = (path: string) => `chown root: ${path} && chmod 0755 ${path}`;
const fixFile = (path: string) => `chown root: ${path} && chmod go-w ${path}`;

function referenceTrust(target: string, fs: PathReader, end: PathEnd): TrustProblem | null {
  let holder = '/';
  let held = fs.lstat(holder);
  if (held === null || held.kind !== 'dir') return null;
  if (held.uid !== 0) return { path: holder, reason: `is owned by uid ${held.uid}, not root (${octal(held.mode)})`, fix: fixDir(holder) };
  const queue = target.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '..') {
      holder = dirname(holder);
      held = fs.lstat(holder);
      if (held === null) return null;
      continue;
    }
    const path = join(holder, name);
    const st = fs.lstat(path);
    const open = writers(held.mode);
    if (st === null) {
      if (open && !(held.mode & STICKY))
        return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could create ${path} before root does`, fix: fixDir(holder) };
      return null;
    }
    if (open && !(held.mode & STICKY)) {
      return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could replace ${path} in it`, fix: fixDir(holder) };
    }
    if (st.kind === 'link') {
      if (st.uid !== 0) {
        return {
          path,
          reason: `is a symbolic link owned by uid ${st.uid}, not root${open ? `, in ${holder}, which ${open} can write` : ''}: its owner could point it anywhere`,
          fix: `give hb the directory it points to (${fs.readlink(path)}), or replace the link with one root makes`,
        };
      }
      if (++links > 40) return { path, reason: `leads through more than 40 symbolic links`, fix: `give hb the directory itself` };
      const to = fs.readlink(path);
      queue.unshift(...to.split('/').filter((c) => c !== '' && c !== '.'));
      if (isAbsolute(to)) {
        holder = '/';
        held = fs.lstat(holder)!;
      }
      continue;
    }
    if (st.kind !== 'dir') {
      if (end === 'dir' || queue.length > 0 || st.kind !== 'file') return null;
      if (st.uid !== 0)
        return { path, reason: `is owned by uid ${st.uid}, not root (${octal(st.mode)}): its owner decides what root runs`, fix: fixFile(path) };
      const fileWriters = writers(st.mode);
      if (fileWriters) return { path, reason: `is writable by ${fileWriters} (${octal(st.mode)}): they decide what root runs`, fix: fixFile(path) };
      return null;
    }
    if (st.uid !== 0) {
      return {
        path,
        reason: `is owned by uid ${st.uid}, not root (${octal(st.mode)})${open ? `, in ${holder}, which ${open} can write` : ''}: its owner could plant links in it`,
        fix: fixDir(path),
      };
    }
    holder = path;
    held = st;
  }
  if (end === 'file') return null;
  const open = writers(held.mode);
  if (open) return { path: holder, reason: `is writable by ${open} (${octal(held.mode)}): they could plant links in it`, fix: fixDir(holder) };
  return null;
}

type Guarded = { steps: ChainStep[]; path: string } | { refused: string } | { error: string };

/** The old guarded walk, its lstatSync/readlinkSync replaced by a reader that throws ENOENT for nothing there. */
function referenceGuarded(path: string, reader: WalkReader): Guarded {
  const lstat = (p: string): EntryFacts => {
    const st = reader.lstat(p);
    if (st === null) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return st;
  };
  let pending = path.split('/').filter(Boolean);
  let dir = '/';
  let dirSt: EntryFacts;
  const steps: ChainStep[] = [];
  let links = 0;
  try {
    dirSt = lstat('/');
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        dir = dirname(dir);
        dirSt = lstat(dir);
        continue;
      }
      const at = join(dir, name);
      let st: EntryFacts | null = null;
      try {
        st = lstat(at);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      steps.push({ dir, uid: dirSt.uid, mode: dirSt.mode & 0o7777, name, entryUid: st ? st.uid : null });
      if (!st) return { steps, path: join(at, ...pending) };
      if (st.kind === 'link') {
        if (pending.length === 0) return { refused: 'is a symbolic link: hb never follows a link at a guarded path' };
        if (++links > 40) return { error: `more than 40 symbolic links on its path (a loop?)` };
        const target = reader.readlink(at);
        pending = [...target.split('/').filter(Boolean), ...pending];
        if (target.startsWith('/')) {
          dir = '/';
          dirSt = lstat('/');
        }
        continue;
      }
      if (pending.length === 0) return { steps, path: at };
      if (st.kind !== 'dir') return { error: 'a parent of it is not a directory' };
      dir = at;
      dirSt = st;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'EACCES' ? 'permission denied on its path' : `cannot inspect its path: ${code ?? (e as Error).message}` };
  }
  return { error: 'not a path to a file' };
}

// ---- Random small trees ----

/** A small seeded generator (mulberry32), so every run sees the same trees. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['a', 'b', 'c'];
const PARTS = ['a', 'b', 'c', 'a', 'b', '.', '..'];
const MODES = [0o755, 0o700, 0o775, 0o757, 0o777, 0o1777, 0o1775, 0o751];
const UIDS = [0, 0, 0, 1001, 1002];

function randomTree(next: () => number): { entries: Record<string, Node>; targets: string[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const somePath = (): string => {
    const n = 1 + Math.floor(next() * 4);
    return Array.from({ length: n }, () => pick(PARTS)).join('/');
  };
  const entries: Record<string, Node> = { '/': dir(next() < 0.9 ? 0o755 : pick(MODES), next() < 0.95 ? 0 : 1001) };
  const grow = (at: string, depth: number) => {
    for (const name of NAMES) {
      if (next() < 0.3) continue;
      const path = join(at, name);
      const roll = next();
      if (roll < 0.45 && depth < 3) {
        entries[path] = dir(pick(MODES), pick(UIDS));
        grow(path, depth + 1);
      } else if (roll < 0.75) {
        entries[path] = link((next() < 0.4 ? '/' : '') + somePath(), pick(UIDS));
      } else if (roll < 0.9) {
        entries[path] = file(pick(UIDS), pick([0o644, 0o600, 0o664, 0o646]));
      } else if (roll < 0.95) {
        entries[path] = { kind: 'other', mode: 0o20666, uid: 0 };
      } else {
        entries[path] = { ...dir(), denied: true };
      }
    }
  };
  grow('/', 0);
  const targets = Array.from({ length: 6 }, () => '/' + somePath());
  return { entries, targets };
}

/** What a call gave: its value, or the message of what it threw. */
function outcome<T>(run: () => T): T | { threw: string } {
  try {
    return run();
  } catch (e) {
    return { threw: (e as Error).message };
  }
}

test('one walk, two deciders: on random small trees the verdicts are those of the two walks they replaced', () => {
  let decided = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const next = random(seed);
    const { entries, targets } = randomTree(next);
    for (const target of targets) {
      // The trust walk's reader: nothing there and not reachable are alike (null).
      const trustReader: PathReader = {
        lstat: (p) => (entries[p] ? { kind: entries[p].kind, mode: entries[p].mode, uid: entries[p].uid } : null),
        readlink: (p) => tree(entries).readlink(p),
      };
      for (const end of ['dir', 'file'] as const) {
        const want = outcome(() => referenceTrust(target, trustReader, end));
        const got = outcome(() => untrustedPath(target, trustReader, end));
        assert.deepEqual(got, want, `seed ${seed}, ${target}, end ${end}: ${JSON.stringify(entries)}`);
      }
      const want = referenceGuarded(target, tree(entries));
      const got = guardedChain(walkPath(target, tree(entries)));
      assert.deepEqual(got, want, `seed ${seed}, ${target}, guarded: ${JSON.stringify(entries)}`);
      if ('steps' in got) {
        assert.deepEqual(controlOf(got.steps), controlOf((want as { steps: ChainStep[] }).steps));
        decided++;
      }
    }
  }
  assert.ok(decided > 1000, `enough paths reach a decision (${decided})`);
});
