// Who controls a guarded path, decided purely from its parent chain: root alone (hb may act as
// root), exactly one other user (hb acts as that user, so the agent gains nothing), or nobody
// hb can act for (a directory anyone can write, several users): refused, with the reason.

/** One name looked up on the way to a guarded file, in the directory it was looked up in. */
export interface ChainStep {
  /** The directory (physical path), its owner and its permission bits, sticky bit included. */
  dir: string;
  uid: number;
  mode: number;
  /** The name looked up there, and the owner of what has that name (null: nothing has it). */
  name: string;
  entryUid: number | null;
}

/** As whom hb may read and replace a guarded file, or why it must not touch it. */
export type Control = { as: 'root' } | { as: 'user'; uid: number } | { refused: string };

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/**
 * Decides who controls a path from every step of its resolution, `/` first. Whoever can replace
 * any directory on the way, or the file itself, controls the file: a directory's owner; in a
 * sticky directory others can write, the owner of the entry too (only they may rename it).
 */
export function controlOf(steps: readonly ChainStep[]): Control {
  const users = new Set<number>();
  for (const s of steps) {
    if (s.uid !== 0) users.add(s.uid);
    if ((s.mode & 0o022) === 0) continue;
    const who = s.mode & 0o002 ? 'every user' : 'its group';
    if ((s.mode & 0o1000) === 0) {
      return { refused: `${s.dir} is writable by ${who} (mode ${octal(s.mode)}) without the sticky bit: any of them could put another file at this path` };
    }
    if (s.entryUid === null) {
      return { refused: `${s.name} does not exist in ${s.dir}, which ${who} can write (mode ${octal(s.mode)}): anyone among them could create it first` };
    }
    if (s.entryUid !== 0) users.add(s.entryUid);
  }
  if (users.size > 1) return { refused: `several users could replace it (uids ${[...users].sort((a, b) => a - b).join(', ')}): hb acts for none of them` };
  const [uid] = users;
  return uid === undefined ? { as: 'root' } : { as: 'user', uid };
}
