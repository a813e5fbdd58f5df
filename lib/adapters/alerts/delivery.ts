// What alerting, run pings, `tick --notify` and `report --send` share: turning notifications into
// outbox items for the job's sinks, and delivering them (the outbox and the log are real files).

import { deliverPending, type DeliveryReport } from './deliver.ts';
import { enqueue, type OutboxItem } from './outbox.ts';
import { allSinks, sinksOf, type HbConfig } from '../../rules/config/types.ts';
import { appendEvents } from '../events/log.ts';
import { readGivenFile, type ReadCap } from '../fs/given-file.ts';
import { sinkKey } from '../sinks/load.ts';
import { recipients } from '../../rules/alerts/recipients.ts';
import type { Notification } from '../../rules/sinks/types.ts';
import { receives, type SinkConfig } from '../../rules/sinks/validate.ts';

/** What delivering takes from outside: the clock, the environment (sink tokens), who we are, who is alive. */
export interface DeliveryEffects {
  now(): number;
  env: NodeJS.ProcessEnv;
  pid: number;
  /** Whether a process (the holder of a claimed outbox item) still runs. */
  isAlive(pid: number): boolean;
}

/** A sink's token_file: a regular file of at most 64 KiB (a token is a line; this is room for any). */
const TOKEN_FILE_CAP: ReadCap = { what: 'a token file', maxBytes: 64 * 1024 };

/** True when some sink of the job receives this type of notification. */
export function hasReceiver(config: HbConfig, job: string, type: Notification['type']): boolean {
  return sinksOf(config, job).some((s) => receives(s, type));
}

/** The outbox items for notifications: one per (notification, sink it goes to: lib/rules/alerts/recipients.ts). */
export function deliveriesFor(config: HbConfig, notifications: Notification[]) {
  return notifications.flatMap((n) =>
    recipients(config, n).map((s) => ({ created_at: n.ts, sink: { key: sinkKey(s), kind: s.kind, where: s.where }, notification: n })),
  );
}

/** Delivers due outbox items (those `only` selects), logs what failed, returns the report. */
export async function deliver(config: HbConfig, dir: string, fx: DeliveryEffects, only?: (item: OutboxItem) => boolean): Promise<DeliveryReport> {
  const sinks = new Map<string, SinkConfig>();
  for (const s of allSinks(config)) sinks.set(sinkKey(s), s);
  const report = await deliverPending(
    {
      dir,
      sinks,
      ctx: { env: fx.env, now: fx.now, readFile: (path) => readGivenFile(path, TOKEN_FILE_CAP) },
      now: fx.now,
      pid: fx.pid,
      isAlive: fx.isAlive,
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
export async function sendNow(config: HbConfig, dir: string, fx: DeliveryEffects, notifications: Notification[]): Promise<string[]> {
  const items = enqueue(dir, deliveriesFor(config, notifications));
  if (items.length === 0) return [];
  const names = new Set(items.map((i) => i.name));
  const report = await deliver(config, dir, fx, (item) => names.has(item.name));
  return report.warnings;
}
