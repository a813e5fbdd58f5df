// Who is who on this host: /etc/passwd read once (Node has no getpwnam).

import { readFileSync } from 'node:fs';

/** Users by name (their home directories) and by uid. */
export interface Users {
  homes: Map<string, string>;
  byUid: Map<number, string>;
}

/** The users of passwd-format text: each line's name, uid and home; lines without them are skipped. */
export function parsePasswd(text: string): Users {
  const homes = new Map<string, string>();
  const byUid = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid, , , home] = line.split(':');
    if (!name || home === undefined) continue;
    homes.set(name, home);
    byUid.set(Number(uid), name);
  }
  return { homes, byUid };
}

/** Reads `path` (/etc/passwd); without one, users stay unknown and rules that need them are skipped. */
export function readUsers(path = '/etc/passwd'): Users {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    // No passwd file.
    return { homes: new Map(), byUid: new Map() };
  }
}
