// Dead-man recovery in `hb check` (SPEC §6): for each job with a `recover` block, read the facts,
// let the pure planner decide, then act — snapshot, restore, restart — and verify after settling.

import type { HbConfig } from '../rules/config/types.ts';
import { newEvent, type EventType, type FieldsOf, type KnownEvent } from '../rules/events/schema.ts';
import { describeJob, withRecovery, type JobFacts, type Judgement } from '../rules/health/evaluate.ts';
import { PROBLEM_STATUSES, type JobHealth, type RecoveryOutcome, type RecoveryStatus } from '../rules/health/types.ts';
import { gitKnownGood } from '../adapters/recover/git-source.ts';
import { currentOf, hashFile, type HashResult } from '../adapters/recover/hash-file.ts';
import { planRecovery, type RecoveryPlan } from '../rules/recover/plan.ts';
import { probeHealth, runRestart } from '../adapters/recover/probe.ts';
import { appendRestart, readRestarts } from '../adapters/recover/restarts.ts';
import { restoreFile } from '../adapters/recover/restore.ts';
import type { Acting } from '../adapters/recover/act-as.ts';
import { readRefusalNote, writeRefusalNote } from '../adapters/recover/refusal-note.ts';
import { writeRecoveryOutcome } from '../adapters/recover/outcome.ts';
import { latestSnapshot, readBlob, takeSnapshot } from '../adapters/recover/snapshots.ts';
import type { RecoverPolicy } from '../rules/recover/types.ts';
import type { Notification } from '../rules/sinks/types.ts';
import type { CheckEffects } from './effects.ts';

/** What recovery did, for the rest of the check to log, send, print and judge. */
export interface RecoveryResult {
  events: KnownEvent[];
  notifications: Notification[];
  /** Trouble while acting (a restore that failed, a restart that exited non-zero): stderr. */
  warnings: string[];
  /** In a dry run, what would have been done. */
  planned: string[];
  /** What was done, one line each: part of the check's output. */
  actions: string[];
  /** Every watched job's verdict before and after what recovery concluded this time. */
  verdicts: Array<{ facts: JobFacts; before: Judgement; after: Judgement; describe: () => JobHealth }>;
}

interface Seen {
  facts: JobFacts;
  /** The job's own verdict, which recovery acts on (its kept outcome left out). */
  own: Judgement;
  /** The verdict the check showed before recovery acted. */
  shown: Judgement;
  describe: () => JobHealth;
  policy: RecoverPolicy;
}

/** How one job's recovery ended this check; `outcome` undefined keeps what was kept. */
interface Acted {
  seen: Seen;
  plan: RecoveryPlan;
  healthy: boolean | null;
  /** Restores or the restart that failed. */
  failures: string[];
  outcome?: RecoveryOutcome | null;
}

/** Collects the jobs with a recover block as they are judged, then recovers them. */
export function startRecovery(config: HbConfig, dir: string, fx: CheckEffects, opts: { dryRun: boolean }) {
  const seen: Seen[] = [];
  return {
    /** Takes the job when recovery watches it (true): its alert waits for the outcome. */
    observe(facts: JobFacts, own: Judgement, shown: Judgement, describe: () => JobHealth): boolean {
      const policy = config.jobs.get(facts.job)?.recover;
      if (!policy || own.status === 'paused') return false;
      seen.push({ facts, own, shown, describe, policy });
      return true;
    },
    async act(): Promise<RecoveryResult> {
      const out: RecoveryResult = { events: [], notifications: [], warnings: [], planned: [], actions: [], verdicts: [] };
      const all: Acted[] = [];
      for (const s of seen) {
        const acted = await recoverOne(s, dir, fx, opts.dryRun, out);
        if (acted) all.push(acted);
      }
      const restarted = all.filter((a) => a.plan.kind === 'recover');
      if (!opts.dryRun && restarted.length > 0) {
        // One wait for all jobs acted on: the longest settle.
        await fx.sleep(Math.max(...restarted.map((a) => a.seen.policy.settleMs)));
        for (const a of restarted) await verify(a, fx, out);
      }
      const nowIso = new Date(fx.now()).toISOString();
      for (const a of all) {
        const { facts } = a.seen;
        const kept = facts.recovery ?? null;
        // Dated when first concluded: a recovery that stays failed keeps its first time.
        const concluded =
          opts.dryRun || a.outcome === undefined ? kept : a.outcome && { ...a.outcome, at: kept?.status === a.outcome.status ? kept.at : nowIso };
        if (!opts.dryRun && JSON.stringify(concluded) !== JSON.stringify(kept)) writeRecoveryOutcome(dir, facts.job, concluded);
        const after = withRecovery(a.seen.own, concluded);
        const judged = { ...facts, recovery: concluded };
        let described: JobHealth | undefined;
        out.verdicts.push({ facts: judged, before: a.seen.shown, after, describe: () => (described ??= describeJob(judged, after, fx.now())) });
      }
      return out;
    },
  };
}

