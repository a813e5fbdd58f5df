// Dead-man recovery in `hb check` (SPEC §6): for each job with a `recover` block, read the facts,
// let the pure planner decide, then act — snapshot, restore, restart — and verify after settling.

import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HbConfig } from '../../lib/config/types.ts';
import type { HbEvent } from '../../lib/events/log.ts';
import type { JobFacts, Judgement } from '../../lib/health/evaluate.ts';
import type { JobHealth } from '../../lib/health/types.ts';
import { gitKnownGood } from '../../lib/recover/git-source.ts';
import { currentOf, hashFile, type HashResult } from '../../lib/recover/hash-file.ts';
import { planRecovery, type RecoveryPlan } from '../../lib/recover/plan.ts';
import { probeHealth, runRestart } from '../../lib/recover/probe.ts';
import { appendRestart, readRestarts } from '../../lib/recover/restarts.ts';
import { restoreFile } from '../../lib/recover/restore.ts';
import { jobRecoverDir, latestSnapshot, readBlob, takeSnapshot } from '../../lib/recover/snapshots.ts';
import type { RecoverPolicy } from '../../lib/recover/types.ts';
import type { Notification } from '../../lib/sinks/types.ts';
import type { Io } from '../io.ts';
import { makeDirs } from '../../lib/fs/make-dirs.ts';

/** What recovery did, for the rest of the check to log, send and print. */
export interface RecoveryOutcome {
  events: HbEvent[];
  notifications: Notification[];
  warnings: string[];
  planned: string[];
}

interface Seen {
  facts: JobFacts;
  judgement: Judgement;
  describe: () => JobHealth;
  policy: RecoverPolicy;
}

/** Collects the jobs with a recover block as they are judged, then recovers them. */
export function startRecovery(config: HbConfig, dir: string, io: Io, opts: { dryRun: boolean }) {
  const seen: Seen[] = [];
  return {
    observe(facts: JobFacts, judgement: Judgement, describe: () => JobHealth) {
      const policy = config.jobs.get(facts.job)?.recover;
      if (policy && judgement.status !== 'paused') seen.push({ facts, judgement, describe, policy });
    },
    async act(): Promise<RecoveryOutcome> {
      const out: RecoveryOutcome = { events: [], notifications: [], warnings: [], planned: [] };
      const acted: Array<{ seen: Seen; plan: RecoveryPlan }> = [];
      for (const s of seen) {
        const plan = await recoverOne(s, dir, io, opts.dryRun, out);
        if (plan?.kind === 'recover') acted.push({ seen: s, plan });
      }
      if (acted.length === 0 || opts.dryRun) return out;
      // One wait for all jobs acted on: the longest settle.
      await new Promise((r) => setTimeout(r, Math.max(...acted.map((a) => a.seen.policy.settleMs))));
      for (const { seen: s, plan } of acted) {
        const after = await probeHealth(s.policy, { env: io.env, heartbeat: { healthy: null, reason: 'a fresh heartbeat cannot arrive within the settle time: the next check judges it' } });
        const worked = after.healthy === true;
        const did = [plan.restores.length ? `restored ${plan.restores.length} file${plan.restores.length === 1 ? '' : 's'}` : '', plan.restart ? 'restarted it' : ''].filter(Boolean).join(' and ');
        const verdict = after.healthy === null ? 'health will be judged by the next check' : worked ? 'healthy again' : `still dead: ${after.reason}`;
        out.events.push(event(io, s.facts.job, 'recovery_verified', { healthy: after.healthy, reason: after.reason }));
        out.notifications.push(message(io, s.facts.job, worked ? 'recovered' : 'recovery', `${s.facts.job}: hb ${did}; ${verdict}`, worked ? 'ok' : s.judgement.status));
        if (after.healthy === false) out.warnings.push(`hb: ${s.facts.job}: ${did}, but it is ${verdict}`);
      }
      return out;
    },
  };
}

