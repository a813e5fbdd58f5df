// The user hb runs as; who is who on the host is lib/adapters/users/passwd.ts's.

import { userInfo } from 'node:os';

export { readUsers, type Users } from '../lib/adapters/users/passwd.ts';

/** The login name of the user hb runs as ('' for a uid without a passwd entry). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
