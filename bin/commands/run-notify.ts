// A run's own notifications: healthchecks-style pings around it and `hb tick --notify TEXT`.
// Delivered right away with the sinks' timeouts; what fails stays in the outbox for hb check.

import { randomUUID } from 'node:crypto';
import { messageNotification, runNotification } from '../../lib/alerts/notification.ts';
import type { HbConfig } from '../../lib/config/types.ts';
import type { HeartbeatRecord } from '../../lib/heartbeat/record.ts';
import type { Io } from '../io.ts';
import { hasReceiver, sendNow } from '../../lib/check/delivery.ts';
import { deliveryEffects } from '../effects.ts';

/** A run in flight: its id and the start ping being delivered while the job runs. */
export interface RunPings {
  runId: string;
  started: Promise<string[]> | null;
}

/** Sends the start ping (without waiting for it) when the run has a command and a sink wants it. */
export function startRunPings(config: HbConfig, job: string, dir: string, io: Io, hasCommand: boolean): RunPings {
  const runId = randomUUID();
  const wanted = hasCommand && hasReceiver(config, job, 'run_start');
  const started = wanted ? sendNow(config, dir, deliveryEffects(io), [runNotification('run_start', job, io.host, io.now(), runId, null)]).catch(failed) : null;
  return { runId, started };
}

/** After the heartbeat: the end ping with the outcome, and the --notify message. Returns stderr lines. */
export async function finishRun(config: HbConfig, job: string, dir: string, io: Io, pings: RunPings | null, record: HeartbeatRecord | null, message: string | undefined): Promise<string[]> {
  const warnings = pings?.started ? await pings.started : [];
  const now = io.now();
  const out = [];
  if (pings && record && hasReceiver(config, job, 'run_end')) out.push(runNotification('run_end', job, io.host, now, pings.runId, record));
  if (message !== undefined) {
    if (!hasReceiver(config, job, 'message')) warnings.push(`hb: --notify: no sink of ${job} receives messages (configure notify: in hb.yaml)`);
    else out.push(messageNotification(job, message, io.host, now, record?.status === 'error' ? 'failed' : 'ok'));
  }
  if (out.length > 0) warnings.push(...(await sendNow(config, dir, deliveryEffects(io), out).catch(failed)));
  return warnings;
}

/** Delivery never fails the job; the reason becomes one stderr line. */
function failed(e: unknown): string[] {
  return [`hb: could not queue a notification: ${(e as Error)?.message ?? String(e)}`];
}
