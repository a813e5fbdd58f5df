// Alerting in `hb check`: the incident step for every job as it is judged, then the outbox and
// delivery. Runs inside the acting check (lib/check/act.ts holds the lock).

import { QUIET, step, type AlertPolicy, type Draft, type JobAlertState } from '../rules/alerts/incident.ts';
import { closingNotification, lateNotification, notificationFor, runNotification } from '../rules/alerts/notification.ts';
import type { LateNotice } from '../rules/alerts/late.ts';
import type { HeartbeatRecord } from '../rules/heartbeat/record.ts';
import { CHECK_JOB } from '../rules/job-name.ts';
import { enqueue, listPending, recoverClaims } from '../adapters/alerts/outbox.ts';
import { INCIDENT_TYPES, replayUnrecorded } from '../rules/alerts/replay.ts';
import { readAlertState, writeAlertState } from '../adapters/alerts/state.ts';
import { allSinks, escalationOf, type HbConfig } from '../rules/config/types.ts';
import { appendEvents } from '../adapters/events/log.ts';
import { newEvent, type FieldsOf, type KnownEvent } from '../rules/events/schema.ts';
import type { JobFacts, Judgement } from '../rules/health/evaluate.ts';
import type { JobHealth } from '../rules/health/types.ts';
import type { Notification } from '../rules/sinks/types.ts';
import type { CheckEffects } from './effects.ts';
import { deliver, deliveriesFor, hasReceiver } from '../adapters/alerts/delivery.ts';
import { stepDependant, withReleased } from '../rules/alerts/fold.ts';
import type { RootCause } from '../rules/evidence/types.ts';
import type { EvalContext } from '../rules/health/evaluate.ts';

/** What finishing alerting needs from the explain stage: the incidents folded into a root, and the check's timing (for a released job's next deadline). */
export interface Folds {
  folded: ReadonlyMap<string, RootCause>;
  timing: EvalContext['timing'];
}

/** Called for every judged job, then once at the end. */
export interface Alerting {
  observe(facts: JobFacts, j: Judgement, describe: () => JobHealth): void;
  /** Persists, enqueues and delivers; returns lines for stderr (and, in a dry run, stdout). */
  finish(complete: boolean, own: HeartbeatRecord | null, folds: Folds | null): Promise<{ warnings: string[]; planned: string[] }>;
  /** Adds notifications decided elsewhere in the check (recovery outcomes). */
  add(notifications: Notification[]): void;
}

