// The acting part of `hb check`: the incident step for every job as it is judged, then the outbox
// and delivery. Only the check holding the lock acts; a concurrent one only reports.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliverPending } from '../../lib/alerts/deliver.ts';
import { QUIET, step, type JobAlertState } from '../../lib/alerts/incident.ts';
import { notificationFor } from '../../lib/alerts/notification.ts';
import { enqueue } from '../../lib/alerts/outbox.ts';
import { readAlertState, writeAlertState } from '../../lib/alerts/state.ts';
import type { HbConfig } from '../../lib/config/types.ts';
import { appendEvents, type HbEvent } from '../../lib/events/log.ts';
import type { JobFacts, Judgement } from '../../lib/health/evaluate.ts';
import type { JobHealth } from '../../lib/health/types.ts';
import { acquireLock } from '../../lib/run/lock.ts';
import { bootId, gatherFacts, processStartMs } from '../../lib/run/proc.ts';
import { receives, sinkKey } from '../../lib/sinks/load.ts';
import type { Notification } from '../../lib/sinks/types.ts';
import type { SinkConfig } from '../../lib/sinks/validate.ts';
import type { Io } from '../io.ts';

/** Called for every judged job, then once at the end. */
export interface Alerting {
  observe(facts: JobFacts, j: Judgement, describe: () => JobHealth): void;
  /** Persists, enqueues and delivers; returns lines for stderr (and, in a dry run, stdout). */
  finish(complete: boolean): Promise<{ warnings: string[]; planned: string[] }>;
  /** The check failed before finishing: act on nothing, release the lock. */
  abort(): void;
}

/** Every sink a job's notifications go to: its own, then the global ones. */
export function sinksOf(config: HbConfig, job: string): SinkConfig[] {
  return [...(config.jobs.get(job)?.notify ?? []), ...config.notify];
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
    async finish(complete) {
      // A check of some jobs only keeps the others' state as it was.
      if (!complete) for (const [job, s] of previous) if (!next.has(job)) next.set(job, s);
      const deliveries = outgoing.flatMap((n) =>
        sinksOf(config, n.job)
          .filter((s) => receives(s, n.type))
          .map((s) => ({ created_at: n.ts, sink: { key: sinkKey(s), kind: s.kind, where: s.where }, notification: n })),
      );
      if (opts.dryRun) {
        return { warnings: [], planned: deliveries.map((d) => `would send ${d.notification.type} for ${d.notification.job} (${d.notification.status}) to ${d.sink.where} (${d.sink.kind})`) };
      }
      try {
        // Enqueued before the state is written: a crash in between repeats an alert, never loses one.
        enqueue(dir, deliveries);
        writeAlertState(dir, next, previous);
        const sinks = new Map<string, SinkConfig>();
        for (const s of [...config.notify, ...[...config.jobs.values()].flatMap((j) => j.notify ?? [])]) sinks.set(sinkKey(s), s);
        const report = await deliverPending({
          dir,
          sinks,
          ctx: { env: io.env, now: io.now, readFile: (path) => readFileSync(path, 'utf8') },
          now: io.now,
          pid: io.pid,
          isAlive: (pid) => gatherFacts(pid).state !== null,
        });
        appendEvents(dir, [...events, ...report.events]);
        return { warnings: report.warnings, planned: [] };
      } finally {
        release?.();
      }
    },
  };
}
