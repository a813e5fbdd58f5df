// The outbox: every (notification, sink) delivery is a file under `<state>/outbox/` until it is
// delivered, so an alert survives a sink that is down, a killed hb and a full retry budget.

import { renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeAtomic } from '../fs/atomic.ts';
import { readFileNoFollow } from '../fs/no-follow.ts';
import type { Notification, SinkMemo } from '../../rules/sinks/types.ts';
import { listNames, unlinkQuiet } from '../fs/quiet.ts';
import { makeDirs } from '../fs/make-dirs.ts';

/** One pending delivery. */
export interface OutboxItem {
  v: 1;
  /** The file name, without directory; sorts in creation order. */
  name: string;
  created_at: string;
  sink: { key: string; kind: string; where: string };
  notification: Notification;
  attempts: number;
  next_at: string;
  last_error: string | null;
}

/** Outbox paths of a state directory. */
export const outboxDir = (dir: string) => join(dir, 'outbox');
const failedDir = (dir: string) => join(dir, 'outbox', 'failed');
const memoDir = (dir: string) => join(dir, 'outbox', 'memo');
const CLAIM = '.claimed-';

/** Adds deliveries; each is its own file, so concurrent writers never conflict. */
export function enqueue(dir: string, items: Array<Omit<OutboxItem, 'v' | 'name' | 'attempts' | 'last_error' | 'next_at'>>): OutboxItem[] {
  if (items.length === 0) return [];
  makeDirs(outboxDir(dir), 0o700);
  return items.map((it, i) => {
    const created = Date.parse(it.created_at);
    const name = `${String(created).padStart(15, '0')}-${String(i).padStart(3, '0')}-${it.notification.id}-${shortHash(it.sink.key)}.json`;
    const item: OutboxItem = { v: 1, name, attempts: 0, next_at: it.created_at, last_error: null, ...it };
    writeAtomic(join(outboxDir(dir), name), JSON.stringify(item), { fsync: true, mode: 0o600 });
    return item;
  });
}

/** Pending items in creation order (claimed ones excluded), and unreadable files by name. */
export function listPending(dir: string): { items: OutboxItem[]; unreadable: string[] } {
  const items: OutboxItem[] = [];
  const unreadable: string[] = [];
  for (const name of listNames(outboxDir(dir))
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    try {
      items.push({ ...(JSON.parse(readFileNoFollow(join(outboxDir(dir), name))) as OutboxItem), name });
    } catch {
      unreadable.push(name);
    }
  }
  return { items, unreadable };
}

/** Takes an item for delivery: only one process can win the rename. */
export function claim(dir: string, item: OutboxItem, pid: number): boolean {
  try {
    renameSync(join(outboxDir(dir), item.name), join(outboxDir(dir), `${item.name}${CLAIM}${pid}`));
    return true;
  } catch {
    return false;
  }
}

/** Delivered: the claimed file goes away. */
export function complete(dir: string, item: OutboxItem, pid: number): void {
  unlinkQuiet(join(outboxDir(dir), `${item.name}${CLAIM}${pid}`));
}

/** Not delivered, will be retried: written back under its name with the new attempt count. */
export function release(dir: string, item: OutboxItem, pid: number): void {
  writeAtomic(join(outboxDir(dir), item.name), JSON.stringify(item), { fsync: true, mode: 0o600 });
  unlinkQuiet(join(outboxDir(dir), `${item.name}${CLAIM}${pid}`));
}

/** Given up: kept under outbox/failed/ for a person (hb status counts them). */
export function giveUp(dir: string, item: OutboxItem, pid: number): void {
  makeDirs(failedDir(dir), 0o700);
  writeAtomic(join(failedDir(dir), item.name), JSON.stringify(item), { fsync: true, mode: 0o600 });
  unlinkQuiet(join(outboxDir(dir), `${item.name}${CLAIM}${pid}`));
}

/** Claims left by processes that died mid-delivery go back to pending. */
export function recoverClaims(dir: string, isAlive: (pid: number) => boolean): number {
  let recovered = 0;
  for (const name of listNames(outboxDir(dir))) {
    const at = name.indexOf(CLAIM);
    if (at < 0) continue;
    const pid = Number(name.slice(at + CLAIM.length));
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    try {
      renameSync(join(outboxDir(dir), name), join(outboxDir(dir), name.slice(0, at)));
      recovered++;
    } catch {
      // Someone else recovered it.
    }
  }
  return recovered;
}

/** How many deliveries wait for a retry and how many were given up (hb status shows both). */
export function countOutbox(dir: string): { pending: number; failed: number } {
  return {
    pending: listNames(outboxDir(dir)).filter((n) => n.endsWith('.json') || n.includes(CLAIM)).length,
    failed: listNames(failedDir(dir)).filter((n) => n.endsWith('.json')).length,
  };
}

/** What a sink remembered for an incident (e.g. the tracker issue it opened). */
export function readMemo(dir: string, sinkKey: string, incidentId: string): SinkMemo | null {
  try {
    return JSON.parse(readFileNoFollow(memoPath(dir, sinkKey, incidentId))) as SinkMemo;
  } catch {
    return null;
  }
}

/** Stores a sink's memo for an incident; null removes it (the incident is over for that sink). */
export function writeMemo(dir: string, sinkKey: string, incidentId: string, memo: SinkMemo | null): void {
  if (memo === null) return unlinkQuiet(memoPath(dir, sinkKey, incidentId));
  makeDirs(memoDir(dir), 0o700);
  writeAtomic(memoPath(dir, sinkKey, incidentId), JSON.stringify(memo), { fsync: true, mode: 0o600 });
}

const memoPath = (dir: string, sinkKey: string, incidentId: string) => join(memoDir(dir), `${shortHash(`${sinkKey}|${incidentId}`)}.json`);

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
