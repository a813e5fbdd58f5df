// Delivers what the outbox holds: in order per (sink, job), due items only, each sink bounded by
// its timeout; failures are retried by later checks with backoff, then given up loudly.

import { newEvent, type KnownEvent } from '../../rules/events/schema.ts';
import { loadSink } from '../sinks/load.ts';
import { SinkError, type Sink, type SinkContext } from '../../rules/sinks/types.ts';
import type { SinkConfig } from '../../rules/sinks/validate.ts';
import { claim, complete, giveUp, listPending, readMemo, recoverClaims, release, writeMemo, type OutboxItem } from './outbox.ts';

/** Everything delivery needs from outside. */
export interface DeliveryEnv {
  dir: string;
  /** The configured sinks by key (lib/adapters/sinks/load.ts sinkKey). */
  sinks: Map<string, SinkConfig>;
  ctx: SinkContext;
  now(): number;
  pid: number;
  isAlive(pid: number): boolean;
  /** Attempts (one per check) before a delivery is given up; default 10 (about 4 hours). */
  maxAttempts?: number;
  /** Injected in tests; default: lib/sinks/load.ts. */
  load?: (config: SinkConfig, ctx: SinkContext) => Promise<Sink>;
}

/** What a delivery pass did. */
export interface DeliveryReport {
  delivered: number;
  retrying: number;
  gaveUp: number;
  events: KnownEvent[];
  /** Lines for stderr: a given-up notification is loud. */
  warnings: string[];
}

/** Default attempts before giving up. */
export const MAX_ATTEMPTS = 10;

/** Wait before attempt n+1: 1 min, doubling, at most an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** Delivers every due item (those `only` selects, if given). Never throws for a sink's sake. */
export async function deliverPending(env: DeliveryEnv, only?: (item: OutboxItem) => boolean): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retrying: 0, gaveUp: 0, events: [], warnings: [] };
  recoverClaims(env.dir, env.isAlive);
  const groups = new Map<string, OutboxItem[]>();
  for (const item of listPending(env.dir).items) {
    if (only && !only(item)) continue;
    const key = `${item.sink.key}|${item.notification.job}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const sinks = new Map<string, Promise<Sink>>();
  const sinkFor = (config: SinkConfig, key: string) => {
    if (!sinks.has(key)) sinks.set(key, (env.load ?? loadSink)(config, env.ctx));
    return sinks.get(key)!;
  };
  // Sinks are independent: one that hangs must not hold up the others.
  await Promise.all([...groups.values()].map((items) => deliverGroup(env, items, sinkFor, report)));
  return report;
}

async function deliverGroup(
  env: DeliveryEnv,
  items: OutboxItem[],
  sinkFor: (c: SinkConfig, key: string) => Promise<Sink>,
  report: DeliveryReport,
): Promise<void> {
  for (const item of items) {
    const now = env.now();
    // Order matters within a group (a tracker must open the issue before it closes it).
    if (Date.parse(item.next_at) > now) return;
    if (!claim(env.dir, item, env.pid)) return;
    const config = env.sinks.get(item.sink.key);
    const incident = item.notification.incident;
    let error: SinkError;
    try {
      if (!config) throw new SinkError(`${item.sink.where} (${item.sink.kind}) is no longer configured`, false);
      const sink = await sinkFor(config, item.sink.key);
      const memo = incident ? readMemo(env.dir, item.sink.key, incident.id) : null;
      const kept = await withDeadline(sink.deliver(item.notification, memo), config.timeoutMs * (config.retries + 1) + 5_000);
      if (incident) writeMemo(env.dir, item.sink.key, incident.id, item.notification.type === 'resolve' ? null : (kept ?? memo));
      complete(env.dir, item, env.pid);
      report.delivered++;
      continue;
    } catch (e) {
      error = e instanceof SinkError ? e : new SinkError((e as Error)?.message ?? String(e), true);
    }
    const attempts = item.attempts + 1;
    const retry = error.retryable && attempts < (env.maxAttempts ?? MAX_ATTEMPTS);
    const next = { ...item, attempts, last_error: error.message, next_at: new Date(now + backoffMs(attempts)).toISOString() };
    report.events.push(
      newEvent.notify_failed(new Date(now).toISOString(), item.notification.job, {
        sink: item.sink.where,
        kind: item.sink.kind,
        notification: item.notification.type,
        incident: incident?.id ?? null,
        attempts,
        error: error.message,
        will_retry: retry,
      }),
    );
    if (retry) {
      release(env.dir, next, env.pid);
      report.retrying++;
      return;
    }
    giveUp(env.dir, next, env.pid);
    report.gaveUp++;
    report.warnings.push(
      `hb: gave up notifying ${item.sink.where} (${item.sink.kind}) about ${item.notification.job} ${item.notification.type} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error.message}`,
    );
  }
}

/** A sink that never settles is cut off: its own timeouts should fire first. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SinkError(`no answer within ${Math.round(ms / 1000)}s`, true)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
