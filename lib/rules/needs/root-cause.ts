// Why a problem job that `needs:` others is a problem: the jobs it needs that are problems
// themselves (followed down to the deepest one, its root cause) and the preconditions that failed,
// as evidence items. Pure: the verdicts and the probes' outcomes come in.

import { formatDuration } from '../duration.ts';
import type { Evidence, RootCause } from '../evidence/types.ts';
import type { JobStatus } from '../health/types.ts';
import type { Need } from './types.ts';

/** What the rule needs of a needed job's verdict. */
export interface NeededVerdict {
  status: JobStatus;
  problem: boolean;
  /** Its last heartbeat's start (ms), or null. */
  lastMs: number | null;
  /** The start of its run in progress or of the one that died (ms), or null. */
  runStartMs: number | null;
}

/** What probing one precondition found (lib/adapters/needs/probe.ts). */
export type ProbeOutcome =
  | { kind: 'mount'; mounted: boolean; exists: boolean }
  | { kind: 'path'; exists: boolean; error: string | null }
  | { kind: 'tcp'; connected: boolean; error: string | null; timeoutMs: number }
  | { kind: 'command'; exitCode: number | null; signal: string | null; timedOut: boolean; tail: string; error: string | null };

/** What the rule reads besides the job's own needs. */
export interface NeedsView {
  nowMs: number;
  /** The verdict of a job this check judged, or undefined. */
  verdictOf(job: string): NeededVerdict | undefined;
  /** The needs a job is configured with (to follow a chain). */
  needsOf(job: string): readonly Need[] | undefined;
  /** What probing each precondition found, by its text (`mount:/mnt/backup`). */
  probed: ReadonlyMap<string, ProbeOutcome>;
}

/** The evidence for one problem job's needs, and the root cause its incident is folded into (null: none). */
export function explainNeeds(needs: readonly Need[], view: NeedsView): { evidence: Evidence[]; root: RootCause | null } {
  const evidence: Evidence[] = [];
  let jobRoot: RootCause | null = null;
  let preconditionRoot: RootCause | null = null;
  for (const need of needs) {
    if (need.kind === 'job') {
      const v = view.verdictOf(need.job);
      if (!v) {
        evidence.push(
          item('dependency', 'clue', `${need.job} has no verdict in this check (no heartbeat found and not judged)`, dependencyFacts(need, null, null)),
        );
        continue;
      }
      if (!v.problem) {
        evidence.push(item('dependency', 'clear', `${describeVerdict(need.job, v, view.nowMs)}`, dependencyFacts(need, v, null)));
        continue;
      }
      const chain = deepest(need.job, view);
      const root = chain[chain.length - 1]!;
      const rootText = describeVerdict(root, view.verdictOf(root)!, view.nowMs);
      const own = describeVerdict(need.job, v, view.nowMs);
      const text = root === need.job ? own : `${own}, because ${rootText}`;
      evidence.push(item('dependency', 'cause', text, dependencyFacts(need, v, root)));
      jobRoot ??= { job: root, need: need.text, text: root === need.job ? rootText : `${rootText} (through ${chain.slice(0, -1).join(', ')})` };
      continue;
    }
    const outcome = view.probed.get(need.text);
    if (!outcome) continue;
    const found = preconditionText(need, outcome);
    evidence.push(item('precondition', found.holds ? 'clear' : 'cause', found.text, { need: need.text, holds: found.holds, ...found.facts }));
    if (!found.holds) preconditionRoot ??= { job: null, need: need.text, text: found.text };
  }
  return { evidence, root: jobRoot ?? preconditionRoot };
}

/** The chain from `job` down to the deepest problem it needs (`dump, db`): each next link the first needed problem job not yet seen. */
function deepest(job: string, view: NeedsView): string[] {
  const chain = [job];
  const seen = new Set(chain);
  for (let cur = job; ;) {
    const next = (view.needsOf(cur) ?? []).find((n) => n.kind === 'job' && !seen.has(n.job) && view.verdictOf(n.job)?.problem === true);
    if (!next || next.kind !== 'job') return chain;
    cur = next.job;
    chain.push(cur);
    seen.add(cur);
  }
}

const ago = (nowMs: number, ms: number) => `${formatDuration(Math.max(0, nowMs - ms))} ago`;