/** After the settle time: is the job healthy again? Concludes its outcome and says so. */
async function verify(a: Acted, fx: CheckEffects, out: RecoveryResult): Promise<void> {
  const { facts, policy } = a.seen;
  const job = facts.job;
  const after = await probeHealth(policy, {
    env: fx.env,
    heartbeat: { healthy: null, reason: 'a fresh heartbeat cannot arrive within the settle time: the next check judges it' },
  });
  const did = [
    a.plan.restores.length ? `restored ${a.plan.restores.length} file${a.plan.restores.length === 1 ? '' : 's'}` : '',
    a.plan.restart ? 'restarted it' : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const verdict = after.healthy === null ? 'health will be judged by the next check' : after.healthy ? 'healthy again' : `still dead: ${after.reason}`;
  out.events.push(event(fx, job, 'recovery_verified', { healthy: after.healthy, reason: after.reason }));
  out.actions.push(`${job}: ${verdict}`);
  const stillDead = after.healthy === false || a.failures.length > 0;
  out.notifications.push(message(fx, job, stillDead ? 'recovery' : 'recovered', `${job}: hb ${did}; ${verdict}`, stillDead ? 'recovery_failed' : 'ok'));
  if (a.failures.length > 0) a.outcome = outcome('recovery_failed', `hb ${did}, but ${a.failures.join('; ')}`);
  else if (after.healthy === false) {
    const refused = a.plan.skipped.length > 0 ? `; left alone: ${a.plan.skipped.map((x) => `${x.path} (${x.why})`).join(', ')}` : '';
    a.outcome = outcome(a.plan.skipped.length > 0 ? 'recovery_refused' : 'recovery_failed', `hb ${did}, but it is ${verdict}${refused}`);
  } else a.outcome = null;
}

/** An outcome to be dated by act() (the time it was first concluded). */
const outcome = (status: RecoveryStatus, reason: string): RecoveryOutcome => ({ status, reason, at: '' });

/** Reads, plans and acts for one job; null when its facts could not be read. */
async function recoverOne(s: Seen, dir: string, fx: CheckEffects, dryRun: boolean, out: RecoveryResult): Promise<Acted | null> {
  const { facts, own, policy } = s;
  const job = facts.job;
  const now = fx.now();
  const probe = await probeHealth(policy, {
    env: fx.env,
    heartbeat: { healthy: own.status === 'running' ? null : !own.problem, reason: `${own.status}` },
  });
  // As root, a file another user controls is read and restored as that user.
  const acting: Acting = { root: fx.isRoot, node: fx.execPath, timeoutMs: policy.timeoutMs };
  const hashes = new Map<string, HashResult>(policy.config.map((path) => [path, hashFile(path, acting)]));
  const current = policy.config.map((path) => currentOf(path, hashes.get(path)!));
  let snapshot = null;
  let gitContents: Map<string, Buffer> | null = null;
  if (policy.source === 'git') {
    if (probe.healthy === false) {
      const known = await gitKnownGood(policy.config, policy.ref, job, now, { env: fx.env, timeoutMs: policy.timeoutMs });
      snapshot = known.manifest;
      gitContents = known.contents;
      for (const p of known.problems) out.warnings.push(`hb: ${job}: ${p.path}: ${p.message}`);
    }
  } else {
    const latest = latestSnapshot(dir, job);
    snapshot = latest.manifest;
    for (const skipped of latest.skipped) out.warnings.push(`hb: ${job}: snapshot ${skipped.id} unusable: ${skipped.reason}`);
  }
  const { restarts, problem } = readRestarts(dir, job);
  if (problem) out.warnings.push(`hb: ${job}: ${problem}`);
  const plan = planRecovery({ job, healthy: probe.healthy, snapshot, current, restarts, policy, now, dryRun });
  const acted: Acted = { seen: s, plan, healthy: probe.healthy, failures: [] };
  // Healthy: nothing is kept; unknown: what was kept stays; unhealthy: decided below.
  if (probe.healthy === true) acted.outcome = null;

  if (dryRun) {
    for (const r of plan.restores) out.planned.push(`would restore ${r.path} of ${job} (${short(r.from)} → ${short(r.to)})`);
    if (plan.restart) out.planned.push(`would restart ${job}: ${display(policy.restart)}`);
    if (plan.kind === 'blocked') out.planned.push(`would not restart ${job}: ${plan.reason}`);
    return acted;
  }
  if (plan.kind === 'snapshot' && plan.snapshot?.changed && policy.source === 'snapshot') {
    const files = policy.config.map((path) => {
      const h = hashes.get(path) as { content: Buffer; mode: number };
      return { path, content: h.content, mode: h.mode };
    });
    const { manifest } = takeSnapshot(dir, job, files, now, policy.keep);
    out.events.push(event(fx, job, 'snapshot_saved', { snapshot: manifest.id, files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })) }));
    out.actions.push(`${job}: saved the guarded files as known-good snapshot ${manifest.id}`);
  }
  if (probe.healthy === true) noteRefusals(job, hashes, dir, fx, out);
  if (probe.healthy !== false) return acted;
  if (plan.kind === 'blocked' || plan.kind === 'none') {
    // Nothing left to try. Loud once: the check that finds it says so; later ones show the status.
    const refused = plan.kind === 'none' && plan.skipped.length > 0;
    acted.outcome = outcome(
      refused ? 'recovery_refused' : 'recovery_exhausted',
      `${plan.reason}${plan.kind === 'none' && !refused ? '; nothing left to try: needs a person' : ''}`,
    );
    if (facts.recovery?.status !== acted.outcome.status) {
      out.events.push(event(fx, job, 'recovery_blocked', { reason: plan.reason, restarts: plan.budget.used }));
      out.notifications.push(
        message(fx, job, plan.kind === 'blocked' ? 'restart budget spent' : 'recovery gave up', `${job}: ${plan.reason}`, acted.outcome.status),
      );
      out.actions.push(`${job}: gave up: ${plan.reason}`);
    }
    return acted;
  }

  const rolled: Array<{ path: string; old_hash: string | null; new_hash: string }> = [];
  for (const r of plan.restores) {
    try {
      const content = gitContents ? gitContents.get(r.to)! : readBlob(dir, job, r.to);
      restoreFile(r.path, content, r.mode, acting);
      rolled.push({ path: r.path, old_hash: r.from, new_hash: r.to });
      out.actions.push(`${job}: restored ${r.path} from the known-good copy (${short(r.from)} → ${short(r.to)})`);
    } catch (e) {
      acted.failures.push(`could not restore ${r.path}: ${(e as Error).message}`);
      out.warnings.push(`hb: ${job}: could not restore ${r.path}: ${(e as Error).message}`);
    }
  }
  if (rolled.length > 0) out.events.push(event(fx, job, 'config_rolled_back', { files: rolled, source: policy.source }));
  for (const skipped of plan.skipped) out.warnings.push(`hb: ${job}: left ${skipped.path} alone: ${skipped.why}`);
  if (plan.restart && policy.restart) {
    // Counted before it runs: a restart that kills hb still uses up budget.
    appendRestart(dir, job, now);
    const r = await runRestart(policy.restart, policy.timeoutMs, fx.env);
    out.events.push(
      event(fx, job, 'restart', { exit_code: r.exit_code, signal: r.signal, timed_out: r.timed_out, duration_ms: r.duration_ms, output_tail: r.output_tail }),
    );
    out.actions.push(`${job}: restarted it (${display(policy.restart)}): exit ${r.exit_code}${r.timed_out ? ', timed out' : ''}`);
    if (r.exit_code !== 0) {
      const why = `restart command exited ${r.exit_code}${r.timed_out ? ' (timed out)' : ''}`;
      acted.failures.push(why);
      out.warnings.push(`hb: ${job}: ${why}`);
    }
  }
  return acted;
}

