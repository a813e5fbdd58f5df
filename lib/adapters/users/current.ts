// The user this process runs as, by login name.

import { userInfo } from 'node:os';

/** The login name of the user hb runs as ('' for a uid without a passwd entry). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
