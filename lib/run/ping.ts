// `hb wrap --ping URL` and `hb tick --ping URL` (or HB_PING_URL): the run reported to a
// healthchecks-compatible check with no config at all, through the healthchecks sink's own
// requests. Sent right away, a few quick tries each, never queued: the outbox only sends to sinks
// a config names, and a check running as root must not send to URLs a user could write into the
// state directory. A ping that is lost is what the remote check notices anyway. Its own bundle:
// loaded only when a URL is given.

import { appendEvents } from '../adapters/events/log.ts';
import { pingRequest, postPing } from '../adapters/sinks/healthchecks.ts';
import { newEvent } from '../rules/events/schema.ts';
import { runNotification } from '../rules/alerts/notification.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import type { Notification } from '../rules/sinks/types.ts';
import { shownPingUrl } from '../rules/sinks/ping-url.ts';
import { redactUrls } from '../rules/sinks/url-credentials.ts';

/** How one ping is tried: 3 s per attempt, 2 more attempts after 0.75 s and 1.5 s; at worst about 11 s a ping. */
export const PING_TUNING: PingTuning = { timeoutMs: 3000, retries: 2 };

/** The timeout of one attempt and how many more attempts a retryable failure gets. */
export interface PingTuning {
  timeoutMs: number;
  retries: number;
}

/** What pinging takes from outside: the host named in the pings and the clock. */
export interface PingEffects {
  host: string;
  now(): number;
}

/** A run being pinged: the URL, the run id its start and end share, and the start ping in flight. */
export interface RunPing {
  url: string;
  runId: string;
  /** Resolves with why the start ping failed, or null. */
  started: Promise<Failed | null> | null;
}

/** Sends the start ping without waiting for it, when the run has a command (a pure ping has no start). */
export function startPing(url: string, job: string, runId: string, fx: PingEffects, hasCommand: boolean, tuning = PING_TUNING): RunPing {
  const started = hasCommand ? send(url, runNotification('run_start', job, fx.host, fx.now(), runId, null), tuning) : null;
  return { url, runId, started };
}

/**
 * After the run: waits for the start ping, then sends the end ping with hb's verdict (`record`:
 * success, `/<exit code>` or `/fail`, the output tail as body). Null `record`: the run was skipped,
 * nothing more is said. Each failed ping is a `notify_failed` event in `dir` (null: no state
 * directory), as `hb log` and the report show. Returns at most one stderr line: a dead endpoint
 * fails both pings, and cron would mail the same news twice.
 */
export async function finishPing(
  ping: RunPing,
  job: string,
  fx: PingEffects,
  record: HeartbeatRecord | null,
  dir: string | null,
  tuning = PING_TUNING,
): Promise<string[]> {
  const start = ping.started ? await ping.started : null;
  const end = record ? await send(ping.url, runNotification('run_end', job, fx.host, fx.now(), ping.runId, record), tuning) : null;
  const failed = end ?? start;
  if (!failed) return [];
  if (dir) logFailures(dir, job, new Date(fx.now()).toISOString(), [start, end]);
  const also = end && start ? ' (its /start ping failed too)' : '';
  return [`hb: ping ${failed.shown}${also} failed: ${failed.why}; will not retry`];
}

/** A ping that could not be delivered: its URL as shown, why, and which notification it carried. */
interface Failed {
  shown: string;
  why: string;
  type: Notification['type'];
}

/** One `notify_failed` per failed ping, logged at `ts` (after the run): attempt 1 of 1, never retried. */
function logFailures(dir: string, job: string, ts: string, failed: Array<Failed | null>): void {
  const events = failed
    .filter((f): f is Failed => f !== null)
    .map((f) =>
      newEvent.notify_failed(ts, job, {
        sink: '--ping',
        kind: 'healthchecks',
        notification: f.type,
        incident: null,
        attempts: 1,
        error: `${f.shown}: ${f.why}`,
        will_retry: false,
      }),
    );
  try {
    appendEvents(dir, events);
  } catch {
    // The run's own events already said the log is unwritable.
  }
}

/** Sends one ping; resolves with why it failed, or null once it is delivered. */
async function send(url: string, n: Notification, tuning: PingTuning): Promise<Failed | null> {
  const ping = pingRequest(url, n);
  if (!ping) return null;
  const shown = shownPingUrl(ping.href);
  try {
    await postPing(ping, tuning, shown);
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const why = message.startsWith(`${shown}: `) ? message.slice(shown.length + 2) : message;
    return { shown, why: redactUrls(why), type: n.type };
  }
}