/** A healthy job whose guarded files hb refuses (links, paths others control) gets no snapshot: said once, when it starts or changes. */
function noteRefusals(job: string, hashes: Map<string, HashResult>, dir: string, fx: CheckEffects, out: RecoveryResult): void {
  const refused = [...hashes].flatMap(([path, h]) => ('unsafe' in h && h.unsafe ? [{ path, reason: h.error }] : []));
  const text = refused.length > 0 ? refused.map((r) => `${r.path} (${r.reason})`).join(', ') : null;
  if (text === readRefusalNote(dir, job)) return;
  writeRefusalNote(dir, job, text);
  if (text === null) return;
  out.events.push(event(fx, job, 'snapshot_refused', { files: refused }));
  out.actions.push(`${job}: no snapshot taken: hb will not touch ${text}`);
}

const short = (sha: string | null) => (sha === null ? 'missing' : sha.slice(0, 12));
const display = (cmd: string | string[] | null) => (Array.isArray(cmd) ? cmd.join(' ') : (cmd ?? ''));
const event = <T extends EventType>(fx: CheckEffects, job: string, type: T, fields: FieldsOf<T>) =>
  newEvent[type](new Date(fx.now()).toISOString(), job, fields);

function message(fx: CheckEffects, job: string, what: string, text: string, status: JobHealth['status']): Notification {
  return {
    v: 1,
    id: fx.newId(),
    type: 'message',
    job,
    host: fx.host,
    status,
    problem: PROBLEM_STATUSES.has(status),
    message: text,
    title: `[hb] ${job} ${what}`,
    incident: null,
    ts: new Date(fx.now()).toISOString(),
  };
}
