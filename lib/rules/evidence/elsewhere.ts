// Heartbeats for a job written to a state directory this check does not read: the job runs as
// another user, or with another state directory, and its heartbeats never reach the check.

import { formatDuration } from '../duration.ts';
import type { Evidence } from './types.ts';

/** A heartbeat of the job found in a directory the check does not read. */
export interface ElsewhereHeartbeat {
  dir: string;
  file: string;
  /** Its time (started_at, else the file's mtime). */
  atMs: number;
  /** Who owns the file (its user name, else its uid as text). */
  owner: string;
  uid: number;
}

/**
 * What heartbeats found elsewhere say about a job whose last heartbeat here is at `lastMs`
 * (null: none): the newest one newer than that is the cause — the job's heartbeats go there.
 * `primaryDir` is where this check reads, offered as the one to point both at. Null: nothing newer.
 */
export function elsewhereEvidence(found: readonly ElsewhereHeartbeat[], lastMs: number | null, nowMs: number, primaryDir: string): Evidence | null {
  let newest: ElsewhereHeartbeat | null = null;
  for (const h of found) if ((lastMs === null || h.atMs > lastMs) && (newest === null || h.atMs > newest.atMs)) newest = h;
  if (newest === null) return null;
  const age = newest.atMs <= nowMs ? `${formatDuration(nowMs - newest.atMs)} ago` : 'in the future';
  return {
    kind: 'elsewhere',
    weight: 'cause',
    text: `heartbeats go to ${newest.dir} (owner ${newest.owner}), last ${age}: the job runs as ${newest.owner} or with another state dir; point both at one (--state-dir ${primaryDir})`,
    facts: {
      dir: newest.dir,
      file: newest.file,
      owner: newest.owner,
      uid: newest.uid,
      last_at: new Date(newest.atMs).toISOString(),
      last_here_at: lastMs === null ? null : new Date(lastMs).toISOString(),
    },
  };
}
