// Who is who on this host: /etc/passwd read once (no getpwnam in Node), and the user hb runs as.

import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** Users by name (their home directories) and by uid. */
export interface Users {
  homes: Map<string, string>;
  byUid: Map<number, string>;
}

/** Reads /etc/passwd; without one, users stay unknown and rules that need them are skipped. */
export function readUsers(): Users {
  const homes = new Map<string, string>();
  const byUid = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, , , home] = line.split(':');
      if (!name || home === undefined) continue;
      homes.set(name, home);
      byUid.set(Number(uid), name);
    }
  } catch {
    // No passwd file.
  }
  return { homes, byUid };
}

/** The login name of the user hb runs as ('' for a uid without a passwd entry). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