/** Reads, plans and acts for one job; returns the plan (null when its facts could not be read). */
async function recoverOne(s: Seen, dir: string, io: Io, dryRun: boolean, out: RecoveryOutcome): Promise<RecoveryPlan | null> {
  const { facts, judgement, policy } = s;
  const job = facts.job;
  const now = io.now();
  const probe = await probeHealth(policy, {
    env: io.env,
    heartbeat: { healthy: judgement.status === 'running' ? null : !judgement.problem, reason: `${judgement.status}` },
  });
  const hashes = new Map<string, HashResult>(policy.config.map((path) => [path, hashFile(path)]));
  const current = policy.config.map((path) => currentOf(path, hashes.get(path)!));
  let snapshot = null;
  let gitContents: Map<string, Buffer> | null = null;
  if (policy.source === 'git') {
    if (probe.healthy === false) {
      const known = await gitKnownGood(policy.config, policy.ref, job, now, { env: io.env, timeoutMs: policy.timeoutMs });
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

  if (dryRun) {
    for (const r of plan.restores) out.planned.push(`would restore ${r.path} of ${job} (${short(r.from)} → ${short(r.to)})`);
    if (plan.restart) out.planned.push(`would restart ${job}: ${display(policy.restart)}`);
    if (plan.kind === 'blocked') out.planned.push(`would not restart ${job}: ${plan.reason}`);
    return plan;
  }
  if (plan.kind === 'snapshot' && plan.snapshot?.changed && policy.source === 'snapshot') {
    const files = policy.config.map((path) => {
      const h = hashes.get(path) as { content: Buffer; mode: number };
      return { path, content: h.content, mode: h.mode };
    });
    const { manifest } = takeSnapshot(dir, job, files, now, policy.keep);
    out.events.push(event(io, job, 'snapshot_saved', { snapshot: manifest.id, files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })) }));
  }
  // Loud once: the first check that finds the budget spent alerts; later ones stay quiet until
  // the job is healthy again.
  const blockedNote = join(jobRecoverDir(dir, job), 'blocked');
  if (plan.kind === 'blocked' && !existsSync(blockedNote)) {
    out.events.push(event(io, job, 'recovery_blocked', { reason: plan.reason, restarts: plan.budget.used }));
    out.notifications.push(message(io, job, 'restart budget spent', `${job}: ${plan.reason}`, judgement.status));
    out.warnings.push(`hb: ${job}: ${plan.reason}`);
    makeDirs(jobRecoverDir(dir, job), 0o700);
    writeFileSync(blockedNote, `${new Date(now).toISOString()}\n`, { mode: 0o600 });
  } else if (plan.kind === 'snapshot') rmSync(blockedNote, { force: true });
  if (plan.kind !== 'recover') return plan;

  const rolled: Array<{ path: string; old_hash: string | null; new_hash: string }> = [];
  for (const r of plan.restores) {
    try {
      const content = gitContents ? gitContents.get(r.to)! : readBlob(dir, job, r.to);
      restoreFile(r.path, content, r.mode);
      rolled.push({ path: r.path, old_hash: r.from, new_hash: r.to });
    } catch (e) {
      out.warnings.push(`hb: ${job}: could not restore ${r.path}: ${(e as Error).message}`);
    }
  }
  if (rolled.length > 0) out.events.push(event(io, job, 'config_rolled_back', { files: rolled, source: policy.source }));
  for (const skipped of plan.skipped) out.warnings.push(`hb: ${job}: left ${skipped.path} alone: ${skipped.why}`);
  if (plan.restart && policy.restart) {
    // Counted before it runs: a restart that kills hb still uses up budget.
    appendRestart(dir, job, now);
    const r = await runRestart(policy.restart, policy.timeoutMs, io.env);
    out.events.push(event(io, job, 'restart', { exit_code: r.exit_code, signal: r.signal, timed_out: r.timed_out, duration_ms: r.duration_ms, output_tail: r.output_tail }));
    if (r.exit_code !== 0) out.warnings.push(`hb: ${job}: restart command exited ${r.exit_code}${r.timed_out ? ' (timed out)' : ''}`);
  }
  return plan;
}

const short = (sha: string | null) => (sha === null ? 'missing' : sha.slice(0, 12));
const display = (cmd: string | string[] | null) => (Array.isArray(cmd) ? cmd.join(' ') : (cmd ?? ''));
const event = (io: Io, job: string, type: string, fields: Record<string, unknown>): HbEvent => ({ ts: new Date(io.now()).toISOString(), job, type, ...fields });

function message(io: Io, job: string, what: string, text: string, status: JobHealth['status']): Notification {
  return { v: 1, id: randomUUID(), type: 'message', job, host: io.host, status, problem: status !== 'ok', message: text, title: `[hb] ${job} ${what}`, incident: null, ts: new Date(io.now()).toISOString() };
}
