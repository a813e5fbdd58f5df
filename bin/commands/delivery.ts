// What alerting, run pings and `tick --notify` share: turning notifications into outbox items for
// the job's sinks, and delivering them with the real process around.

import { deliverPending, type DeliveryReport } from '../../lib/alerts/deliver.ts';
import { enqueue, type OutboxItem } from '../../lib/alerts/outbox.ts';
import { allSinks, sinksOf, type HbConfig } from '../../lib/config/types.ts';
import { appendEvents } from '../../lib/events/log.ts';
import { readGivenFile, type ReadCap } from '../../lib/fs/given-file.ts';
import { gatherFacts } from '../../lib/run/proc.ts';
import { sinkKey } from '../../lib/sinks/load.ts';
import type { Notification } from '../../lib/sinks/types.ts';
import { receives, type SinkConfig } from '../../lib/sinks/validate.ts';
import type { Io } from '../io.ts';

/** A sink's token_file: a regular file of at most 64 KiB (a token is a line; this is room for any). */
const TOKEN_FILE_CAP: ReadCap = { what: 'a token file', maxBytes: 64 * 1024 };

/** True when some sink of the job receives this type of notification. */
export function hasReceiver(config: HbConfig, job: string, type: Notification['type']): boolean {
  return sinksOf(config, job).some((s) => receives(s, type));
}

/** The outbox items for notifications: one per (notification, sink that receives its type). */
export function deliveriesFor(config: HbConfig, notifications: Notification[]) {
  return notifications.flatMap((n) =>
    sinksOf(config, n.job)
      .filter((s) => receives(s, n.type))
      .map((s) => ({ created_at: n.ts, sink: { key: sinkKey(s), kind: s.kind, where: s.where }, notification: n })),
  );
}

/** Delivers due outbox items (those `only` selects), logs what failed, returns the report. */
export async function deliver(config: HbConfig, dir: string, io: Io, only?: (item: OutboxItem) => boolean): Promise<DeliveryReport> {
  const sinks = new Map<string, SinkConfig>();
  for (const s of allSinks(config)) sinks.set(sinkKey(s), s);
  const report = await deliverPending(
    {
      dir,
      sinks,
      ctx: { env: io.env, now: io.now, readFile: (path) => readGivenFile(path, TOKEN_FILE_CAP) },
      now: io.now,
      pid: io.pid,
      isAlive: (pid) => gatherFacts(pid).state !== null,
    },
    only,
  );
  try {
    appendEvents(dir, report.events);
  } catch {
    // The outbox still holds what failed.
  }
  return report;
}

/** Enqueues notifications and delivers just those now (a tick's own pings and messages). */
export async function sendNow(config: HbConfig, dir: string, io: Io, notifications: Notification[]): Promise<string[]> {
  const items = enqueue(dir, deliveriesFor(config, notifications));
  if (items.length === 0) return [];
  const names = new Set(items.map((i) => i.name));
  const report = await deliver(config, dir, io, (item) => names.has(item.name));
  return report.warnings;
}
