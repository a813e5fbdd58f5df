// The group a user logs in with, which is the group hb acts in when it acts as that user: never
// a group the user is not in (a directory's group could be anything root gave it).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The primary gid of `uid` in passwd-format text, or null when no line has that uid. */
export function gidInPasswd(text: string, uid: number): number | null {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[2] !== String(uid)) continue;
    const gid = Number(f[3]);
    if (f[3] !== '' && Number.isInteger(gid) && gid >= 0) return gid;
  }
  return null;
}

/** The primary gid of `uid`: /etc/passwd, then the system's user database (getent); null when unknown. */
export function primaryGid(uid: number): number | null {
  try {
    const gid = gidInPasswd(readFileSync('/etc/passwd', 'utf8'), uid);
    if (gid !== null) return gid;
  } catch {
    // No passwd file: ask the user database.
  }
  const r = spawnSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: 5_000, env: { PATH: '/usr/bin:/bin' } });
  return r.status === 0 ? gidInPasswd(r.stdout, uid) : null;
}
