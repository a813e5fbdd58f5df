// A run's own notifications: healthchecks-style pings around it and `hb tick --notify TEXT`.
// Delivered right away with the sinks' timeouts; what fails stays in the outbox for hb check.
// Loaded only for a job whose sinks hear about its runs, or a --notify (its own bundle).

import { messageNotification, runNotification } from '../rules/alerts/notification.ts';
import { hasReceiver, sendNow, type DeliveryEffects } from '../adapters/alerts/delivery.ts';
import type { HbConfig } from '../rules/config/types.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';

/** What notifying takes from outside: delivery's effects, the host named in each notification, a new run id. */
export interface NotifyEffects extends DeliveryEffects {
  host: string;
  /** A new random id (a UUID), one per run: the start and end pings of a run share it. */
  newId(): string;
}

/** A run in flight: its id and the start ping being delivered while the job runs. */
export interface RunPings {
  runId: string;
  started: Promise<string[]> | null;
}

/** Sends the start ping (without waiting for it) when the run has a command and a sink wants it. */
export function startRunPings(config: HbConfig, job: string, dir: string, fx: NotifyEffects, hasCommand: boolean): RunPings {
  const runId = fx.newId();
  const wanted = hasCommand && hasReceiver(config, job, 'run_start');
  const started = wanted ? sendNow(config, dir, fx, [runNotification('run_start', job, fx.host, fx.now(), runId, null)]).catch(failed) : null;
  return { runId, started };
}

/** After the heartbeat: the end ping with the outcome, and the --notify message. Returns stderr lines. */
export async function finishRun(
  config: HbConfig,
  job: string,
  dir: string,
  fx: NotifyEffects,
  pings: RunPings | null,
  record: HeartbeatRecord | null,
  message: string | undefined,
): Promise<string[]> {
  const warnings = pings?.started ? await pings.started : [];
  const now = fx.now();
  const out = [];
  if (pings && record && hasReceiver(config, job, 'run_end')) out.push(runNotification('run_end', job, fx.host, now, pings.runId, record));
  if (message !== undefined) {
    if (!hasReceiver(config, job, 'message')) warnings.push(`hb: --notify: no sink of ${job} receives messages (configure notify: in hb.yaml)`);
    else out.push(messageNotification(job, message, fx.host, now, record?.status === 'error' ? 'failed' : 'ok'));
  }
  if (out.length > 0) warnings.push(...(await sendNow(config, dir, fx, out).catch(failed)));
  return warnings;
}

/** Delivery never fails the job; the reason becomes one stderr line. */
function failed(e: unknown): string[] {
  return [`hb: could not queue a notification: ${(e as Error)?.message ?? String(e)}`];
}
