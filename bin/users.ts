// The user hb runs as; who is who on the host is lib/adapters/users/passwd.ts's.

export { currentUser } from '../lib/adapters/users/current.ts';
export { readUsers, type Users } from '../lib/adapters/users/passwd.ts';