/** Starts alerting for one check (the caller holds the check lock, or is a dry run). */
export function startAlerting(config: HbConfig, dir: string, fx: CheckEffects, opts: { dryRun: boolean }): Alerting {
  const nowMs = fx.now();
  const stored = readAlertState(dir);
  // What a check that died between its outbox and its state had decided counts as decided.
  // A claim left by a delivery that was killed goes back first, so the journal sees its item.
  if (!opts.dryRun) recoverClaims(dir, (pid) => fx.isAlive(pid));
  const pending = listPending(dir).items;
  const replayed = replayUnrecorded(
    stored.jobs,
    stored.journal,
    pending.map((item) => item.notification),
  );
  const previous = replayed.states;
  const next = new Map<string, JobAlertState>();
  const outgoing: Notification[] = [];
  const decided: Array<{ job: string; draft: Draft; describe: () => JobHealth }> = [];
  // A problem job that needs other jobs is stepped once the explain stage knows whether its
  // incident is folded into a root; only these are held until then (memory stays flat).
  const deferred: Array<{ facts: JobFacts; j: Judgement; describe: () => JobHealth }> = [];
  const late: Array<{ notice: LateNotice; describe: () => JobHealth }> = [];
  const events: KnownEvent[] = replayed.notifications.flatMap((n) =>
    n.incident ? [alertEvent(n.type, n.ts, n.job, { incident: n.incident.id, status: n.status, reason: n.message }, n.escalation?.step)] : [],
  );
  // Asked once per check: most configs have no sink that wants late notices, and then no job is looked at for one.
  const lateWanted = allSinks(config).some((s) => s.on?.includes('late'));
  const policyOf = (facts: JobFacts): AlertPolicy => {
    const steps = escalationOf(config, facts.job);
    return {
      remindMs: facts.config?.remindMs ?? null,
      escalateAfterMs: steps.length ? steps.map((s) => s.afterMs) : undefined,
      late: lateWanted && hasReceiver(config, facts.job, 'late'),
    };
  };
  return {
    add: (notifications) => void outgoing.push(...notifications),
    observe(facts, j, describe) {
      const cfg = facts.config;
      if (j.problem && cfg?.needs?.some((n) => n.kind === 'job')) {
        deferred.push({ facts, j, describe });
        return;
      }
      const { state, drafts, late: notice } = step(previous.get(facts.job) ?? QUIET, j, policyOf(facts), nowMs, () => fx.newId());
      next.set(facts.job, state);
      for (const draft of drafts) decided.push({ job: facts.job, draft, describe });
      if (notice) late.push({ notice, describe });
    },
    async finish(complete, own, folds) {
      const released = new Map<string, string[]>();
      // Roots first (a root's own root is none): a job folded into one that is held since its own
      // root recovered is released with it, not folded anew.
      const rootOf = (job: string) => folds?.folded.get(job)?.job ?? null;
      const order = [...deferred.filter((d) => rootOf(d.facts.job) === null), ...deferred.filter((d) => rootOf(d.facts.job) !== null)];
      for (const { facts, j, describe } of order) {
        const prev = previous.get(facts.job) ?? QUIET;
        // A check of some jobs may not have judged the root a job is folded into: it leaves the fold as it was.
        if (!complete && prev.folded_into !== undefined && !folds?.folded.has(facts.job)) {
          next.set(facts.job, prev);
          continue;
        }
        const named = rootOf(facts.job);
        const root = named !== null && next.get(named)?.held ? null : named;
        const nextDeadline = () => {
          if (!j.spec || !folds) return null;
          const t = folds.timing(j.spec, nowMs);
          return t.dueMs + (j.graceMs ?? t.periodMs);
        };
        const policy = policyOf(facts);
        const seen = Math.max(j.lastMs ?? -Infinity, j.runStartMs ?? -Infinity);
        const health = { status: j.status, problem: j.problem, lastMs: Number.isFinite(seen) ? seen : null };
        const r = stepDependant(prev, health, policy, nowMs, () => fx.newId(), root, nextDeadline);
        next.set(facts.job, r.state);
        for (const draft of r.drafts) decided.push({ job: facts.job, draft, describe });
        if (r.released !== null) released.set(r.released, [...(released.get(r.released) ?? []), facts.job]);
      }
      // Built now, not as each job is judged: the explain stage has since added evidence to the verdicts.
      for (const { job, draft, describe } of decided) {
        const health = describe();
        const n = notificationFor(draft, health, fx.host, nowMs);
        // The jobs folded into a root resolve with it, named in its resolve rather than each in one of its own.
        if (draft.type === 'resolve') n.message = withReleased(n.message, released.get(job) ?? []);
        outgoing.push(n);
        const fields = { incident: draft.incident.id, status: health.status, reason: health.reason };
        events.push(alertEvent(draft.type, new Date(nowMs).toISOString(), job, fields, draft.escalation?.step));
      }
      for (const { notice, describe } of late) outgoing.push(lateNotification(describe(), notice, fx.host, nowMs));
      for (const [job, s] of previous) {
        if (next.has(job)) continue;
        // A check of some jobs keeps the others' state as it was; a full check that no longer
        // sees a job closes its incident, so a tracker issue does not stay open forever.
        if (!complete) next.set(job, s);
        else if (s.incident) {
          outgoing.push(closingNotification(job, s.incident, fx.host, nowMs));
          events.push(newEvent.alert_resolved(new Date(nowMs).toISOString(), job, { incident: s.incident.id, status: 'ok', reason: 'no longer watched' }));
        }
      }
      // Who watches the watcher: the check's own heartbeat mirrored to its sinks (healthchecks).
      if (own && hasReceiver(config, CHECK_JOB, 'run_end')) outgoing.push(runNotification('run_end', CHECK_JOB, fx.host, nowMs, fx.newId(), own));
      // A replayed notification goes to every sink that has no copy yet (the dead check may have
      // enqueued it for some sinks only), under its own id; then this check's own.
      const queued = new Set(pending.map((item) => `${item.notification.id}|${item.sink.key}`));
      const missing = deliveriesFor(config, replayed.notifications).filter((d) => !queued.has(`${d.notification.id}|${d.sink.key}`));
      const deliveries = [...missing, ...deliveriesFor(config, outgoing)];
      if (opts.dryRun) {
        return {
          warnings: [],
          planned: deliveries.map(
            (d) => `would send ${d.notification.type} for ${d.notification.job} (${d.notification.status}) to ${d.sink.where} (${d.sink.kind})`,
          ),
        };
      }
      // Enqueued before the state is written, and the state names what it accounts for: a check
      // that dies in between is replayed by the next one (lib/rules/alerts/replay.ts), never lost or repeated.
      const added = enqueue(dir, deliveries);
      const journal = new Set([...pending, ...added].filter((item) => INCIDENT_TYPES.has(item.notification.type)).map((item) => item.notification.id));
      writeAlertState(dir, next, journal, stored);
      appendEvents(dir, events);
      const report = await deliver(config, dir, fx);
      return { warnings: report.warnings, planned: [] };
    },
  };
}

/** The event logged for an incident notification or draft of type `type` (`step`: an escalation's). */
function alertEvent(type: string, ts: string, job: string, fields: FieldsOf<'alert_opened'>, step: number | undefined): KnownEvent {
  if (type === 'escalate') return newEvent.alert_escalated(ts, job, { ...fields, step: step ?? 0 });
  const build = type === 'alert' ? newEvent.alert_opened : type === 'resolve' ? newEvent.alert_resolved : newEvent.alert_reminded;
  return build(ts, job, fields);
}