/** One line on a needed job's verdict: "dump failed 2h ago", "dump is stale (last ran 1d ago)". */
export function describeVerdict(job: string, v: NeededVerdict, nowMs: number): string {
  switch (v.status) {
    case 'failed':
      return v.lastMs === null ? `${job} failed` : `${job} failed ${ago(nowMs, v.lastMs)}`;
    case 'never':
      return `${job} never ran`;
    case 'crashed':
      return v.runStartMs === null ? `${job} crashed` : `${job} crashed (its run started ${ago(nowMs, v.runStartMs)})`;
    case 'overrunning':
      return v.runStartMs === null ? `${job} is overrunning` : `${job} has been running for ${formatDuration(nowMs - v.runStartMs)}, past its limit`;
    case 'ok':
      return v.lastMs === null ? `${job} is ok` : `${job} is ok (last ran ${ago(nowMs, v.lastMs)})`;
    default: {
      const status = v.status.replace(/_/g, ' ');
      return v.lastMs === null ? `${job} is ${status}` : `${job} is ${status} (last ran ${ago(nowMs, v.lastMs)})`;
    }
  }
}

/** Whether a precondition holds, one line on it, and its facts. */
export function preconditionText(need: Exclude<Need, { kind: 'job' }>, o: ProbeOutcome): { holds: boolean; text: string; facts: Evidence['facts'] } {
  if (need.kind === 'mount' && o.kind === 'mount') {
    if (o.mounted) return { holds: true, text: `${need.path} is mounted`, facts: { mounted: true } };
    const text = o.exists ? `${need.path} is not mounted (mount ${need.path})` : `${need.path} is not mounted and does not exist`;
    return { holds: false, text, facts: { mounted: false, exists: o.exists } };
  }
  if (need.kind === 'path' && o.kind === 'path') {
    if (o.exists) return { holds: true, text: `${need.path} exists`, facts: { exists: true } };
    const text = o.error ? `${need.path} cannot be looked at (${o.error})` : `${need.path} does not exist`;
    return { holds: false, text, facts: { exists: false, error: o.error } };
  }
  if (need.kind === 'tcp' && o.kind === 'tcp') {
    const where = need.host.includes(':') ? `[${need.host}]:${need.port}` : `${need.host}:${need.port}`;
    if (o.connected) return { holds: true, text: `${where} accepts connections`, facts: { connected: true } };
    const text =
      o.error === 'ECONNREFUSED'
        ? `${where} refused the connection (nothing listens there)`
        : o.error === 'ETIMEDOUT'
          ? `${where} did not answer within ${formatDuration(o.timeoutMs)}`
          : `${where} cannot be reached (${o.error ?? 'unknown error'})`;
    return { holds: false, text, facts: { connected: false, error: o.error } };
  }
  if (need.kind === 'command' && o.kind === 'command') {
    const shown = need.command.length > 60 ? `${need.command.slice(0, 59)}…` : need.command;
    const facts = { exit_code: o.exitCode, signal: o.signal, timed_out: o.timedOut, output_tail: o.tail };
    if (o.exitCode === 0) return { holds: true, text: `${shown} exited 0`, facts };
    const last = o.tail.trim().split('\n').pop()?.trim() ?? '';
    const said = last ? `: ${last.length > 60 ? `${last.slice(0, 59)}…` : last}` : '';
    const how = o.error
      ? `could not be run (${o.error})`
      : o.timedOut
        ? `did not finish within ${formatDuration(need.timeoutMs)} and was killed`
        : o.signal
          ? `was killed by ${o.signal}`
          : `exited ${o.exitCode}`;
    return { holds: false, text: `${shown} ${how}${said}`, facts };
  }
  return { holds: false, text: `${need.text} could not be probed`, facts: {} };
}

function dependencyFacts(need: Extract<Need, { kind: 'job' }>, v: NeededVerdict | null, root: string | null): Evidence['facts'] {
  return {
    need: need.text,
    job: need.job,
    status: v?.status ?? null,
    problem: v?.problem ?? null,
    last_run_at: v?.lastMs == null ? null : new Date(v.lastMs).toISOString(),
    root_job: root,
  };
}

function item(kind: Evidence['kind'], weight: Evidence['weight'], text: string, facts: Evidence['facts']): Evidence {
  return { kind, weight, text, facts };
}
