// The acting part of `hb check`: the incident step for every job as it is judged, then the outbox
// and delivery. Only the check holding the lock acts; a concurrent one only reports.

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { QUIET, step, type JobAlertState } from '../../lib/alerts/incident.ts';
import { closingNotification, notificationFor, runNotification } from '../../lib/alerts/notification.ts';
import type { HeartbeatRecord } from '../../lib/heartbeat/record.ts';
import { CHECK_JOB } from '../../lib/health/watcher.ts';
import { enqueue } from '../../lib/alerts/outbox.ts';
import { readAlertState, writeAlertState } from '../../lib/alerts/state.ts';
import type { HbConfig } from '../../lib/config/types.ts';
import { appendEvents, type HbEvent } from '../../lib/events/log.ts';
import type { JobFacts, Judgement } from '../../lib/health/evaluate.ts';
import type { JobHealth } from '../../lib/health/types.ts';
import { acquireLock } from '../../lib/run/lock.ts';
import { bootId, processStartMs } from '../../lib/run/proc.ts';
import type { Notification } from '../../lib/sinks/types.ts';
import type { Io } from '../io.ts';
import { deliver, deliveriesFor, hasReceiver } from './delivery.ts';

/** Called for every judged job, then once at the end. */
export interface Alerting {
  observe(facts: JobFacts, j: Judgement, describe: () => JobHealth): void;
  /** Persists, enqueues and delivers; returns lines for stderr (and, in a dry run, stdout). */
  finish(complete: boolean, own: HeartbeatRecord | null): Promise<{ warnings: string[]; planned: string[] }>;
  /** The check failed before finishing: act on nothing, release the lock. */
  abort(): void;
}

/** Starts alerting for one check, or returns null when another check is acting. */
export function startAlerting(config: HbConfig, dir: string, io: Io, opts: { dryRun: boolean }): Alerting | null {
  let release: (() => boolean) | null = null;
  if (!opts.dryRun) {
    try {
      mkdirSync(join(dir, 'locks'), { recursive: true });
      const got = acquireLock(join(dir, 'locks', 'hb-check.lock'), { pid: io.pid, started_at: new Date(io.now()).toISOString(), boot_id: bootId(), pid_started_ms: processStartMs(io.pid), host: io.host });
      if (!got.acquired) return null;
      release = got.release;
    } catch (e) {
      io.err(`hb: cannot take the check lock in ${dir}: ${(e as Error).message}; not notifying\n`);
      return null;
    }
  }
  const nowMs = io.now();
  const previous = readAlertState(dir);
  const next = new Map<string, JobAlertState>();
  const outgoing: Notification[] = [];
  const events: HbEvent[] = [];
  return {
    abort: () => void release?.(),
    observe(facts, j, describe) {
      const cfg = facts.config;
      const policy = { alertAfter: cfg?.alertAfter ?? 1, remindMs: cfg?.remindMs ?? null };
      const { state, drafts } = step(previous.get(facts.job) ?? QUIET, j, policy, nowMs, randomUUID);
      next.set(facts.job, state);
      if (drafts.length === 0) return;
      const health = describe();
      for (const draft of drafts) {
        outgoing.push(notificationFor(draft, health, io.host, nowMs));
        const type = draft.type === 'alert' ? 'alert_opened' : draft.type === 'resolve' ? 'alert_resolved' : 'alert_reminded';
        events.push({ ts: new Date(nowMs).toISOString(), job: facts.job, type, incident: draft.incident.id, status: health.status, reason: health.reason });
      }
    },
    async finish(complete, own) {
      for (const [job, s] of previous) {
        if (next.has(job)) continue;
        // A check of some jobs keeps the others' state as it was; a full check that no longer
        // sees a job closes its incident, so a tracker issue does not stay open forever.
        if (!complete) next.set(job, s);
        else if (s.incident) {
          outgoing.push(closingNotification(job, s.incident, io.host, nowMs));
          events.push({ ts: new Date(nowMs).toISOString(), job, type: 'alert_resolved', incident: s.incident.id, status: 'ok', reason: 'no longer watched' });
        }
      }
      // Who watches the watcher: the check's own heartbeat mirrored to its sinks (healthchecks).
      if (own && hasReceiver(config, CHECK_JOB, 'run_end')) outgoing.push(runNotification('run_end', CHECK_JOB, io.host, nowMs, randomUUID(), own));
      const deliveries = deliveriesFor(config, outgoing);
      if (opts.dryRun) {
        return { warnings: [], planned: deliveries.map((d) => `would send ${d.notification.type} for ${d.notification.job} (${d.notification.status}) to ${d.sink.where} (${d.sink.kind})`) };
      }
      try {
        // Enqueued before the state is written: a crash in between repeats an alert, never loses one.
        enqueue(dir, deliveries);
        writeAlertState(dir, next, previous);
        appendEvents(dir, events);
        const report = await deliver(config, dir, io);
        return { warnings: report.warnings, planned: [] };
      } finally {
        release?.();
      }
    },
  };
}
