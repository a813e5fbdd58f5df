// Alerting in `hb check`: the incident step for every job as it is judged, then the outbox and
// delivery. Runs inside the acting check (bin/commands/act.ts holds the lock).

import { randomUUID } from 'node:crypto';
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
import type { Notification } from '../../lib/sinks/types.ts';
import type { Io } from '../io.ts';
import { deliver, deliveriesFor, hasReceiver } from './delivery.ts';

/** Called for every judged job, then once at the end. */
export interface Alerting {
  observe(facts: JobFacts, j: Judgement, describe: () => JobHealth): void;
  /** Persists, enqueues and delivers; returns lines for stderr (and, in a dry run, stdout). */
  finish(complete: boolean, own: HeartbeatRecord | null): Promise<{ warnings: string[]; planned: string[] }>;
  /** Adds notifications decided elsewhere in the check (recovery outcomes). */
  add(notifications: Notification[]): void;
}

/** Starts alerting for one check (the caller holds the check lock, or is a dry run). */
export function startAlerting(config: HbConfig, dir: string, io: Io, opts: { dryRun: boolean }): Alerting {
  const nowMs = io.now();
  const previous = readAlertState(dir);
  const next = new Map<string, JobAlertState>();
  const outgoing: Notification[] = [];
  const events: HbEvent[] = [];
  return {
    add: (notifications) => void outgoing.push(...notifications),
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
      // Enqueued before the state is written: a crash in between repeats an alert, never loses one.
      enqueue(dir, deliveries);
      writeAlertState(dir, next, previous);
      appendEvents(dir, events);
      const report = await deliver(config, dir, io);
      return { warnings: report.warnings, planned: [] };
    },
  };
}
